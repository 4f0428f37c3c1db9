import { describe, expect, it } from '@jest/globals';
import { bytesOf, utf8Blocks, type ByteSource } from '../../src/core/stream.js';

async function blocks(source: ByteSource, opts: Parameters<typeof utf8Blocks>[1] = {}): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const b of utf8Blocks(source, opts)) out.push(b);
  return out;
}

const text = (bs: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(bs));

describe('utf8Blocks', () => {
  it('passes UTF-8 through as plain Uint8Array views, gathered into blocks of at least minBlock bytes', async () => {
    const data = 'a\u00e9\u{1F600}'.repeat(1000); // 7,000 bytes
    const bs = await blocks(bytesOf(data, 100), { minBlock: 1000 });
    expect(bs.map((b) => b.length)).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    for (const b of bs) expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype);
    expect(text(bs)).toBe(data);
    // minBlock 0: the chunks as read, none gathered.
    expect((await blocks(bytesOf(data, 100), { minBlock: 0 })).map((b) => b.length)).toEqual(Array(70).fill(100));
  });

  it('drops a UTF-8 BOM split over one-byte chunks, and reads inputs shorter than a BOM', async () => {
    expect(text(await blocks(bytesOf(Buffer.from('\ufeffSF:x\n'), 1)))).toBe('SF:x\n');
    expect(text(await blocks(bytesOf('ab', 1)))).toBe('ab');
    expect(await blocks(bytesOf(''))).toEqual([]);
  });

  it('transcodes UTF-16 (by BOM) and a declared single-byte encoding to UTF-8, across odd chunk boundaries', async () => {
    const s = 'x\u00e9\u20ac\u{1F600}y'.repeat(50);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect(text(await blocks(bytesOf(le, 3), { minBlock: 7 }))).toBe(s);
    expect(text(await blocks(bytesOf(be, 5)))).toBe(s);
    expect(text(await blocks(bytesOf(Buffer.from([0x41, 0xa4, 0xe9]), 1), { fallbackEncoding: 'iso-8859-15' }))).toBe('A\u20ac\u00e9');
    // A BOM wins over the fallback.
    expect(text(await blocks(bytesOf(Buffer.from('\ufeff\u00e9'), 1), { fallbackEncoding: 'iso-8859-15' }))).toBe('\u00e9');
  });

  it('tells onBytes the size of every chunk read', async () => {
    const sizes: number[] = [];
    await blocks(bytesOf('x'.repeat(250), 100), { onBytes: (n) => sizes.push(n) });
    expect(sizes).toEqual([100, 100, 50]);
  });
});
