/**
 * Hostile and damaged zip archives against openZip. How each one is made:
 *
 * - Most are built in memory with yazl, then patched in place through the
 *   central directory (and the local header where the reader could look):
 *   names of the same byte length are swapped in (yazl itself refuses `..`,
 *   absolute and drive-letter names and turns `\` into `/`), the encryption
 *   flag (bit 0) or strong-encryption/masked-directory flags (bits 6, 13)
 *   set, the uncompressed size lowered or raised, the compression method
 *   changed, a local header offset pointed at another entry's data, a data
 *   byte flipped.
 * - Symbolic links: yazl's `mode` option (0o120777).
 * - Duplicates: yazl accepts the same name twice.
 * - The bomb: 1 GiB of zeros streamed into yazl (1 MiB buffer reused,
 *   never held whole), deflated at yazl's default level to about 1 MB.
 * - 100,000 entries: yazl writes a zip64 end record for them.
 * - A hand-written stored-entry writer (`handZip`) for what yazl cannot
 *   produce: an Info-ZIP Unicode Path extra field whose name differs from
 *   the header's.
 * - Real archives written by Info-ZIP zip 3.0 and by @actions/artifact (see
 *   test/fixtures/zip/README.md).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fs, { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import yazl from 'yazl';
import { ArtifactError, openZip, type ArtifactReason, type ZipArchive, type ZipLimits } from '../../src/github/zip.js';
import type { ByteSource } from '../../src/core/stream.js';
import { ownFixture } from '../helpers/fixtures.js';
import { loadConfig } from '../../src/core/config/index.js';
import { parseRouted, routeFiles } from '../../src/core/pipeline.js';

const MiB = 1024 * 1024;

// ---------------------------------------------------------------- building

interface Item {
  name: string;
  data?: Buffer | string;
  compress?: boolean;
  mode?: number;
  dir?: boolean;
}

async function buildZip(items: Item[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(2025, 0, 2, 3, 4, 6));
  for (const it of items) {
    if (it.dir) {
      z.addEmptyDirectory(it.name, { mtime });
      continue;
    }
    const data = typeof it.data === 'string' ? Buffer.from(it.data) : (it.data ?? Buffer.alloc(0));
    z.addBuffer(data, it.name, { mtime, compress: it.compress ?? true, ...(it.mode !== undefined ? { mode: it.mode } : {}) });
  }
  z.end();
  return collectStream(z.outputStream);
}

async function collectStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

interface CdRecord {
  /** Offset of the central directory record. */
  at: number;
  name: string;
  nameLength: number;
  /** Offset of the entry's local header. */
  local: number;
}

/** Central directory records of a zip without zip64 and without a comment. */
function centralRecords(zip: Buffer): CdRecord[] {
  const eocd = zip.length - 22;
  expect(zip.readUInt32LE(eocd)).toBe(0x06054b50);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: CdRecord[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(at + 28);
    out.push({ at, name: zip.toString('latin1', at + 46, at + 46 + nameLength), nameLength, local: zip.readUInt32LE(at + 42) });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}

function record(zip: Buffer, name: string): CdRecord {
  const r = centralRecords(zip).find((c) => c.name === name);
  if (!r) throw new Error(`no entry ${name}`);
  return r;
}

/** Replace an entry's name (same byte length) in its central record and local header. */
function rename(zip: Buffer, from: string, to: string | Buffer): Buffer {
  const out = Buffer.from(zip);
  const r = record(out, from);
  const bytes = typeof to === 'string' ? Buffer.from(to, 'latin1') : to;
  expect(bytes.length).toBe(r.nameLength);
  bytes.copy(out, r.at + 46);
  bytes.copy(out, r.local + 30);
  return out;
}

type Field = 'flags' | 'method' | 'crc' | 'compressedSize' | 'size' | 'attributes' | 'localOffset';
const CENTRAL: Record<Field, [number, 2 | 4]> = {
  flags: [8, 2],
  method: [10, 2],
  crc: [16, 4],
  compressedSize: [20, 4],
  size: [24, 4],
  attributes: [38, 4],
  localOffset: [42, 4],
};
const LOCAL: Partial<Record<Field, number>> = { flags: 6, method: 8 };

function patch(zip: Buffer, name: string, field: Field, value: number): Buffer {
  const out = Buffer.from(zip);
  const r = record(out, name);
  const [off, width] = CENTRAL[field];
  if (width === 2) out.writeUInt16LE(value, r.at + off);
  else out.writeUInt32LE(value >>> 0, r.at + off);
  const loc = LOCAL[field];
  if (loc !== undefined) out.writeUInt16LE(value, r.local + loc);
  return out;
}

function centralField(zip: Buffer, name: string, field: Field): number {
  const r = record(zip, name);
  const [off, width] = CENTRAL[field];
  return width === 2 ? zip.readUInt16LE(r.at + off) : zip.readUInt32LE(r.at + off);
}

/** A stored-entry zip written field by field, with optional extra fields. */
function handZip(entries: { name: Buffer; data: Buffer; extra?: Buffer; flags?: number }[], zip64 = entries.length >= 0xffff): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const extra = e.extra ?? Buffer.alloc(0);
    const crc = crc32(e.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(e.flags ?? 0, 6);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(e.data.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(e.name.length, 26);
    lh.writeUInt16LE(extra.length, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | 20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.flags ?? 0, 8);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(e.data.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(e.name.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    const local = Buffer.concat([lh, e.name, extra, e.data]);
    locals.push(local);
    centrals.push(Buffer.concat([cd, e.name, extra]));
    offset += local.length;
  }
  const central = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  if (!zip64) {
    eocd.writeUInt16LE(entries.length, 8);
    eocd.writeUInt16LE(entries.length, 10);
    eocd.writeUInt32LE(central.length, 12);
    eocd.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, central, eocd]);
  }
  // Too many entries for the end record: a zip64 end record and its locator carry the counts.
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  const z64 = Buffer.alloc(56);
  z64.writeUInt32LE(0x06064b50, 0);
  z64.writeBigUInt64LE(44n, 4);
  z64.writeUInt16LE((3 << 8) | 45, 12);
  z64.writeUInt16LE(45, 14);
  z64.writeBigUInt64LE(BigInt(entries.length), 24);
  z64.writeBigUInt64LE(BigInt(entries.length), 32);
  z64.writeBigUInt64LE(BigInt(central.length), 40);
  z64.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + central.length), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([...locals, central, z64, locator, eocd]);
}

/** Info-ZIP Unicode Path extra field (0x7075) naming `unicode` for a header name `raw`. */
function unicodePathField(raw: Buffer, unicode: string): Buffer {
  const name = Buffer.from(unicode, 'utf8');
  const f = Buffer.alloc(4 + 5 + name.length);
  f.writeUInt16LE(0x7075, 0);
  f.writeUInt16LE(5 + name.length, 2);
  f.writeUInt8(1, 4);
  f.writeUInt32LE(crc32(raw), 5);
  name.copy(f, 9);
  return f;
}

// ----------------------------------------------------------------- reading

async function readAll(src: ByteSource, onChunk?: (received: number) => void): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of src) {
    parts.push(c);
    n += c.length;
    onChunk?.(n);
  }
  return Buffer.concat(parts);
}

/** Count the bytes of a source without keeping them. */
async function drain(src: ByteSource, onChunk?: (received: number) => void): Promise<number> {
  let n = 0;
  for await (const c of src) {
    n += c.length;
    onChunk?.(n);
  }
  return n;
}

async function refusal(p: Promise<unknown>): Promise<ArtifactError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ArtifactError) return err;
    throw new Error(`expected an ArtifactError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a refusal, but it succeeded');
}

function refusalSync(f: () => unknown): ArtifactError {
  try {
    f();
  } catch (err) {
    if (err instanceof ArtifactError) return err;
    throw new Error(`expected an ArtifactError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a refusal, but it succeeded');
}

function expectRefusal(err: ArtifactError, reason: ArtifactReason, scope: 'archive' | 'entry', message: RegExp): void {
  expect({ reason: err.reason, scope: err.scope }).toEqual({ reason, scope });
  expect(err.message).toMatch(message);
}

/** Peak RSS growth over a baseline, sampled every `every` calls. */
function rssMeter(every = 64): { sample: () => void; growth: () => number } {
  const base = process.memoryUsage.rss();
  let peak = base;
  let calls = 0;
  return {
    sample: () => {
      if (++calls % every === 0) peak = Math.max(peak, process.memoryUsage.rss());
    },
    growth: () => Math.max(peak, process.memoryUsage.rss()) - base,
  };
}

// ------------------------------------------------------ no writes to disk

const writeFlags = /[wa+]/;
const writeCalls: string[] = [];
const spies: { mockRestore(): void }[] = [];

beforeAll(() => {
  // Every fs function that creates or writes a file or directory records its
  // calls (and still works); the last test asserts that there were none.
  const note = (what: string) => (...args: unknown[]) => {
    writeCalls.push(`${what}(${String(args[0])})`);
  };
  const watch = <T extends object>(obj: T, key: keyof T & string, onCall: (...args: unknown[]) => void) => {
    const original = obj[key] as unknown as (...a: unknown[]) => unknown;
    const spy = jest.spyOn(obj as Record<string, (...a: unknown[]) => unknown>, key).mockImplementation(function (this: unknown, ...args: unknown[]) {
      onCall(...args);
      return original.apply(this, args);
    });
    spies.push(spy);
  };
  for (const key of ['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'createWriteStream', 'mkdtemp', 'mkdir', 'mkdirSync', 'symlink', 'symlinkSync'] as const) {
    watch(fs, key, note(key));
  }
  for (const key of ['writeFile', 'appendFile', 'mkdtemp', 'mkdir', 'symlink'] as const) watch(fs.promises, key, note(`promises.${key}`));
  const onOpen = (what: string) => (...args: unknown[]) => {
    if (typeof args[1] === 'string' && writeFlags.test(args[1])) writeCalls.push(`${what}(${String(args[0])}, ${args[1]})`);
    if (typeof args[1] === 'number' && (args[1] & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT)) !== 0) writeCalls.push(`${what}(${String(args[0])})`);
  };
  watch(fs, 'open', onOpen('open'));
  watch(fs, 'openSync', onOpen('openSync'));
  watch(fs.promises, 'open', onOpen('promises.open'));
});

afterAll(() => {
  for (const s of spies) s.mockRestore();
});

// ------------------------------------------------------------------- tests

const lcovText = readFileSync(ownFixture('jest/lcov.info'));
const junitText = readFileSync(ownFixture('junit/jest-junit.xml'));
const realZip = (name: string) => readFileSync(ownFixture(`zip/${name}`));

describe('openZip on good archives', () => {
  it('lists file entries with their sizes, skips directories, normalises ./ and //, and streams the exact bytes', async () => {
    const zip = await buildZip([
      { name: 'coverage', dir: true },
      { name: 'coverage/lcov.info', data: lcovText },
      { name: './reports//junit.xml', data: junitText, compress: false },
      { name: 'empty.txt', data: '' },
    ]);
    const a = await openZip(zip);
    expect(a.entries.map((e) => [e.name, e.size])).toEqual([
      ['coverage/lcov.info', 2280],
      ['reports/junit.xml', 5651],
      ['empty.txt', 0],
    ]);
    expect(a.entries[1]!.compressedSize).toBe(5651);
    expect(a.entries[0]!.compressedSize).toBe(centralField(zip, 'coverage/lcov.info', 'compressedSize'));
    expect(a.entries[0]!.compressedSize).toBeLessThan(1000);
    expect(a.skipped).toEqual([]);
    expect((await readAll(a.open('coverage/lcov.info'))).equals(lcovText)).toBe(true);
    expect((await readAll(a.open('reports/junit.xml'))).equals(junitText)).toBe(true);
    expect((await readAll(a.open('empty.txt'))).length).toBe(0);
    // An entry can be read again, and two at once.
    const [x, y] = await Promise.all([readAll(a.open('coverage/lcov.info')), readAll(a.open('reports/junit.xml'))]);
    expect([x.length, y.length]).toEqual([2280, 5651]);
    expect(a.refusal).toBeUndefined();
  });

  it('reads the artifact @actions/artifact built (data descriptors, an empty directory stored as an empty file)', async () => {
    const a = await openZip(realZip('sdlc-reports.zip'));
    // unzip -lv: empty 0, coverage/lcov.info 2280 (727), reports/junit.xml 5651 (1227), README.txt 22 (24); 7953 bytes, 4 files.
    expect(a.entries).toEqual([
      { name: 'empty', size: 0, compressedSize: 0 },
      { name: 'coverage/lcov.info', size: 2280, compressedSize: 727 },
      { name: 'reports/junit.xml', size: 5651, compressedSize: 1227 },
      { name: 'README.txt', size: 22, compressedSize: 24 },
    ]);
    expect((await readAll(a.open('coverage/lcov.info'))).equals(lcovText)).toBe(true);
    expect((await readAll(a.open('reports/junit.xml'))).equals(junitText)).toBe(true);
    expect((await readAll(a.open('README.txt'))).toString()).toBe('Reports of the build.\n');
  });

  it('reads Info-ZIP archives, with directory entries and with zip64 records', async () => {
    const a = await openZip(realZip('infozip-reports.zip'));
    // unzip -lv: coverage/ 0, coverage/lcov.info 2280 (726), reports/ 0, reports/junit.xml 5651 (1226), README.txt 22 (22).
    expect(a.entries).toEqual([
      { name: 'coverage/lcov.info', size: 2280, compressedSize: 726 },
      { name: 'reports/junit.xml', size: 5651, compressedSize: 1226 },
      { name: 'README.txt', size: 22, compressedSize: 22 },
    ]);
    expect((await readAll(a.open('reports/junit.xml'))).equals(junitText)).toBe(true);
    const z64zip = realZip('infozip-zip64.zip');
    expect(z64zip.indexOf(Buffer.from('PK\x06\x06', 'latin1'))).toBe(1420);
    const z64 = await openZip(z64zip);
    expect(z64.entries).toEqual([{ name: 'reports/junit.xml', size: 5651, compressedSize: 1226 }]);
    expect((await readAll(z64.open('reports/junit.xml'))).equals(junitText)).toBe(true);
  });

  it('keeps names that differ only in case, and an empty archive has no entries', async () => {
    const a = await openZip(await buildZip([{ name: 'A.txt', data: 'upper' }, { name: 'a.txt', data: 'lower' }]));
    expect(a.entries.map((e) => e.name)).toEqual(['A.txt', 'a.txt']);
    expect((await readAll(a.open('a.txt'))).toString()).toBe('lower');
    const empty = await openZip(await buildZip([]));
    expect(empty.entries).toEqual([]);
  });

  it('refuses to open a name it does not hold, as an entry problem', async () => {
    const a = await openZip(await buildZip([{ name: 'a.txt', data: 'x' }]));
    expectRefusal(
      refusalSync(() => a.open('b.txt')),
      'not-found',
      'entry',
      /^the artifact has no entry "b.txt"$/,
    );
  });
});

describe('openZip refuses unsafe names (the whole archive)', () => {
  it.each([
    ['zz/x', '../x', 'a ".." segment'],
    ['dir/zz/x', 'dir/../x', 'a ".." segment'],
    ['zabs', '/abs', 'an absolute path'],
    ['Cz/x', 'C:/x', 'a drive letter'],
    ['Czzx', 'C:\\x', 'a drive letter'],
    ['a_b', 'a\\b', 'a backslash'],
    ['a_b', 'a\0b', 'a NUL character'],
  ])('%s patched to %j', async (placeholder, hostile, why) => {
    const zip = rename(await buildZip([{ name: 'ok.txt', data: 'fine' }, { name: placeholder, data: 'payload' }]), placeholder, hostile);
    const err = await refusal(openZip(zip));
    expectRefusal(err, 'unsafe-name', 'archive', new RegExp(`^entry ${escapeRe(JSON.stringify(hostile))} is refused: its name has ${escapeRe(why)}$`));
    expect(err.entry).toBe(hostile);
  });

  it('checks the Info-ZIP Unicode Path name as well as the header name', async () => {
    const raw = Buffer.from('safe.txt');
    const zip = handZip([{ name: raw, data: Buffer.from('x'), extra: unicodePathField(raw, '../evil.txt') }]);
    expectRefusal(await refusal(openZip(zip)), 'unsafe-name', 'archive', /^entry "\.\.\/evil\.txt" is refused: its name has a "\.\." segment$/);
    // The same field with a safe name is used as the entry's name.
    const renamed = handZip([{ name: raw, data: Buffer.from('x'), extra: unicodePathField(raw, 'données.txt') }]);
    expect((await openZip(renamed)).entries.map((e) => e.name)).toEqual(['données.txt']);
  });

  it('refuses a name over 1024 bytes and accepts one of 1024', async () => {
    const long = `${'d/'.repeat(300)}${'n'.repeat(425)}`;
    expect(Buffer.byteLength(long)).toBe(1025);
    expectRefusal(await refusal(openZip(await buildZip([{ name: long, data: 'x' }]))), 'name-too-long', 'archive', /is 1025 bytes long, over the limit of 1024$/);
    const ok = long.slice(0, -1);
    expect((await openZip(await buildZip([{ name: ok, data: 'x' }]))).entries.map((e) => e.name)).toEqual([ok]);
  });
});

describe('openZip refuses links and duplicates (the whole archive)', () => {
  it('refuses a symbolic link made with yazl', async () => {
    const zip = await buildZip([{ name: 'coverage/lcov.info', data: '/etc/passwd', mode: 0o120777, compress: false }]);
    expect(centralField(zip, 'coverage/lcov.info', 'attributes') >>> 16).toBe(0o120777);
    const err = await refusal(openZip(zip));
    expectRefusal(err, 'symlink', 'archive', /^entry "coverage\/lcov.info" is a symbolic link; artifacts with links are refused$/);
    expect(err.entry).toBe('coverage/lcov.info');
  });

  it('refuses the symbolic link Info-ZIP stored with zip -y', async () => {
    expectRefusal(await refusal(openZip(realZip('infozip-symlink.zip'))), 'symlink', 'archive', /^entry "coverage\/lcov.info" is a symbolic link/);
  });

  it('refuses a name given twice, also once ./ and // are dropped and Unicode is composed', async () => {
    const twice = await buildZip([{ name: 'dup.txt', data: 'a' }, { name: 'dup.txt', data: 'b' }]);
    expectRefusal(await refusal(openZip(twice)), 'duplicate', 'archive', /^entry "dup.txt" appears more than once in the artifact$/);
    const spelled = await buildZip([{ name: 'a/b.txt', data: 'a' }, { name: './a//b.txt', data: 'b' }]);
    expectRefusal(await refusal(openZip(spelled)), 'duplicate', 'archive', /^entry "a\/b.txt" appears/);
    const nfc = await buildZip([{ name: 'caf\u00e9.txt', data: 'a' }, { name: 'cafe\u0301.txt', data: 'b' }]);
    expectRefusal(await refusal(openZip(nfc)), 'duplicate', 'archive', /^entry "café.txt" appears/);
  });

  it('refuses entries whose data overlap (one deflate stream shared by two names)', async () => {
    const zip = await buildZip([{ name: 'one.txt', data: lcovText }, { name: 'two.txt', data: lcovText }]);
    const shared = patch(zip, 'two.txt', 'localOffset', record(zip, 'one.txt').local);
    expectRefusal(await refusal(openZip(shared)), 'overlapping', 'archive', /^entries "one.txt" and "two.txt" overlap in the archive/);
  });
});

describe('openZip refuses too many entries', () => {
  it('refuses 100,000 entries from the zip64 end record, before reading them', async () => {
    // Written by hand: yazl takes minutes to lay out this many entries.
    const zip = handZip(Array.from({ length: 100_000 }, (_, i) => ({ name: Buffer.from(`f${i}`), data: Buffer.from('x') })));
    const started = Date.now();
    expectRefusal(await refusal(openZip(zip)), 'too-many-entries', 'archive', /^the artifact has 100000 entries, over the limit of 10000$/);
    expect(Date.now() - started).toBeLessThan(5000);
    // The same writer's zip64 end records are well formed: a small archive written with them is read.
    const small = await openZip(handZip([{ name: Buffer.from('f0'), data: Buffer.from('x') }, { name: Buffer.from('f1'), data: Buffer.from('yz') }], true));
    expect(small.entries).toEqual([
      { name: 'f0', size: 1, compressedSize: 1 },
      { name: 'f1', size: 2, compressedSize: 2 },
    ]);
    expect((await readAll(small.open('f1'))).toString()).toBe('yz');
  }, 60_000);

  it('counts directories too, and accepts exactly the limit', async () => {
    const zip = await buildZip([{ name: 'd', dir: true }, { name: 'd/a', data: 'a' }, { name: 'd/b', data: 'b' }]);
    expect((await openZip(zip, { maxEntries: 3 })).entries.map((e) => e.name)).toEqual(['d/a', 'd/b']);
    expectRefusal(await refusal(openZip(zip, { maxEntries: 2 })), 'too-many-entries', 'archive', /has 3 entries, over the limit of 2$/);
  });
});

describe('zip bombs', () => {
  const GiB = 1024 * MiB;
  let bomb: Buffer;
  let bombCompressed = 0;

  beforeAll(async () => {
    const zero = Buffer.alloc(MiB);
    let sent = 0;
    const zeros = new Readable({
      read() {
        this.push(sent++ < 1024 ? zero : null);
      },
    });
    const z = new yazl.ZipFile();
    z.addReadStream(zeros, 'coverage/lcov.info', { mtime: new Date(Date.UTC(2025, 0, 2)) });
    z.addBuffer(Buffer.from('TN:\nSF:a.c\nDA:1,1\nend_of_record\n'), 'other.info');
    z.end();
    bomb = await collectStream(z.outputStream);
    bombCompressed = centralField(bomb, 'coverage/lcov.info', 'compressedSize');
  }, 240_000);

  it('is 1 GiB of zeros in about 1 MB', () => {
    expect(centralField(bomb, 'coverage/lcov.info', 'size')).toBe(GiB);
    expect(bombCompressed).toBeGreaterThan(900_000);
    expect(bombCompressed).toBeLessThan(1_200_000);
  });

  it('refuses the honest bomb from its header, without inflating it', async () => {
    const mem = rssMeter(1);
    const started = Date.now();
    const err = await refusal(openZip(bomb));
    mem.sample();
    expectRefusal(err, 'ratio', 'archive', /^entry "coverage\/lcov.info" declares 1 GiB from [\d.]+ KiB compressed, over the 200:1 compression ratio limit \(a zip bomb\)$/);
    expect(Date.now() - started).toBeLessThan(10000);
    expect(mem.growth()).toBeLessThan(200 * MiB);
  });

  it('refuses it as too large per entry and in total, whatever the ratio allows', async () => {
    expectRefusal(await refusal(openZip(bomb, { maxRatio: 10_000, maxEntryBytes: GiB - 1 })), 'entry-too-large', 'archive', /declares 1 GiB, over the limit of 1024 MiB per entry$/);
    expectRefusal(await refusal(openZip(bomb, { maxRatio: 10_000, maxTotalBytes: GiB })), 'total-too-large', 'archive', /^the artifact declares more than 1 GiB uncompressed, over the limit$/);
  });

  it('stops a bomb whose header lies about its size after a few MiB, by the bytes produced, and refuses the whole archive', async () => {
    // The header now claims 100 MiB (about 100:1): only the bytes produced give it away.
    const liar = patch(bomb, 'coverage/lcov.info', 'size', 100 * MiB);
    const a = await openZip(liar);
    expect(a.entries.map((e) => [e.name, e.size])).toEqual([
      ['coverage/lcov.info', 100 * MiB],
      ['other.info', 32],
    ]);
    const mem = rssMeter();
    let received = 0;
    const err = await refusal(
      drain(a.open('coverage/lcov.info'), (n) => {
        received = n;
        mem.sample();
      }),
    );
    expectRefusal(err, 'ratio', 'entry', /^entry "coverage\/lcov.info": produced [\d.]+ MiB from [\d.]+ KiB compressed, over the 200:1 compression ratio limit \(a zip bomb\)$/);
    // Refused once it passed 200 x (compressed consumed) + 1 MiB of grace.
    expect(received).toBeGreaterThan(MiB);
    expect(received).toBeLessThan(16 * MiB);
    expect(mem.growth()).toBeLessThan(200 * MiB);
    // The archive is refused: its other entries are no longer served.
    expect(a.refusal).toBe(err);
    expect(refusalSync(() => a.open('other.info'))).toBe(err);
  });

  it('streams 256 MiB of a bomb without holding it, and stops at the per-entry limit', async () => {
    const limits: Partial<ZipLimits> = { maxRatio: 100_000, maxEntryBytes: 256 * MiB };
    const liar = patch(bomb, 'coverage/lcov.info', 'size', 256 * MiB);
    const a = await openZip(liar, limits);
    const mem = rssMeter();
    let received = 0;
    const err = await refusal(
      drain(a.open('coverage/lcov.info'), (n) => {
        received = n;
        mem.sample();
      }),
    );
    expectRefusal(err, 'entry-too-large', 'entry', /^entry "coverage\/lcov.info": produced more than 256 MiB, over the limit per entry$/);
    expect(received).toBeLessThanOrEqual(256 * MiB);
    expect(received).toBeGreaterThan(255 * MiB);
    expect(mem.growth()).toBeLessThan(200 * MiB);
    expect(a.refusal).toBe(err);
  }, 60_000);

  it('counts every read against the total: reading an entry twice can pass it', async () => {
    const zip = await buildZip([{ name: 'lcov.info', data: lcovText }]);
    const a = await openZip(zip, { maxTotalBytes: 4000 });
    expect((await readAll(a.open('lcov.info'))).length).toBe(2280);
    const err = await refusal(readAll(a.open('lcov.info')));
    expectRefusal(err, 'total-too-large', 'entry', /^entry "lcov.info": reading it took the artifact past 3.91 KiB uncompressed, over the limit$/);
    expect(a.refusal).toBe(err);
  });

  it('lets a small, very repetitive file through within the grace', async () => {
    const blank = Buffer.alloc(512 * 1024, 0x20);
    const a = await openZip(await buildZip([{ name: 'spaces.txt', data: blank }]));
    expect(a.entries[0]!.size / a.entries[0]!.compressedSize).toBeGreaterThan(200);
    expect(await drain(a.open('spaces.txt'))).toBe(512 * 1024);
  });
});

describe('lying and damaged headers', () => {
  it('refuses deflated data longer than its header declares, while streaming, and refuses the archive', async () => {
    const zip = patch(await buildZip([{ name: 'lcov.info', data: lcovText }, { name: 'b.txt', data: 'b' }]), 'lcov.info', 'size', 1000);
    const a = await openZip(zip);
    expect(a.entries[0]!.size).toBe(1000);
    let received = 0;
    const err = await refusal(drain(a.open('lcov.info'), (n) => (received = n)));
    expectRefusal(err, 'size-mismatch', 'entry', /^entry "lcov.info": holds more data than the 1000 bytes its header declares$/);
    expect(received).toBe(0);
    expect(a.refusal).toBe(err);
    expect(refusalSync(() => a.open('b.txt')).reason).toBe('size-mismatch');
  });

  it('refuses a stored entry whose two header sizes disagree, at open', async () => {
    const zip = patch(await buildZip([{ name: 'lcov.info', data: lcovText, compress: false }]), 'lcov.info', 'size', 100);
    expectRefusal(await refusal(openZip(zip)), 'size-mismatch', 'archive', /size mismatch for stored file: 2280 != 100/);
  });

  it('fails only the entry whose data is shorter than declared or whose CRC does not match', async () => {
    const base = await buildZip([{ name: 'lcov.info', data: lcovText }, { name: 'raw.txt', data: 'abcdef', compress: false }, { name: 'ok.txt', data: 'ok' }]);
    const longer = patch(base, 'lcov.info', 'size', 3000);
    const a = await openZip(longer);
    expectRefusal(await refusal(readAll(a.open('lcov.info'))), 'corrupt', 'entry', /^entry "lcov.info": its data ends after 2280 of the 3000 bytes its header declares$/);
    expect(a.refusal).toBeUndefined();
    expect((await readAll(a.open('ok.txt'))).toString()).toBe('ok');

    const flipped = Buffer.from(base);
    const r = record(flipped, 'raw.txt');
    const dataAt = r.local + 30 + flipped.readUInt16LE(r.local + 26) + flipped.readUInt16LE(r.local + 28);
    expect(flipped.toString('latin1', dataAt, dataAt + 6)).toBe('abcdef');
    flipped[dataAt + 2] = 'X'.charCodeAt(0);
    const b = await openZip(flipped);
    expectRefusal(await refusal(readAll(b.open('raw.txt'))), 'corrupt', 'entry', /^entry "raw.txt": its data does not match its CRC-32 checksum$/);
    expect(b.refusal).toBeUndefined();
  });

  it('fails the entry on damaged deflate data', async () => {
    const base = await buildZip([{ name: 'lcov.info', data: lcovText }]);
    const r = record(base, 'lcov.info');
    const dataAt = r.local + 30 + base.readUInt16LE(r.local + 26) + base.readUInt16LE(r.local + 28);
    const broken = Buffer.from(base);
    broken.fill(0xff, dataAt, dataAt + 8);
    const a = await openZip(broken);
    expectRefusal(await refusal(readAll(a.open('lcov.info'))), 'corrupt', 'entry', /^entry "lcov.info": its data is damaged \(.+\)$/);
  });
});

describe('nested archives', () => {
  it('skips an entry named .zip and fails one whose data is a zip, leaving the rest readable', async () => {
    const inner = await buildZip([{ name: 'lcov.info', data: lcovText }]);
    const zip = await buildZip([
      { name: 'inner.ZIP', data: inner },
      { name: 'reports/disguised.xml', data: inner },
      { name: 'reports/stored.bin', data: inner, compress: false },
      { name: 'lcov.info', data: lcovText },
    ]);
    const a = await openZip(zip);
    expect(a.entries.map((e) => e.name)).toEqual(['reports/disguised.xml', 'reports/stored.bin', 'lcov.info']);
    expect(a.skipped).toEqual([{ name: 'inner.ZIP', reason: 'nested-archive', message: 'entry "inner.ZIP" is skipped: nested archives are not read' }]);
    expectRefusal(refusalSync(() => a.open('inner.ZIP')), 'nested-archive', 'entry', /nested archives are not read$/);
    for (const name of ['reports/disguised.xml', 'reports/stored.bin']) {
      let received = 0;
      const err = await refusal(drain(a.open(name), (n) => (received = n)));
      expectRefusal(err, 'nested-archive', 'entry', new RegExp(`^entry "${escapeRe(name)}": it is itself a zip archive: nested archives are not read$`));
      expect(received).toBe(0);
    }
    expect(a.refusal).toBeUndefined();
    expect((await readAll(a.open('lcov.info'))).equals(lcovText)).toBe(true);
  });

  it('passes data that merely starts with PK', async () => {
    const a = await openZip(await buildZip([{ name: 'pk.txt', data: 'PK is not a zip' }, { name: 'p.txt', data: 'P' }]));
    expect((await readAll(a.open('pk.txt'))).toString()).toBe('PK is not a zip');
    expect((await readAll(a.open('p.txt'))).toString()).toBe('P');
  });
});

describe('encryption and unsupported entries', () => {
  it('skips an entry Info-ZIP encrypted with zip -P', async () => {
    const a = await openZip(realZip('infozip-encrypted.zip'));
    expect(a.entries).toEqual([]);
    expect(a.skipped).toEqual([{ name: 'coverage/lcov.info', reason: 'encrypted', message: 'entry "coverage/lcov.info" is skipped: it is encrypted' }]);
    expectRefusal(refusalSync(() => a.open('coverage/lcov.info')), 'encrypted', 'entry', /is skipped: it is encrypted$/);
  });

  it('skips an entry flagged encrypted, and refuses strong encryption and an encrypted central directory', async () => {
    const zip = await buildZip([{ name: 'secret.txt', data: 'x' }, { name: 'plain.txt', data: 'y' }]);
    const a = await openZip(patch(zip, 'secret.txt', 'flags', centralField(zip, 'secret.txt', 'flags') | 0x1));
    expect(a.entries.map((e) => e.name)).toEqual(['plain.txt']);
    expect(a.skipped.map((s) => [s.name, s.reason])).toEqual([['secret.txt', 'encrypted']]);
    expectRefusal(await refusal(openZip(patch(zip, 'secret.txt', 'flags', 0x41))), 'encrypted', 'archive', /strong encryption/);
    expectRefusal(await refusal(openZip(patch(zip, 'secret.txt', 'flags', 0x2001))), 'encrypted', 'archive', /^entry "secret.txt": the central directory is encrypted$/);
  });

  it('skips an unsupported compression method and a device file', async () => {
    const zip = await buildZip([{ name: 'bz.txt', data: 'x' }, { name: 'dev', data: '', mode: 0o020644, compress: false }, { name: 'ok.txt', data: 'y' }]);
    const a = await openZip(patch(zip, 'bz.txt', 'method', 12));
    expect(a.entries.map((e) => e.name)).toEqual(['ok.txt']);
    expect(a.skipped).toEqual([
      { name: 'bz.txt', reason: 'unsupported', message: 'entry "bz.txt" is skipped: compression method 12 is not supported' },
      { name: 'dev', reason: 'unsupported', message: 'entry "dev" is skipped: it is not a regular file (mode 0o20000)' },
    ]);
  });
});

describe('truncated and damaged archives', () => {
  it('refuses every truncation of a real artifact with a clear error', async () => {
    const zip = realZip('sdlc-reports.zip');
    expect(zip.length).toBe(2468);
    const reasons = new Map<string, number>();
    for (let cut = 0; cut < zip.length; cut++) {
      const err = await refusal(openZip(zip.subarray(0, cut)));
      reasons.set(err.reason, (reasons.get(err.reason) ?? 0) + 1);
      expect(err.scope).toBe('archive');
      expect(err.message).toMatch(/^the artifact is not a readable zip archive: it is truncated or damaged \(.+\)$/);
    }
    expect([...reasons]).toEqual([['corrupt', 2468]]);
  });

  it('refuses what is not a zip at all', async () => {
    expectRefusal(await refusal(openZip(new Uint8Array(0))), 'corrupt', 'archive', /End of central directory record signature not found/);
    expectRefusal(await refusal(openZip(lcovText)), 'corrupt', 'archive', /truncated or damaged/);
  });

  it('never crashes on damaged bytes: every failure is an ArtifactError', async () => {
    const zip = realZip('sdlc-reports.zip');
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(zip.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), async (edits) => {
        const bad = Buffer.from(zip);
        for (const [at, v] of edits) bad[at] = v;
        let outcome = 'read';
        try {
          const a: ZipArchive = await openZip(bad);
          for (const e of a.entries) {
            try {
              const n = await drain(a.open(e.name));
              expect(n).toBeLessThanOrEqual(e.size);
            } catch (err) {
              if (!(err instanceof ArtifactError)) throw err;
              outcome = `entry:${err.reason}`;
            }
          }
        } catch (err) {
          if (!(err instanceof ArtifactError)) throw err;
          outcome = `archive:${err.reason}`;
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { seed: 20250102, numRuns: 400 },
    );
    // Both kinds of failure were met, so the property was exercised.
    expect([...outcomes.keys()].some((k) => k.startsWith('archive:'))).toBe(true);
    expect([...outcomes.keys()].some((k) => k.startsWith('entry:'))).toBe(true);
  });
});

describe('through parseRouted, as the App reads an artifact', () => {
  const route = (archive: ZipArchive) =>
    routeFiles(
      archive.entries.map((e) => e.name),
      loadConfig(undefined),
      { discoverAll: true, discoverLabel: 'artifact sdlc-reports' },
    );

  it('turns a nested archive into a failure and reads the other reports', async () => {
    const inner = await buildZip([{ name: 'x', data: 'x' }]);
    const archive = await openZip(await buildZip([{ name: 'reports/junit.xml', data: junitText }, { name: 'reports/sub.xml', data: inner }]));
    const set = await parseRouted(route(archive), (p) => archive.open(p));
    expect(set.reports.map((r) => [r.path, r.format])).toEqual([['reports/junit.xml', 'junit']]);
    expect(set.failures).toEqual([
      { path: 'reports/sub.xml', message: 'reports/sub.xml: could not be read: entry "reports/sub.xml": it is itself a zip archive: nested archives are not read' },
    ]);
    expect(archive.refusal).toBeUndefined();
  });

  it('turns a lying lcov bomb into a refusal of the whole artifact: nothing after it is served', async () => {
    // 4 MiB of DA records deflate to a few KiB; the header is made to claim 40 KiB.
    const lcovBomb = Buffer.from(`TN:\nSF:src/a.c\n${'DA:1,1\n'.repeat(600_000)}end_of_record\n`);
    const zip = patch(
      await buildZip([
        { name: 'coverage/lcov.info', data: lcovBomb },
        { name: 'reports/junit.xml', data: junitText },
      ]),
      'coverage/lcov.info',
      'size',
      40 * 1024,
    );
    const archive = await openZip(zip);
    const set = await parseRouted(route(archive), (p) => archive.open(p));
    const refusalText = 'entry "coverage/lcov.info": holds more data than the 40960 bytes its header declares';
    expect(set.reports).toEqual([]);
    expect(set.failures).toEqual([
      // Refused while the registry read the first 64 KiB to sniff the format, so before any kind was known.
      { path: 'coverage/lcov.info', message: `coverage/lcov.info: could not be read: ${refusalText}` },
      { path: 'reports/junit.xml', message: `reports/junit.xml: ${refusalText}` },
    ]);
    // The App checks this after parsing and refuses the artifact as a whole.
    expect(archive.refusal?.reason).toBe('size-mismatch');
    expect(archive.refusal?.message).toBe(refusalText);
  });
});

describe('nothing touches the disk', () => {
  it('made no call that creates or writes a file during the tests above', () => {
    expect(spies.length).toBe(18);
    expect(writeCalls).toEqual([]);
  });

  it('would have seen a write', () => {
    const before = writeCalls.length;
    fs.closeSync(fs.openSync('/dev/null', 'w'));
    expect(writeCalls.slice(before)).toEqual(['openSync(/dev/null, w)']);
    writeCalls.length = before;
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
