// Rule files on disk → a RuleSet: the directory walked in a fixed order, each file read and
// checked against the schema, then every rule checked and compiled by rules/compile.ts, with
// every error at its file:line. Kept out of rules/ so the rule language stays free of I/O.

import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadYamlFile, type FileError, type SourceFile } from '../../common/yaml-file.js';
import { measurement } from '../../protocol/metrics.js';
import { BUILTIN_PLACEHOLDERS, buildRuleSet, checkRule, compileRule, PLACEHOLDER, type Err } from '../rules/compile.js';
import { ruleFileSchema, type RuleFile, type RuleSpec } from '../rules/schema.js';
import { DEFAULT_RETENTION_MS, type Rule, type RuleSet } from '../rules/types.js';
import { selectorProblems } from '../topology/selector.js';
import { runbookProblem } from './runbook-refs.js';

export const RULE_FILE_SUFFIX = '.rules.yaml';
/** Rule file names: `*.rules.yaml`, or `*.rules.yml` as some editors and tools prefer. */
const RULE_FILE = /\.rules\.ya?ml$/;
const YAML_FILE = /\.ya?ml$/;

export type RuleSetResult = ({ ok: true; ruleSet: RuleSet; files: string[] } | { ok: false; errors: FileError[]; files: string[] }) & {
  /** YAML files of the directory that are not rule files by name, and why they were left out. */
  ignored?: Array<{ file: string; why: string }>;
};

/** Rule files of a directory (and its subdirectories), sorted so load order never changes; or the one file named. */
export function scanRuleFiles(path: string): { files: string[]; ignored: Array<{ file: string; why: string }> } {
  const files: string[] = [];
  const ignored: Array<{ file: string; why: string }> = [];
  if (!statSync(path).isDirectory()) return { files: [path], ignored };
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (RULE_FILE.test(name)) files.push(p);
      // Rule tests, drills and topologies live beside rules under names of their own.
      else if (YAML_FILE.test(name) && !/\.(test|topology)\.ya?ml$/.test(name) && !d.split(/[\\/]/).some((part) => part === 'drills' || part === 'tests' || part === 'examples')) {
        ignored.push({ file: p, why: `not a rule file by name (rule files end in ${RULE_FILE_SUFFIX} or .rules.yml)` });
      }
    }
  };
  walk(path);
  return { files, ignored };
}

/** Rule files of a directory (and its subdirectories), sorted so load order never changes. */
export function ruleFiles(dir: string): string[] {
  return scanRuleFiles(dir).files;
}

export interface LoadRuleOptions {
  displayBase?: string;
  retentionMs?: number;
  /** Check that every runbook a rule names is a file in this directory (`rules check`; the running correlator attaches what it finds). */
  runbooksIn?: string;
}

export function loadRuleFiles(paths: string[], opts: LoadRuleOptions | string = {}): RuleSetResult {
  const { displayBase = process.cwd(), retentionMs = DEFAULT_RETENTION_MS, runbooksIn } = typeof opts === 'string' ? { displayBase: opts } : opts;
  const errors: FileError[] = [];
  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  const composites: Array<{ spec: RuleSpec; source: SourceFile; base: (string | number)[] }> = [];
  for (const path of paths) {
    const display = relative(displayBase, path) || path;
    const loaded = loadYamlFile<RuleFile>(path, ruleFileSchema, { displayName: display });
    if (!loaded.ok) {
      errors.push(...loaded.errors);
      continue;
    }
    const source = loaded.source;
    loaded.value.rules.forEach((spec, i) => {
      const errorsBefore = errors.length;
      const base: (string | number)[] = ['rules', i];
      const err: Err = (p, message) => errors.push(source.error(p, message));
      const where = `${display}:${source.locate([...base, 'id']).line}`;
      const first = seen.get(spec.id);
      if (first) err([...base, 'id'], `duplicate rule id "${spec.id}"; first defined at ${first}`);
      else seen.set(spec.id, where);
      checkRule(spec, base, err, retentionMs);
      const runbook = runbooksIn !== undefined && spec.runbook !== undefined ? runbookProblem(runbooksIn, spec.runbook) : undefined;
      if (runbook) err([...base, 'runbook'], runbook);
      for (const p of selectorProblems(spec.where)) err([...base, 'where', p.key], p.message);
      if (spec.kind === 'aggregate') for (const p of selectorProblems(spec.group)) err([...base, 'group', p.key], p.message);
      const measurementTags = 'metric' in spec ? measurement([spec.metric].flat()[0]?.split('.')[0] ?? '')?.tags ?? [] : [];
      for (const [, name] of spec.title.matchAll(PLACEHOLDER)) {
        const known = BUILTIN_PLACEHOLDERS.has(name as string) || measurementTags.includes(name as string) || Object.keys(spec.where ?? {}).includes(name as string);
        if (!known) err([...base, 'title'], `unknown placeholder {${name}}; use {node}, {value}, {metric}, {threshold} or a label such as {mount}`);
      }
      if (spec.kind === 'composite') composites.push({ spec, source, base });
      if (errors.length === errorsBefore) rules.push(compileRule(spec, where));
    });
  }
  // Composites may name rules of any file, so they are checked once every file is read.
  for (const { spec, source, base } of composites) {
    if (spec.kind !== 'composite') continue;
    const key = spec.all ? 'all' : 'sequence';
    (spec.all ?? spec.sequence ?? []).forEach((id, j) => {
      if (!seen.has(id)) errors.push(source.error([...base, key, j], `no rule with id "${id}"`));
      else if (id === spec.id) errors.push(source.error([...base, key, j], 'a composite cannot contain itself'));
    });
  }
  if (errors.length > 0) {
    const order = new Map(paths.map((p, i) => [relative(displayBase, p) || p, i]));
    errors.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.col - b.col);
    return { ok: false, errors, files: paths };
  }
  return { ok: true, ruleSet: buildRuleSet(rules), files: paths };
}

export function loadRules(dir: string, opts: LoadRuleOptions | string = {}): RuleSetResult {
  const displayBase = typeof opts === 'string' ? opts : opts.displayBase ?? process.cwd();
  let scanned: ReturnType<typeof scanRuleFiles>;
  try {
    scanned = scanRuleFiles(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, files: [], errors: [{ file: relative(displayBase, dir) || dir, line: 1, col: 1, path: '', message: code === 'ENOENT' ? 'rules directory not found' : `cannot read rules directory: ${code}` }] };
  }
  const ignored = scanned.ignored.map((i) => ({ file: relative(displayBase, i.file) || i.file, why: i.why }));
  return { ...loadRuleFiles(scanned.files, opts), ...(ignored.length > 0 ? { ignored } : {}) };
}
