/**
 * Byte-stream helpers shared by the parsers. The core never touches the file
 * system: adapters hand it `ByteSource`s (file streams, zip entries, buffers).
 */

/** `a` followed by `b`, in a new array (the first bytes held back until a BOM can be recognised). */
function joinBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

export type ByteSource = AsyncIterable<Uint8Array>;

/** A byte source over an in-memory buffer or string (tests, small inputs). */
export async function* bytesOf(data: Uint8Array | string, chunkSize = 64 * 1024): ByteSource {
  const buf = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  for (let i = 0; i < buf.length; i += chunkSize) yield buf.subarray(i, Math.min(buf.length, i + chunkSize));
  if (buf.length === 0) return;
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Encoding from a byte-order mark, and the BOM's length. */
export function detectBom(head: Uint8Array): { encoding: TextEncoding; bomLength: number } {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  return { encoding: 'utf-8', bomLength: 0 };
}

/**
 * Decode a byte source to text chunks, honouring a UTF-8/UTF-16 BOM (which is
 * dropped). Multi-byte sequences split across chunks are handled by the
 * streaming decoder. `onBytes` is told the size of every chunk read.
 */
export async function* textChunks(
  source: ByteSource,
  opts: { onBytes?: (n: number) => void; fallbackEncoding?: string } = {},
): AsyncGenerator<string> {
  let decoder: { decode(input?: Uint8Array, options?: { stream?: boolean }): string } | undefined;
  // Hold back the first bytes until a BOM (up to 3 bytes) can be recognised.
  let pending: Uint8Array | undefined;
  const start = (data: Uint8Array): Uint8Array => {
    const { encoding, bomLength } = detectBom(data);
    const enc = bomLength > 0 ? encoding : (opts.fallbackEncoding ?? 'utf-8');
    decoder = new TextDecoder(enc, { ignoreBOM: true });
    return data.subarray(bomLength);
  };
  for await (const chunk of source) {
    opts.onBytes?.(chunk.length);
    let data = chunk;
    if (!decoder) {
      if (pending) data = joinBytes(pending, chunk);
      if (data.length < 3) {
        pending = data;
        continue;
      }
      pending = undefined;
      data = start(data);
    }
    const text = decoder!.decode(data, { stream: true });
    if (text) yield text;
  }
  if (!decoder && pending) {
    const text = start(pending);
    const out = decoder!.decode(text, { stream: true });
    if (out) yield out;
  }
  if (decoder) {
    const rest = decoder.decode();
    if (rest) yield rest;
  }
}

/** Canonical name of an encoding label, or undefined when TextDecoder does not know it. */
export function encodingName(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/**
 * A byte source as UTF-8 in blocks of at least `minBlock` bytes (except the
 * last), for parsers that scan bytes rather than decoded text. The BOM is
 * dropped. UTF-8 input (no BOM and no `fallbackEncoding`, or a UTF-8 one) is
 * passed through as read, so invalid sequences reach the parser as they are:
 * it must decode the strings it keeps with a non-fatal TextDecoder, which
 * gives U+FFFD as `textChunks` would. Any other encoding (a UTF-16 BOM, or a
 * `fallbackEncoding` such as ISO-8859-15) is decoded and re-encoded as UTF-8.
 * Small chunks are gathered into one block, so the per-block costs of a
 * parser are paid per megabyte rather than per 64 KiB read.
 */
export async function* utf8Blocks(
  source: ByteSource,
  opts: { onBytes?: (n: number) => void; fallbackEncoding?: string; minBlock?: number } = {},
): AsyncGenerator<Uint8Array> {
  const minBlock = opts.minBlock ?? 1024 * 1024;
  let transcode: { decoder: InstanceType<typeof TextDecoder>; encoder: InstanceType<typeof TextEncoder> } | undefined;
  let started = false;
  let head: Uint8Array | undefined;
  let parts: Uint8Array[] = [];
  let size = 0;

  const take = (): Uint8Array => {
    const out = parts.length === 1 ? parts[0]! : concat(parts, size);
    parts = [];
    size = 0;
    return out;
  };
  const start = (data: Uint8Array): Uint8Array => {
    started = true;
    const { encoding, bomLength } = detectBom(data);
    const enc = bomLength > 0 ? encoding : (encodingName(opts.fallbackEncoding ?? 'utf-8') ?? 'utf-8');
    if (enc !== 'utf-8') transcode = { decoder: new TextDecoder(enc, { ignoreBOM: true }), encoder: new TextEncoder() };
    return data.subarray(bomLength);
  };
  const convert = (data: Uint8Array, last: boolean): Uint8Array =>
    transcode ? transcode.encoder.encode(transcode.decoder.decode(data, { stream: !last })) : data;

  for await (const chunk of source) {
    opts.onBytes?.(chunk.length);
    // A plain view (not a Buffer subclass): parsers then see one array type.
    let data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!started) {
      if (head) data = joinBytes(head, chunk);
      // Hold back the first bytes until a BOM (up to 3 bytes) can be recognised.
      if (data.length < 3) {
        head = data;
        continue;
      }
      head = undefined;
      data = start(data);
    }
    const bytes = convert(data, false);
    if (bytes.length === 0) continue;
    if (size === 0 && bytes.length >= minBlock) {
      yield bytes;
      continue;
    }
    parts.push(bytes);
    size += bytes.length;
    if (size >= minBlock) yield take();
  }
  if (!started && head) {
    const bytes = convert(start(head), false);
    if (bytes.length > 0) {
      parts.push(bytes);
      size += bytes.length;
    }
  }
  if (transcode) {
    const rest = convert(new Uint8Array(0), true);
    if (rest.length > 0) {
      parts.push(rest);
      size += rest.length;
    }
  }
  if (size > 0) yield take();
}

/**
 * Split a text stream into lines (without terminators; `\r\n` and `\n`).
 * Yields `[line, lineNumber]`. A line longer than `maxLineLength` raises.
 */
export async function* textLines(
  chunks: AsyncIterable<string>,
  maxLineLength = 64 * 1024 * 1024,
): AsyncGenerator<[string, number]> {
  let carry = '';
  let lineNo = 0;
  for await (const chunk of chunks) {
    let start = 0;
    let text = chunk;
    if (carry) text = carry + chunk;
    let nl = text.indexOf('\n', start);
    while (nl !== -1) {
      let end = nl;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      lineNo++;
      yield [text.slice(start, end), lineNo];
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    carry = text.slice(start);
    if (carry.length > maxLineLength) throw new RangeError(`line ${lineNo + 1} is longer than ${maxLineLength} characters`);
  }
  if (carry) {
    lineNo++;
    yield [carry.endsWith('\r') ? carry.slice(0, -1) : carry, lineNo];
  }
}

/**
 * Collect a text stream into one string, refusing inputs over `maxChars`.
 * Only for formats whose parser has not been made streaming.
 */
export async function collectText(chunks: AsyncIterable<string>, maxChars: number): Promise<string> {
  const parts: string[] = [];
  let size = 0;
  for await (const c of chunks) {
    size += c.length;
    if (size > maxChars) throw new RangeError(`larger than ${maxChars} characters`);
    parts.push(c);
  }
  return parts.join('');
}

/**
 * Read the first `n` bytes of a source without losing them: returns the head
 * and a source that replays the head then continues with the rest.
 */
export async function peek(source: ByteSource, n: number): Promise<{ head: Uint8Array; source: ByteSource }> {
  const it = source[Symbol.asyncIterator]();
  const buffered: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    buffered.push(r.value);
    size += r.value.length;
  }
  const head = concat(buffered, Math.min(size, n));
  async function* replay(): ByteSource {
    for (const b of buffered) yield b;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, source: replay() };
}

function concat(parts: Uint8Array[], limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let off = 0;
  for (const p of parts) {
    if (off >= limit) break;
    const take = Math.min(p.length, limit - off);
    out.set(p.subarray(0, take), off);
    off += take;
  }
  return out;
}

/** Decode a head buffer for sniffing (BOM-aware, lossy at the cut). */
export function decodeHead(head: Uint8Array): string {
  const { encoding, bomLength } = detectBom(head);
  return new TextDecoder(encoding, { fatal: false, ignoreBOM: true }).decode(head.subarray(bomLength));
}
