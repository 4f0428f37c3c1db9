#!/usr/bin/env node
/**
 * Throughput and memory of selectJson (src/core/json.ts) against JSON.parse.
 *
 *   npm run build && node bench/json-scan.mjs [--size MB] [--docs sarif,coverage] [--chunk KiB] [--hold MB] [--no-parse]
 *
 * It generates a synthetic SARIF-like log and an Istanbul coverage-final-like
 * document of about --size MB, as text chunks decoded from UTF-8 blocks the
 * way a report file is read, and measures each case in a fresh child process
 * (so that the peak RSS belongs to that case alone):
 *
 * - generate:   producing the chunks only (the cost included in streamed runs);
 * - validate:   selectJson with no patterns (scan and validate, build nothing);
 * - sparse:     selectJson picking one small field per result / per file;
 * - most:       selectJson materialising every result / every file entry;
 * - JSON.parse: of the joined text (only when it fits in one string).
 *
 * Up to --hold MB (default 400) the chunks are generated before the clock
 * starts and kept in memory, so MB/s measures the reader alone and the RSS
 * includes the held chunks ("RSS before" column); above it the document is
 * generated while it is read and never held, so MB/s includes generation
 * (compare with the "generate" row) and the peak RSS is what streaming needs.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
function arg(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
}

// ---------- deterministic document generators ----------

function rng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const WORDS = ['value', 'user', 'input', 'flows', 'to', 'a', 'sink', 'without', 'sanitising', 'the', 'path', 'query', 'buffer', 'index'];
/** Now and then a message has non-ASCII text, as real logs do. */
const EXTRA = ['don\u2019t', 'r\u00e9sum\u00e9', '\u2192', '\u65e5\u672c', '\ud83d\ude00'];

function sentence(r, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]);
  return out.join(' ');
}

/** Yields pieces of a SARIF-like log; `target` is its approximate size in characters. */
function* sarifPieces(target) {
  const r = rng(7);
  yield '{\n  "version": "2.1.0",\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "runs": [\n    {\n      "tool": {"driver": {"name": "bench", "rules": [';
  for (let i = 0; i < 50; i++) yield `${i ? ',' : ''}{"id": "R${i}", "shortDescription": {"text": "${sentence(r, 6)}"}, "properties": {"tags": ["security", "correctness"]}}`;
  yield ']}},\n      "results": [\n';
  let size = 400;
  for (let i = 0; size < target; i++) {
    const line = 1 + Math.floor(r() * 5000);
    const extra = i % 40 === 0 ? ` ${EXTRA[(i / 40) % 5]}` : '';
    const piece =
      `${i ? ',\n' : ''}        {"ruleId": "R${i % 50}", "ruleIndex": ${i % 50}, "level": "${r() < 0.3 ? 'error' : 'warning'}", ` +
      `"message": {"text": "${sentence(r, 12)}${extra} \\"quoted\\" in C:\\\\src\\\\mod${i % 97}.ts\\n"}, ` +
      `"locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/dir${i % 31}/file${i % 997}.ts", "uriBaseId": "%SRCROOT%"}, ` +
      `"region": {"startLine": ${line}, "startColumn": ${1 + (i % 80)}, "endLine": ${line + (i % 3)}, "endColumn": ${10 + (i % 50)}}}}], ` +
      `"partialFingerprints": {"primaryLocationLineHash": "${(r() * 1e16).toString(16)}:1"}, "properties": {"score": ${(r() * 10).toFixed(3)}, "precision": "high"}}`;
    size += piece.length;
    yield piece;
  }
  yield '\n      ]\n    }\n  ]\n}\n';
}

/** Yields pieces of an Istanbul coverage-final-like document. */
function* coveragePieces(target) {
  const r = rng(11);
  yield '{';
  let size = 2;
  for (let f = 0; size < target; f++) {
    const path = `/home/runner/work/app/src/module${f % 50}/file${f}.ts`;
    const ns = 40 + Math.floor(r() * 40);
    const parts = [`${f ? ',' : ''}"${path}":{"path":"${path}","statementMap":{`];
    for (let s = 0; s < ns; s++) parts.push(`${s ? ',' : ''}"${s}":{"start":{"line":${s + 1},"column":${s % 7}},"end":{"line":${s + 1},"column":${20 + (s % 30)}}}`);
    parts.push('},"fnMap":{');
    for (let k = 0; k < 8; k++) {
      parts.push(
        `${k ? ',' : ''}"${k}":{"name":"fn${k}","decl":{"start":{"line":${k * 5 + 1},"column":9},"end":{"line":${k * 5 + 1},"column":14}},` +
          `"loc":{"start":{"line":${k * 5 + 1},"column":0},"end":{"line":${k * 5 + 4},"column":1}},"line":${k * 5 + 1}}`,
      );
    }
    parts.push('},"branchMap":{');
    for (let k = 0; k < 6; k++) {
      parts.push(
        `${k ? ',' : ''}"${k}":{"loc":{"start":{"line":${k + 2},"column":4},"end":{"line":${k + 2},"column":30}},"type":"if",` +
          `"locations":[{"start":{"line":${k + 2},"column":4},"end":{"line":${k + 2},"column":30}},{"start":{},"end":{}}],"line":${k + 2}}`,
      );
    }
    parts.push('},"s":{');
    for (let s = 0; s < ns; s++) parts.push(`${s ? ',' : ''}"${s}":${Math.floor(r() * 4) * Math.floor(r() * 50)}`);
    parts.push('},"f":{');
    for (let k = 0; k < 8; k++) parts.push(`${k ? ',' : ''}"${k}":${Math.floor(r() * 3)}`);
    parts.push('},"b":{');
    for (let k = 0; k < 6; k++) parts.push(`${k ? ',' : ''}"${k}":[${Math.floor(r() * 5)},${Math.floor(r() * 2)}]`);
    parts.push('}}');
    const piece = parts.join('');
    size += piece.length;
    yield piece;
  }
  yield '}\n';
}

/**
 * Re-cut a stream of pieces into text chunks the way a report is read: UTF-8
 * bytes in `chunkBytes` blocks through a streaming TextDecoder.
 */
function* chunked(pieces, chunkBytes) {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let buf = [];
  let len = 0;
  let tail = new Uint8Array(0);
  function* flush(final) {
    const text = encoder.encode(buf.join(''));
    buf = [];
    len = 0;
    const bytes = new Uint8Array(tail.length + text.length);
    bytes.set(tail);
    bytes.set(text, tail.length);
    let i = 0;
    for (; i + chunkBytes <= bytes.length; i += chunkBytes) yield decoder.decode(bytes.subarray(i, i + chunkBytes), { stream: true });
    tail = bytes.slice(i);
    if (final) {
      const rest = decoder.decode(tail);
      if (rest) yield rest;
    }
  }
  for (const p of pieces) {
    buf.push(p);
    len += p.length;
    if (len >= 4 * chunkBytes) yield* flush(false);
  }
  yield* flush(true);
}

const DOCS = {
  sarif: {
    pieces: sarifPieces,
    sparse: [['version'], ['runs', '*', 'results', '*', 'ruleId']],
    most: [['runs', '*', 'results', '*']],
    /** What "most" delivers, read from JSON.parse's result. */
    fromParsed: (doc) => doc.runs.reduce((n, run) => n + run.results.length, 0),
  },
  coverage: {
    pieces: coveragePieces,
    sparse: [['*', 's']],
    most: [['*']],
    fromParsed: (doc) => Object.keys(doc).length,
  },
};

// ---------- one measurement (child process) ----------

async function child(spec) {
  const { selectJson } = await import('../build/core/json.js');
  const doc = DOCS[spec.doc];
  const target = spec.sizeMB * 1e6;
  const hold = spec.sizeMB <= spec.holdMB;
  let held;
  let chars = 0;
  if (hold) {
    held = [...chunked(doc.pieces(target), spec.chunkBytes)];
    for (const c of held) chars += c.length;
  }
  const source = () => (hold ? held : chunked(doc.pieces(target), spec.chunkBytes));
  const rssBefore = process.memoryUsage().rss;
  let matches = 0;
  const t0 = process.hrtime.bigint();
  if (spec.method === 'generate') {
    let n = 0;
    for (const c of source()) n += c.length;
    if (!hold) chars = n;
  } else if (spec.method === 'JSON.parse') {
    const text = held.join('');
    const t1 = process.hrtime.bigint();
    matches = doc.fromParsed(JSON.parse(text));
    const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
    return report(spec, chars, seconds, matches, rssBefore, hold);
  } else {
    const patterns = spec.method === 'validate' ? [] : doc[spec.method];
    async function* text() {
      for (const c of source()) {
        if (!hold) chars += c.length;
        yield c;
      }
    }
    for await (const m of selectJson(text(), patterns, { file: 'bench.json', maxDepth: 512 })) {
      if (m.value !== undefined) matches++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return report(spec, chars, seconds, matches, rssBefore, hold);
}

function report(spec, chars, seconds, matches, rssBefore, hold) {
  const peak = process.resourceUsage().maxRSS * 1024;
  return { ...spec, chars, seconds, matches, peakRSS: peak, heldRSS: hold ? rssBefore : 0 };
}

function runChild(spec) {
  return new Promise((resolve, reject) => {
    const cp = fork(here, ['--child', JSON.stringify(spec)], { execArgv: ['--max-old-space-size=8192'] });
    cp.on('message', resolve);
    cp.on('error', reject);
    cp.on('exit', (code) => code && reject(new Error(`${spec.doc}/${spec.method} exited with ${code}`)));
  });
}

const mb = (n) => (n / 1e6).toFixed(1);

async function main() {
  const sizeMB = Number(arg('size', '100'));
  const holdMB = Number(arg('hold', '400'));
  const chunkBytes = Number(arg('chunk', '64')) * 1024;
  const docs = arg('docs', 'sarif,coverage').split(',');
  const methods = arg('methods', 'generate,validate,sparse,most,JSON.parse').split(',');
  // JSON.parse needs the whole text in one string; V8 caps strings at about 536 M characters.
  const parseFits = sizeMB <= Math.min(holdMB, 500) && !args.includes('--no-parse');
  const rows = [];
  for (const doc of docs) {
    for (const method of methods) {
      if (method === 'JSON.parse' && !parseFits) continue;
      rows.push(await runChild({ doc, method, sizeMB, holdMB, chunkBytes }));
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const mode = sizeMB <= holdMB ? 'chunks held in memory, reader time only' : 'generated while read and never held, MB/s includes generation';
  console.log(`node ${process.version}, ${chunkBytes / 1024} KiB chunks, ${sizeMB} MB target, ${mode}`);
  const head = ['doc', 'method', 'MB', 'matches', 'seconds', 'MB/s', 'x JSON.parse', 'peak RSS MB', 'RSS before MB'];
  const parseSpeed = {};
  for (const r of rows) if (r.method === 'JSON.parse') parseSpeed[r.doc] = r.chars / r.seconds;
  const table = rows.map((r) => {
    const speed = r.chars / r.seconds;
    const ratio = parseSpeed[r.doc] && r.method !== 'generate' ? (speed / parseSpeed[r.doc]).toFixed(2) : '-';
    return [r.doc, r.method, mb(r.chars), String(r.matches), r.seconds.toFixed(2), (speed / 1e6).toFixed(0), ratio, mb(r.peakRSS), r.heldRSS ? mb(r.heldRSS) : '-'];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of table) console.log(line(row));
}

if (args[0] === '--child') {
  child(JSON.parse(args[1])).then(
    (r) => process.send(r, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
