// Every file a person writes for Wardwatch (agent and correlator config, rules, topology) is
// YAML checked against one JSON Schema. This module turns ajv's findings into messages that
// name the file, line, column and key path and say what was expected, e.g.
//   rules/network.yaml:14:12: rules[2].for: expected a duration like "5m" or a sample count, got "5 minutes"
// and resolves ${env:NAME} / ${file:PATH} references so secrets stay out of the file itself.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { redactUrl } from './log.js';

export interface FileError {
  file: string;
  line: number;
  col: number;
  /** Key path in the document, e.g. "rules[2].for"; empty for the document itself. */
  path: string;
  message: string;
}

export function formatError(e: FileError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.path ? e.path + ': ' : ''}${e.message}`;
}

export type PathPart = string | number;

/** A parsed file that can still say where each value came from. */
export interface SourceFile {
  file: string;
  /** Where a value is; with at: 'key', where its key is (for "unknown key" and the like). */
  locate(path: readonly PathPart[], at?: 'key' | 'value'): { line: number; col: number };
  error(path: readonly PathPart[], message: string, at?: 'key' | 'value'): FileError;
}

export type LoadResult<T> =
  | { ok: true; value: T; source: SourceFile }
  | { ok: false; errors: FileError[] };

export function pathText(path: readonly PathPart[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true });
// "x-expected" is our annotation: the phrase shown after "expected" when a value is wrong.
ajv.addVocabulary(['x-expected']);
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles once per schema object; schemas are module constants, so this is a cache. */
export function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

export interface LoadOptions {
  /** Resolve ${env:NAME} and ${file:PATH} in string values (config files: yes; rules: no). */
  interpolate?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Name shown in messages; defaults to the path as given. */
  displayName?: string;
}

export function loadYamlFile<T>(path: string, schema: object, opts: LoadOptions = {}): LoadResult<T> {
  let text: string;
  const display = opts.displayName ?? path;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    return { ok: false, errors: [{ file: display, line: 1, col: 1, path: '', message: `cannot read: ${why}` }] };
  }
  return parseYaml<T>(text, schema, { ...opts, displayName: display, baseDir: dirname(resolve(path)) });
}

export function parseYaml<T>(
  text: string,
  schema: object,
  opts: LoadOptions & { baseDir?: string } = {},
): LoadResult<T> {
  const file = opts.displayName ?? '<input>';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = sourceFile(file, doc, lines);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  let value: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (opts.interpolate) {
    const problems: FileError[] = [];
    value = interpolate(value, [], opts.env ?? process.env, opts.baseDir ?? '.', source, problems);
    if (problems.length > 0) return { ok: false, errors: problems };
  }
  const validate = validatorFor(schema);
  if (!validate(value)) {
    return { ok: false, errors: explain(validate.errors ?? [], source) };
  }
  return { ok: true, value: value as T, source };
}

function sourceFile(file: string, doc: Document, lines: LineCounter): SourceFile {
  const locate = (path: readonly PathPart[]) => {
    // Walk as deep as the path exists; an error about a missing key points at its parent.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) {
        const pos = lines.linePos(node.range[0]);
        return { line: pos.line, col: pos.col };
      }
    }
    return { line: 1, col: 1 };
  };
  const locateKey = (parent: readonly PathPart[], key: string) => {
    const node = parent.length === 0 ? doc.contents : doc.getIn(parent, true);
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.value === key && pair.key.range) {
          const pos = lines.linePos(pair.key.range[0]);
          return { line: pos.line, col: pos.col };
        }
      }
    }
    return locate(parent);
  };
  return {
    file,
    locate: (path, at = 'value') => {
      const last = path[path.length - 1];
      if (at === 'key' && typeof last === 'string') return locateKey(path.slice(0, -1), last);
      return locate(path);
    },
    error(path, message, at = 'value') {
      const { line, col } = this.locate(path, at);
      return { file, line, col, path: pathText(path), message };
    },
  };
}

function parsePointer(pointer: string): PathPart[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

const SECRET_PATH = /pass(word)?|secret|token|api[_-]?key|credential|private[_-]?key/i;

function got(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(typeof value === 'string' ? redactUrl(value) : value);
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

const TYPE_WORD: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'nothing',
};

/** The option nearest by edit distance, if near enough to be a typo of it. */
export function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = o;
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

function expectedFrom(schema: Record<string, unknown> | undefined): string | undefined {
  if (!schema) return undefined;
  if (typeof schema['x-expected'] === 'string') return schema['x-expected'];
  if (Array.isArray(schema.examples) && schema.examples.length > 0) {
    return `a value like ${schema.examples.map((e) => JSON.stringify(e)).join(' or ')}`;
  }
  return undefined;
}

function describe(e: ErrorObject): { path: PathPart[]; message: string; at?: 'key' | 'value' } {
  const path = parsePointer(e.instancePath);
  const parent = e.parentSchema as Record<string, unknown> | undefined;
  switch (e.keyword) {
    case 'anyOf':
    case 'oneOf':
      return { path, message: `expected ${String(parent?.['x-expected'])}, got ${got(e.data)}` };
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const props = parent && typeof parent.properties === 'object' ? Object.keys(parent.properties as object) : [];
      const hint = closest(key, props);
      const known = props.length > 0 && props.length <= 12 ? ` (known keys: ${props.join(', ')})` : '';
      return { path: [...path, key], message: `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : known}`, at: 'key' };
    }
    case 'required': {
      const keys = String(e.params.missingProperty);
      return { path, message: `missing required key${keys.includes('"') ? 's' : ''} "${keys}"` };
    }
    case 'type': {
      const want = String(e.params.type)
        .split(',')
        .map((t) => TYPE_WORD[t] ?? t)
        .join(' or ');
      return { path, message: `expected ${expectedFrom(parent) ?? want}, got ${got(e.data)}` };
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => String(v)).join(', ');
      return { path, message: `expected one of ${allowed}, got ${got(e.data)}` };
    }
    case 'const':
      return { path, message: `expected ${JSON.stringify(e.params.allowedValue)}, got ${got(e.data)}` };
    case 'pattern':
    case 'format':
      return { path, message: `expected ${expectedFrom(parent) ?? `text matching ${String(e.params.pattern ?? e.params.format)}`}, got ${got(e.data)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `must be ${String(e.params.comparison)} ${String(e.params.limit)}, got ${got(e.data)}` };
    case 'minItems':
      return { path, message: `needs at least ${String(e.params.limit)} item(s)` };
    case 'maxItems':
      return { path, message: `allows at most ${String(e.params.limit)} item(s)` };
    case 'minLength':
      return { path, message: e.params.limit === 1 ? 'must not be empty' : `must be at least ${String(e.params.limit)} characters` };
    case 'maxLength':
      return { path, message: `must be at most ${String(e.params.limit)} characters` };
    case 'minProperties':
      return { path, message: `needs at least ${String(e.params.limit)} key(s)` };
    case 'discriminator': {
      const tag = String(e.params.tag);
      const reason = e.params.error === 'mapping' ? `unknown ${tag} ${got(e.data && (e.data as Record<string, unknown>)[tag])}` : `missing "${tag}"`;
      const options = discriminatorOptions(parent);
      return { path: e.params.error === 'mapping' ? [...path, tag] : path, message: `${reason}${options ? `; expected one of ${options}` : ''}` };
    }
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

function discriminatorOptions(schema: Record<string, unknown> | undefined): string | undefined {
  const disc = schema?.discriminator as { propertyName?: string } | undefined;
  const branches = schema?.oneOf as Array<{ properties?: Record<string, { const?: unknown }> }> | undefined;
  if (!disc?.propertyName || !branches) return undefined;
  const name = disc.propertyName;
  return branches.map((b) => String(b.properties?.[name]?.const)).join(', ');
}

function explain(errors: ErrorObject[], source: SourceFile): FileError[] {
  // With allErrors, a failed anyOf/oneOf reports every branch. Where the schema says what it
  // expects as a whole (x-expected), one message replaces the branch errors under it.
  const summarised: ErrorObject[] = [];
  const covered: string[] = [];
  for (const e of errors) {
    const parent = e.parentSchema as Record<string, unknown> | undefined;
    if ((e.keyword === 'anyOf' || e.keyword === 'oneOf') && typeof parent?.['x-expected'] === 'string') {
      summarised.push(e);
      covered.push(e.instancePath);
    }
  }
  const isCovered = (path: string) => covered.some((c) => path === c || path.startsWith(c + '/'));
  const specific = errors.filter((e) => !isCovered(e.instancePath) && !['if', 'oneOf', 'anyOf', 'allOf', 'not', 'then', 'else'].includes(e.keyword));
  // Several missing keys of one mapping read better as one line.
  const missing = new Map<string, ErrorObject>();
  for (const e of specific) {
    if (e.keyword !== 'required') continue;
    const first = missing.get(e.instancePath);
    if (first) (first.params.missingProperty as string) += `", "${String(e.params.missingProperty)}`;
    else missing.set(e.instancePath, { ...e, params: { ...e.params } });
  }
  const chosen = [...summarised, ...specific.filter((e) => e.keyword !== 'required'), ...missing.values()];
  const seen = new Set<string>();
  const out: FileError[] = [];
  for (const e of chosen.length > 0 ? chosen : errors) {
    const described = describe(e);
    const { path, at } = described;
    // A wrong value under a secret key is still the secret: say what was wrong, not what it was.
    const message = path.some((p) => typeof p === 'string' && SECRET_PATH.test(p)) ? described.message.replace(/, got .*$/s, '') : described.message;
    const err = source.error(path, message, at);
    const key = formatError(err);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(err);
    }
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

const REF = /\$\{(env|file):([^}]+)\}/g;

function interpolate(
  value: unknown,
  path: PathPart[],
  env: NodeJS.ProcessEnv,
  baseDir: string,
  source: SourceFile,
  problems: FileError[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(REF, (_, kind: string, ref: string) => {
      if (kind === 'env') {
        const v = env[ref];
        if (v === undefined) problems.push(source.error(path, `environment variable ${ref} is not set`));
        return v ?? '';
      }
      try {
        return readFileSync(resolve(baseDir, ref), 'utf8').trim();
      } catch (err) {
        problems.push(source.error(path, `cannot read ${ref}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`));
        return '';
      }
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, [...path, i], env, baseDir, source, problems));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, [...path, k], env, baseDir, source, problems);
    return out;
  }
  return value;
}
