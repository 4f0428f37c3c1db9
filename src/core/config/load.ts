/**
 * Loading `.sdlc.yml` safely: YAML 1.2 core schema, duplicate keys rejected,
 * nesting past 64 levels refused while lexing (before the recursive composer
 * sees it), aliases resolved and capped at 100 copies once expanded (an
 * alias bomb, a cycle or an alias without an anchor is refused at the
 * alias), custom tags and merge keys rejected, `__proto__`-style keys
 * rejected, and every problem reported with file, line and column. A broken
 * file is an error: defaults are applied only when the file does not exist.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { ConfigError, errorMessage, type ConfigIssue } from '../errors.js';
import { configSchema, type SdlcConfig } from './schema.js';

const MAX_ALIASES = 100;
const MAX_DEPTH = 64;
const MAX_CONFIG_BYTES = 1024 * 1024;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const ALLOWED_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);

type Pos = { line: number; column: number };

/**
 * Parse and validate a config text. `text === undefined` means the file does
 * not exist: all defaults.
 */
export function loadConfig(text: string | undefined, file = '.sdlc.yml'): SdlcConfig {
  if (text === undefined) return configSchema.parse({});
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined): Pos => {
    if (offset === undefined) return { line: 1, column: 1 };
    const p = lineCounter.linePos(offset);
    return { line: Math.max(1, p.line), column: Math.max(1, p.col) };
  };
  const issue = (path: string, message: string, pos: Pos): ConfigIssue => ({
    path,
    message,
    location: { file, line: pos.line, column: pos.column },
  });

  if (text.length > MAX_CONFIG_BYTES) throw new ConfigError([issue('', `the file is larger than ${MAX_CONFIG_BYTES} bytes`, at(0))]);

  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    const lines = new LineCounter();
    lines.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0 && i < deep; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
    const p = lines.linePos(deep);
    throw new ConfigError([issue('', `nested more than ${MAX_DEPTH} levels deep`, { line: p.line, column: p.col })]);
  }

  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      uniqueKeys: true,
      prettyErrors: false,
      strict: true,
      schema: 'core',
      merge: false,
    });
  } catch (err) {
    throw new ConfigError([issue('', yamlFailure(err), at(0))]);
  }

  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((e) => {
        const lp = e.linePos?.[0];
        return issue('', `YAML ${e.name === 'YAMLWarning' ? 'problem' : 'syntax error'}: ${firstLine(e.message)}`, lp ? { line: lp.line, column: lp.col } : at(e.pos[0]));
      }),
    );
  }

  const safety = checkTree(doc.contents as YamlNode | null, at);
  if (safety.length > 0) throw new ConfigError(safety.map((s) => issue(s.path, s.message, s.pos)));

  let data: unknown;
  try {
    // checkTree has bounded the aliases; yaml's own (coarser) count stays as a backstop.
    data = doc.toJS({ maxAliasCount: MAX_ALIASES * MAX_ALIASES });
  } catch (err) {
    throw new ConfigError([issue('', yamlFailure(err), at(0))]);
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError([issue('', 'expected a mapping of settings at the top level', at(doc.contents?.range?.[0]))]);
  }

  const result = configSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => toIssue(i, doc, at, file)));
}

function yamlFailure(err: unknown): string {
  if (err instanceof RangeError) return 'the YAML is nested too deeply';
  const msg = errorMessage(err);
  if (/excessive alias count/i.test(msg)) return `too many YAML aliases: ${firstLine(msg)}`;
  return `could not read the YAML: ${firstLine(msg)}`;
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return (nl < 0 ? s : s.slice(0, nl)).trim();
}

function drain(tokens: Generator<unknown, void>): void {
  for (let r = tokens.next(); !r.done; r = tokens.next());
}

/**
 * Where the text nests collections more than MAX_DEPTH deep (the offset of
 * the first collection past the limit), found while lexing, before anything
 * is composed. The CST parser keeps open collections on an explicit stack,
 * but composing a document recurses once per level: a few thousand levels
 * (`[[[[...`, `- - - - x`) would exhaust the call stack there.
 */
function tooDeepAt(text: string): number | undefined {
  const parser = new Parser();
  for (const lexeme of new Lexer().lex(text)) {
    drain(parser.next(lexeme));
    if (parser.stack.length <= MAX_DEPTH) continue;
    let open = 0;
    for (const token of parser.stack) {
      if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
        if (++open > MAX_DEPTH) return token.offset;
      }
    }
  }
  return undefined;
}

type Problem = { path: string; message: string; pos: Pos };

/**
 * Walk the YAML tree iteratively, in document order: reject forbidden keys,
 * custom tags, merge keys, aliases in keys and excessive depth, before
 * anything is converted. Aliases are resolved as YAML does (the last anchor of
 * that name before the alias): an alias with no anchor before it, an alias
 * inside the node its anchor names (a cycle), and aliases that would expand
 * to more than MAX_ALIASES copies in all (an alias bomb: each alias counts
 * once plus the aliases inside what it copies) are rejected at the alias.
 */
function checkTree(root: YamlNode | null, at: (o: number | undefined) => Pos): Problem[] {
  const out: Problem[] = [];
  if (!root) return out;
  /** Anchor name -> the last node carrying it, so far in document order. */
  const anchors = new Map<string, YamlNode>();
  /** Copies that expanding a finished node's aliases makes. */
  const expansion = new Map<YamlNode, number>();
  /** Collections whose children are being walked. */
  const open = new Set<YamlNode>();
  /** Per open collection, the copies its aliases make so far. */
  const sums: number[] = [];
  let copies = 0;
  let aliasProblem = false;
  type Frame = { node: YamlNode; path: string[]; depth: number; exit?: true };
  const stack: Frame[] = [{ node: root, path: [], depth: 1 }];
  while (stack.length > 0 && out.length < 20) {
    const frame = stack.pop()!;
    const { node, path, depth } = frame;
    if (frame.exit) {
      open.delete(node);
      const own = sums.pop()!;
      expansion.set(node, own);
      if (sums.length > 0) sums[sums.length - 1]! += own;
      continue;
    }
    const p = path.join('.');
    if (depth > MAX_DEPTH) {
      out.push({ path: p, message: `nested more than ${MAX_DEPTH} levels deep`, pos: at(node.range?.[0]) });
      continue;
    }
    if (isAlias(node)) {
      if (aliasProblem) continue;
      const target = anchors.get(node.source);
      let problem: string | undefined;
      if (!target) problem = `the alias *${node.source} refers to no anchor before it`;
      else if (open.has(target)) problem = `the alias *${node.source} is inside the node its anchor names (a circular reference)`;
      else {
        const n = 1 + (expansion.get(target) ?? 0);
        copies += n;
        if (sums.length > 0) sums[sums.length - 1]! += n;
        if (copies > MAX_ALIASES) problem = `too many YAML aliases: expanded, they would make more than ${MAX_ALIASES} copies`;
      }
      if (problem) {
        aliasProblem = true;
        out.push({ path: p, message: problem, pos: at(node.range?.[0]) });
      }
      continue;
    }
    if (node.tag && !ALLOWED_TAGS.has(node.tag)) {
      out.push({ path: p, message: `the tag ${node.tag} is not allowed`, pos: at(node.range?.[0]) });
      continue;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    const children: Frame[] = [];
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        if (!isScalar(keyNode)) {
          out.push({ path: p, message: 'keys must be plain strings', pos: at(keyNode?.range?.[0] ?? node.range?.[0]) });
          continue;
        }
        const key = String(keyNode.value);
        if (key === '<<') {
          out.push({ path: p, message: 'merge keys (<<) are not supported', pos: at(keyNode.range?.[0]) });
          continue;
        }
        if (FORBIDDEN_KEYS.has(key)) {
          out.push({ path: [...path, key].join('.'), message: `the key "${key}" is not allowed`, pos: at(keyNode.range?.[0]) });
          continue;
        }
        if (keyNode.anchor) anchors.set(keyNode.anchor, keyNode);
        if (pair.value) children.push({ node: pair.value as YamlNode, path: [...path, key], depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item) children.push({ node: item as YamlNode, path: [...path, String(i)], depth: depth + 1 });
      });
    } else {
      expansion.set(node, 0);
      continue;
    }
    open.add(node);
    sums.push(0);
    stack.push({ node, path, depth, exit: true });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return out;
}

function nodeAt(doc: Document.Parsed, path: PropertyKey[]): YamlNode | undefined {
  // The closest existing node along the path.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (node && typeof node === 'object' && 'range' in (node as object)) return node as YamlNode;
  }
  return undefined;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

function typeName(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  return typeof v;
}

function toIssue(i: z.core.$ZodIssue, doc: Document.Parsed, at: (o: number | undefined) => Pos, file: string): ConfigIssue {
  if (i.code === 'invalid_union') {
    // A glob list of 201 entries fails both "a glob" (not a string) and "a list of globs" (too long): name the second problem.
    const fitting = i.errors.filter((branch) => !branch.every((e) => e.code === 'invalid_type' && e.path.length === 0));
    const inner = fitting.length === 1 ? fitting[0]![0] : undefined;
    if (inner) return toIssue({ ...inner, path: [...i.path, ...inner.path] } as z.core.$ZodIssue, doc, at, file);
  }
  const path = i.path.map(String);
  const input = (i as { input?: unknown }).input;
  let message: string;
  let node = nodeAt(doc, i.path);
  switch (i.code) {
    case 'invalid_type':
      message = input === undefined ? `missing required setting (expected ${i.expected})` : `expected ${i.expected}, got ${typeName(input)} ${describeValue(input)}`;
      if (input !== undefined && typeName(input) !== 'string') message = `expected ${i.expected}, got ${describeValue(input)}`;
      break;
    case 'too_big':
      message = `expected ${i.origin} ${i.inclusive === false ? '<' : '<='} ${String(i.maximum)}, got ${describeValue(input)}`;
      if (i.origin === 'string' || i.origin === 'array') message = i.message;
      break;
    case 'too_small':
      message = `expected ${i.origin} ${i.inclusive === false ? '>' : '>='} ${String(i.minimum)}, got ${describeValue(input)}`;
      if (i.origin === 'string' || i.origin === 'array') message = i.message;
      break;
    case 'invalid_value':
      message = `expected one of ${i.values.map((v) => String(v)).join(', ')}, got ${describeValue(input)}`;
      break;
    case 'unrecognized_keys': {
      const key = i.keys[0]!;
      const parent = doc.getIn(i.path as (string | number)[], true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
        if (pair && isScalar(pair.key)) node = pair.key;
      }
      const known = knownKeys(i.path);
      const hint = suggest(key, known);
      message = `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (known keys: ${known.join(', ')})` : ''}`;
      path.push(key);
      break;
    }
    case 'invalid_union':
      message = `expected ${unionExpectation(i.path)}, got ${describeValue(input)}`;
      break;
    default:
      message = i.message;
  }
  const pos = at(node?.range?.[0]);
  return { path: path.join('.'), message, location: { file, line: pos.line, column: pos.column } };
}

function unionExpectation(path: PropertyKey[]): string {
  const last = path[path.length - 2];
  if (path[0] === 'reports' && typeof path[path.length - 1] === 'number') return 'a glob or { path, format }';
  if (last === 'paths' || path.includes('scopes')) return 'a glob or a list of globs';
  return 'a glob or a list of globs';
}

/** Keys allowed by the strict object at `path` in the config schema. */
function knownKeys(path: PropertyKey[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const seg of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) {
      const next = (schema.shape as Record<string, z.ZodType>)[String(seg)];
      if (!next) return [];
      schema = next;
    } else if (schema instanceof z.ZodArray) {
      schema = schema.element as z.ZodType;
    } else if (schema instanceof z.ZodUnion) {
      const obj = (schema.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject || o instanceof z.ZodArray);
      if (!obj) return [];
      schema = obj;
    } else {
      return [];
    }
  }
  schema = unwrap(schema);
  if (schema instanceof z.ZodUnion) schema = (schema.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject) ?? schema;
  return schema instanceof z.ZodObject ? Object.keys(schema.shape as object) : [];
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  for (;;) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap() as z.ZodType;
    else return cur;
  }
}

function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    if (key.toLowerCase().startsWith(k.toLowerCase()) || k.toLowerCase().startsWith(key.toLowerCase())) return k;
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
