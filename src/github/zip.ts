/**
 * Reading a zip archive (a workflow-run artifact) held in memory, defensively.
 * Nothing is written to disk: entries are inflated on demand and streamed to
 * the caller as a `ByteSource`, with every limit enforced while the bytes are
 * produced.
 *
 * yauzl reads the structure (end of central directory, zip64, central
 * directory records, local headers, name decoding); the entry data is read
 * raw and inflated here, so that the bytes produced can be counted against the
 * compressed bytes actually consumed.
 *
 * What refuses the whole archive (`openZip` rejects, or, for what only shows
 * while streaming, `archive.refusal` is set and every later `open` throws):
 * - `corrupt`: not a zip, truncated anywhere, damaged central directory or
 *   local header;
 * - `encrypted`: strong encryption or an encrypted central directory (the
 *   names and sizes cannot be trusted);
 * - `too-many-entries`: more entries than `maxEntries` (from the end of
 *   central directory record, before any entry is read);
 * - `unsafe-name`: a `..` segment, an absolute path (`/x`), a drive letter
 *   (`C:x`), a backslash, a NUL, or an empty name;
 * - `name-too-long`: a name over `maxNameBytes` bytes;
 * - `duplicate`: two entries with the same name once normalised (`./` and
 *   empty segments dropped, Unicode NFC; case-sensitive);
 * - `symlink`: an entry whose Unix mode is a symbolic link;
 * - `overlapping`: two entries whose local headers or data overlap (a
 *   "quoted overlap" bomb reuses one deflate stream for many entries);
 * - `entry-too-large`, `total-too-large`, `ratio`: an entry declared or found
 *   (while streaming) bigger than `maxEntryBytes`, the archive bigger than
 *   `maxTotalBytes`, or an entry that produced more than
 *   `maxRatio` x (compressed bytes consumed so far) + `ratioGraceBytes`. The
 *   grace lets small, very repetitive files through (deflate reaches about
 *   1000:1 on a run of one byte); a bomb is stopped after a few MiB;
 * - `size-mismatch`: an entry produced more bytes than its header declares.
 *
 * What only skips one entry (listed in `archive.skipped`, not in `entries`;
 * `open` throws its error), or fails the one stream being read:
 * - `encrypted`: a traditionally encrypted entry (general purpose bit 0);
 * - `unsupported`: a compression method other than stored/deflate, or a
 *   device, FIFO or socket;
 * - `nested-archive`: a name ending in `.zip` (skipped), or data starting
 *   with a zip signature (the stream fails): nested archives are not read;
 * - `corrupt`: bad deflate data, fewer bytes than declared, CRC mismatch.
 *
 * Directories (names ending in `/`) are left out silently. Entry names in
 * `entries` are the normalised names; `open` takes those.
 *
 * A refusal found while streaming reaches the reader as the error of that
 * one stream (core's parseRouted turns it into the failure of one file), and
 * every later `open` throws it; after parsing, a caller must check
 * `archive.refusal` and, when set, drop everything read from the archive.
 */
import { Buffer } from 'node:buffer';
import { Readable, pipeline } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { ByteSource } from '../core/stream.js';

export type ArtifactReason =
  | 'not-found'
  | 'expired'
  | 'too-large'
  | 'api-error'
  | 'download-failed'
  | 'corrupt'
  | 'encrypted'
  | 'too-many-entries'
  | 'unsafe-name'
  | 'name-too-long'
  | 'duplicate'
  | 'symlink'
  | 'overlapping'
  | 'entry-too-large'
  | 'total-too-large'
  | 'ratio'
  | 'size-mismatch'
  | 'unsupported'
  | 'nested-archive';

/** An artifact or one of its entries was refused. `scope` says which. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
  readonly reason: ArtifactReason;
  /** `archive`: nothing from this artifact may be used; `entry`: only this entry is unreadable. */
  readonly scope: 'archive' | 'entry';
  /** The entry concerned, when there is one. */
  readonly entry?: string;
  /** HTTP status, for API and download failures. */
  readonly status?: number;

  constructor(reason: ArtifactReason, message: string, opts: { scope?: 'archive' | 'entry'; entry?: string; status?: number } = {}) {
    super(message);
    this.reason = reason;
    this.scope = opts.scope ?? 'archive';
    if (opts.entry !== undefined) this.entry = opts.entry;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

export interface ZipLimits {
  /** Entries in the central directory, directories included. */
  maxEntries: number;
  /** Uncompressed bytes of one entry. */
  maxEntryBytes: number;
  /** Uncompressed bytes of the whole archive (declared, and produced by every `open` together). */
  maxTotalBytes: number;
  /** Uncompressed bytes per compressed byte of one entry. */
  maxRatio: number;
  /** Uncompressed bytes an entry may produce beyond `maxRatio` x compressed. */
  ratioGraceBytes: number;
  /** Bytes of one entry name. */
  maxNameBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 1024 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxRatio: 200,
  ratioGraceBytes: 1024 * 1024,
  maxNameBytes: 1024,
};

export interface ZipEntryInfo {
  /** Normalised name (`/`-separated, no `./`, NFC). */
  name: string;
  /** Declared uncompressed size (enforced while reading). */
  size: number;
  compressedSize: number;
}

export interface SkippedEntry {
  name: string;
  reason: ArtifactReason;
  message: string;
}

export interface ZipArchive {
  /** Readable file entries, in archive order. */
  readonly entries: readonly ZipEntryInfo[];
  /** Entries that are left out, with why. */
  readonly skipped: readonly SkippedEntry[];
  /**
   * The decompressed bytes of one entry, checked while they stream. Throws
   * at once for an unknown or skipped name, or once the archive is refused.
   */
  open(name: string): ByteSource;
  /**
   * Set when streaming found the archive hostile (bomb, lying header): every
   * result read from it should be dropped, and the whole artifact refused.
   */
  readonly refusal: ArtifactError | undefined;
}

/** Piece size fed to the inflater, so that consumed bytes are counted closely. */
const FEED_BYTES = 16 * 1024;

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

const LOCAL_HEADER_SIGNATURE = 0x04034b50;

function describeSize(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${+(n / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(2)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(2)} KiB`;
  return `${n} bytes`;
}

/** A name as shown in messages: quoted, control characters escaped, cut at 200 characters. */
function show(name: string): string {
  const cut = name.length > 200 ? `${name.slice(0, 200)}...` : name;
  return JSON.stringify(cut);
}

function decodeRawName(raw: Buffer, utf8: boolean): string {
  // Same decoding as yauzl's (UTF-8 when flagged, CP437 otherwise), without
  // its backslash rewriting, so that a backslash is seen and refused.
  return yauzl.getFileNameLowLevel(utf8 ? 0x800 : 0, raw, [], true);
}

/** Why a name is unsafe, or undefined. */
function unsafeName(name: string): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (name.includes('\0')) return 'a NUL character';
  if (name.startsWith('/')) return 'an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'a drive letter';
  if (name.includes('\\')) return 'a backslash';
  if (name.split('/').includes('..')) return 'a ".." segment';
  return undefined;
}

function normaliseName(name: string): string {
  return name
    .normalize('NFC')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function describeYauzlError(err: unknown): ArtifactError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/strong encryption/i.test(msg)) {
    return new ArtifactError('encrypted', `the artifact uses strong encryption, which is not read (${msg})`);
  }
  if (/size mismatch/i.test(msg)) {
    return new ArtifactError('size-mismatch', `an entry's header sizes disagree with each other (${msg})`);
  }
  return new ArtifactError('corrupt', `the artifact is not a readable zip archive: it is truncated or damaged (${msg})`);
}

interface Held {
  info: ZipEntryInfo;
  entry: yauzl.Entry;
}

/**
 * Open a zip archive held in memory. Rejects with an `ArtifactError` for
 * whatever refuses the whole archive (see the top of this file).
 */
export async function openZip(buffer: Uint8Array, limits: Partial<ZipLimits> = {}): Promise<ZipArchive> {
  const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
  const buf = toBuffer(buffer);
  let zipfile: yauzl.ZipFile;
  try {
    // decodeStrings: false keeps the raw names, so that yauzl neither rewrites
    // backslashes nor refuses names with a plain Error: they are checked here.
    zipfile = await yauzl.fromBufferPromise(buf, { decodeStrings: false, validateEntrySizes: true, strictFileNames: true });
  } catch (err) {
    throw describeYauzlError(err);
  }
  if (zipfile.entryCount > lim.maxEntries) {
    throw new ArtifactError('too-many-entries', `the artifact has ${zipfile.entryCount} entries, over the limit of ${lim.maxEntries}`);
  }

  const held: Held[] = [];
  const skipped: SkippedEntry[] = [];
  const seen = new Set<string>();
  const spans: { start: number; end: number; name: string }[] = [];
  let declaredTotal = 0;
  try {
    for await (const entry of zipfile.eachEntry()) {
      const raw = entry.fileName as unknown as Buffer;
      const utf8 = (entry.generalPurposeBitFlag & 0x800) !== 0;
      const headerName = decodeRawName(raw, utf8);
      // The Info-ZIP Unicode Path field can carry a second name: both must be safe.
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
      if (raw.length > lim.maxNameBytes || Buffer.byteLength(name) > lim.maxNameBytes) {
        throw new ArtifactError('name-too-long', `entry name ${show(name)} is ${Math.max(raw.length, Buffer.byteLength(name))} bytes long, over the limit of ${lim.maxNameBytes}`, {
          entry: name,
        });
      }
      for (const n of new Set([name, headerName])) {
        const why = unsafeName(n);
        if (why) throw new ArtifactError('unsafe-name', `entry ${show(n)} is refused: its name has ${why}`, { entry: n });
      }
      if ((entry.generalPurposeBitFlag & 0x2000) !== 0) {
        throw new ArtifactError('encrypted', `entry ${show(name)}: the central directory is encrypted`, { entry: name });
      }
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (mode === S_IFLNK) {
        throw new ArtifactError('symlink', `entry ${show(name)} is a symbolic link; artifacts with links are refused`, { entry: name });
      }
      const isDir = name.endsWith('/') || mode === S_IFDIR;
      const norm = normaliseName(name);
      if (isDir || norm === '') continue;
      if (seen.has(norm)) throw new ArtifactError('duplicate', `entry ${show(norm)} appears more than once in the artifact`, { entry: norm });
      seen.add(norm);
      spans.push(localSpan(buf, entry, norm));

      const skip = (reason: ArtifactReason, why: string): void => {
        skipped.push({ name: norm, reason, message: `entry ${show(norm)} is skipped: ${why}` });
      };
      if (entry.isEncrypted()) skip('encrypted', 'it is encrypted');
      else if (mode !== 0 && mode !== S_IFREG) skip('unsupported', `it is not a regular file (mode 0o${mode.toString(8)})`);
      else if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) skip('unsupported', `compression method ${entry.compressionMethod} is not supported`);
      else if (/\.zip$/i.test(norm)) skip('nested-archive', 'nested archives are not read');
      else {
        const size = entry.uncompressedSize;
        if (size > lim.maxEntryBytes) {
          throw new ArtifactError('entry-too-large', `entry ${show(norm)} declares ${describeSize(size)}, over the limit of ${describeSize(lim.maxEntryBytes)} per entry`, {
            entry: norm,
          });
        }
        if (size > lim.maxRatio * entry.compressedSize + lim.ratioGraceBytes) {
          throw new ArtifactError(
            'ratio',
            `entry ${show(norm)} declares ${describeSize(size)} from ${describeSize(entry.compressedSize)} compressed, over the ${lim.maxRatio}:1 compression ratio limit (a zip bomb)`,
            { entry: norm },
          );
        }
        declaredTotal += size;
        if (declaredTotal > lim.maxTotalBytes) {
          throw new ArtifactError('total-too-large', `the artifact declares more than ${describeSize(lim.maxTotalBytes)} uncompressed, over the limit`);
        }
        held.push({ info: { name: norm, size, compressedSize: entry.compressedSize }, entry });
      }
    }
  } catch (err) {
    zipfile.close();
    if (err instanceof ArtifactError) throw err;
    throw describeYauzlError(err);
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur.start < prev.end) {
      throw new ArtifactError('overlapping', `entries ${show(prev.name)} and ${show(cur.name)} overlap in the archive (a zip bomb shares data between entries)`, {
        entry: cur.name,
      });
    }
  }
  return new Archive(zipfile, held, skipped, lim);
}

/** Bytes [local header, end of data) of an entry, after checking its local header. */
function localSpan(buf: Buffer, entry: yauzl.Entry, name: string): { start: number; end: number; name: string } {
  const start = entry.relativeOffsetOfLocalHeader;
  if (start + 30 > buf.length || buf.readUInt32LE(start) !== LOCAL_HEADER_SIGNATURE) {
    throw new ArtifactError('corrupt', `entry ${show(name)}: no local file header at offset ${start}: the artifact is truncated or damaged`, { entry: name });
  }
  const dataStart = start + 30 + buf.readUInt16LE(start + 26) + buf.readUInt16LE(start + 28);
  const end = dataStart + entry.compressedSize;
  if (end > buf.length) {
    throw new ArtifactError('corrupt', `entry ${show(name)}: its data runs past the end of the archive: the artifact is truncated or damaged`, { entry: name });
  }
  return { start, end, name };
}

class Archive implements ZipArchive {
  readonly entries: readonly ZipEntryInfo[];
  readonly skipped: readonly SkippedEntry[];
  private readonly byName: Map<string, Held>;
  private refused: ArtifactError | undefined;
  private produced = 0;

  constructor(
    private readonly zipfile: yauzl.ZipFile,
    held: Held[],
    skipped: SkippedEntry[],
    private readonly limits: ZipLimits,
  ) {
    this.entries = held.map((h) => h.info);
    this.skipped = skipped;
    this.byName = new Map(held.map((h) => [h.info.name, h]));
  }

  get refusal(): ArtifactError | undefined {
    return this.refused;
  }

  open(name: string): ByteSource {
    if (this.refused) throw this.refused;
    const h = this.byName.get(name);
    if (!h) {
      const s = this.skipped.find((e) => e.name === name);
      if (s) throw new ArtifactError(s.reason, s.message, { scope: 'entry', entry: name });
      throw new ArtifactError('not-found', `the artifact has no entry ${show(name)}`, { scope: 'entry', entry: name });
    }
    return this.stream(h);
  }

  /** Refuse the whole archive (first refusal wins) and return the error to throw. */
  private refuse(err: ArtifactError): ArtifactError {
    this.refused ??= err;
    return err;
  }

  private async *stream(h: Held): ByteSource {
    const { info, entry } = h;
    const lim = this.limits;
    const name = info.name;
    const entryError = (reason: ArtifactReason, why: string): ArtifactError =>
      new ArtifactError(reason, `entry ${show(name)}: ${why}`, { scope: 'entry', entry: name });

    let raw: Readable;
    try {
      raw = await this.zipfile.openReadStreamPromise(entry, { decodeFileData: false });
    } catch (err) {
      throw entryError('corrupt', `cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    let consumed = 0;
    const deflated = entry.compressionMethod === 8;
    async function* feed(): AsyncGenerator<Buffer> {
      for await (const chunk of raw as AsyncIterable<Buffer>) {
        for (let i = 0; i < chunk.length; i += FEED_BYTES) {
          const piece = chunk.subarray(i, Math.min(chunk.length, i + FEED_BYTES));
          consumed += piece.length;
          yield piece;
        }
      }
    }
    const input = Readable.from(feed(), { objectMode: false, highWaterMark: FEED_BYTES });
    let output: Readable = input;
    if (deflated) {
      const inflater = createInflateRaw();
      pipeline(input, inflater, () => {
        // Errors reach the consumer through the inflater's iterator.
      });
      output = inflater;
    }

    let produced = 0;
    let crc = 0;
    // The first bytes are held until the nested-archive check can be made.
    let head: Buffer | undefined = Buffer.alloc(0);
    const checkHead = (data: Buffer): void => {
      if (data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && ((data[2] === 3 && data[3] === 4) || (data[2] === 5 && data[3] === 6))) {
        throw entryError('nested-archive', 'it is itself a zip archive: nested archives are not read');
      }
    };
    try {
      for await (const chunk of output as AsyncIterable<Buffer>) {
        if (this.refused) throw this.refused;
        produced += chunk.length;
        this.produced += chunk.length;
        if (produced > lim.maxEntryBytes) {
          throw this.refuse(entryError('entry-too-large', `produced more than ${describeSize(lim.maxEntryBytes)}, over the limit per entry`));
        }
        if (this.produced > lim.maxTotalBytes) {
          throw this.refuse(entryError('total-too-large', `reading it took the artifact past ${describeSize(lim.maxTotalBytes)} uncompressed, over the limit`));
        }
        if (produced > lim.maxRatio * consumed + lim.ratioGraceBytes) {
          throw this.refuse(
            entryError('ratio', `produced ${describeSize(produced)} from ${describeSize(consumed)} compressed, over the ${lim.maxRatio}:1 compression ratio limit (a zip bomb)`),
          );
        }
        if (produced > info.size) {
          throw this.refuse(entryError('size-mismatch', `holds more data than the ${info.size} bytes its header declares`));
        }
        crc = crc32(chunk, crc);
        if (head) {
          head = Buffer.concat([head, chunk]);
          if (head.length < 4) continue;
          checkHead(head);
          const out = head;
          head = undefined;
          yield out;
        } else {
          yield chunk;
        }
      }
    } catch (err) {
      if (err instanceof ArtifactError) throw err;
      throw entryError('corrupt', `its data is damaged (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      input.destroy();
      output.destroy();
      raw.destroy();
    }
    if (head) {
      checkHead(head);
      if (head.length > 0) yield head;
    }
    if (produced < info.size) throw entryError('corrupt', `its data ends after ${produced} of the ${info.size} bytes its header declares`);
    if (crc >>> 0 !== entry.crc32 >>> 0) throw entryError('corrupt', 'its data does not match its CRC-32 checksum');
  }
}
