// Rule files → a frozen RuleSet the evaluator trusts. Everything a person can get wrong is
// checked here, with file:line: schema errors, duplicate ids, unknown metrics (with a "did you
// mean"), impossible hysteresis, bad regular expressions, unknown placeholders in titles.

import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { durationMs } from '../../common/duration.js';
import { deepFreeze } from '../../common/freeze.js';
import { loadYamlFile, type FileError, type SourceFile } from '../../common/yaml-file.js';
import { lookupMetric, measurement, metricNames } from '../../protocol/metrics.js';
import { ruleFileSchema, type OfflineRuleSpec, type Priority, type RuleFile, type RuleSpec, type ThresholdRuleSpec } from './schema.js';
import { compileSelector, selectorProblems, type Labels, type Predicate } from './selector.js';

export const RULE_FILE_SUFFIX = '.rules.yaml';

export type Op = ThresholdRuleSpec['op'];

interface RuleBase {
  id: string;
  title: string;
  priority: Priority;
  matches: Predicate;
  labels: Labels;
  runbook?: string;
  description?: string;
  /** Where the rule was written, for messages and the evidence chain. */
  source: string;
}

export interface ThresholdRule extends RuleBase {
  kind: 'threshold';
  metric: string;
  measurement: string;
  field: string;
  op: Op;
  value: number;
  clear: number;
  forSamples: number;
  forMs: number;
}

export interface OfflineRule extends RuleBase {
  kind: 'offline';
  after: number;
}

export type Rule = ThresholdRule | OfflineRule;

export interface RuleSet {
  rules: readonly Rule[];
  byMeasurement: ReadonlyMap<string, readonly ThresholdRule[]>;
  offline: readonly OfflineRule[];
  byId: ReadonlyMap<string, Rule>;
}

export const COMPARE: Record<Op, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

const PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/g;
const BUILTIN_PLACEHOLDERS = new Set(['node', 'value', 'metric', 'agent', 'site', 'role', 'rule', 'threshold']);

function closest(word: string, options: string[]): string | undefined {
  const score = (a: string, b: string) => {
    let same = 0;
    for (const part of a.split(/[._]/)) if (b.includes(part)) same += part.length;
    return same / Math.max(a.length, b.length);
  };
  let best: string | undefined;
  let bestScore = 0.4;
  for (const o of options) {
    const s = score(word, o);
    if (s > bestScore) {
      bestScore = s;
      best = o;
    }
  }
  return best;
}

function checkThreshold(spec: ThresholdRuleSpec, err: (path: (string | number)[], msg: string) => void, base: (string | number)[]): void {
  const ref = lookupMetric(spec.metric);
  if (!ref) {
    const hint = closest(spec.metric, metricNames());
    const m = measurement(spec.metric.split('.')[0] ?? '');
    const why = m ? `measurement "${spec.metric.split('.')[0]}" has no field "${spec.metric.split('.')[1]}"` : `unknown metric "${spec.metric}"`;
    err([...base, 'metric'], `${why}${hint ? `; did you mean "${hint}"?` : ''}`);
  }
  if (spec.clear !== undefined) {
    const wrong =
      ((spec.op === '>' || spec.op === '>=') && spec.clear > spec.value) ||
      ((spec.op === '<' || spec.op === '<=') && spec.clear < spec.value);
    if (wrong) err([...base, 'clear'], `clear ${spec.clear} is on the firing side of "${spec.op} ${spec.value}"; it must be ${spec.op.startsWith('>') ? 'at or below' : 'at or above'} ${spec.value}`);
    if (spec.op === '==' || spec.op === '!=') err([...base, 'clear'], `clear needs an ordering comparison (>, >=, <, <=), not "${spec.op}"`);
  }
}

function compileRule(spec: RuleSpec, source: string): Rule {
  const base = {
    id: spec.id,
    title: spec.title,
    priority: spec.priority,
    matches: compileSelector(spec.where),
    labels: { ...(spec.labels ?? {}) },
    ...(spec.runbook !== undefined ? { runbook: spec.runbook } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    source,
  };
  if (spec.kind === 'offline') return { ...base, kind: 'offline', after: (spec as OfflineRuleSpec).after ?? 3 };
  const t = spec as ThresholdRuleSpec;
  const [m = '', field = ''] = t.metric.split('.');
  const forSpec = t.for ?? 1;
  return {
    ...base,
    kind: 'threshold',
    metric: t.metric,
    measurement: m,
    field,
    op: t.op,
    value: t.value,
    clear: t.clear ?? t.value,
    forSamples: typeof forSpec === 'number' ? forSpec : 1,
    forMs: typeof forSpec === 'string' ? durationMs(forSpec) : 0,
  };
}

export function buildRuleSet(rules: Rule[]): RuleSet {
  const byMeasurement = new Map<string, ThresholdRule[]>();
  const offline: OfflineRule[] = [];
  for (const r of rules) {
    if (r.kind === 'threshold') {
      const list = byMeasurement.get(r.measurement) ?? [];
      list.push(r);
      byMeasurement.set(r.measurement, list);
    } else offline.push(r);
  }
  return deepFreeze({ rules, byMeasurement, offline, byId: new Map(rules.map((r) => [r.id, r])) });
}

export type RuleSetResult = { ok: true; ruleSet: RuleSet; files: string[] } | { ok: false; errors: FileError[]; files: string[] };

/** Rule files of a directory (and its subdirectories), sorted so load order never changes. */
export function ruleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(RULE_FILE_SUFFIX)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function loadRuleFiles(paths: string[], displayBase = process.cwd()): RuleSetResult {
  const errors: FileError[] = [];
  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  for (const path of paths) {
    const display = relative(displayBase, path) || path;
    const loaded = loadYamlFile<RuleFile>(path, ruleFileSchema, { displayName: display });
    if (!loaded.ok) {
      errors.push(...loaded.errors);
      continue;
    }
    const source: SourceFile = loaded.source;
    loaded.value.rules.forEach((spec, i) => {
      const errorsBefore = errors.length;
      const base: (string | number)[] = ['rules', i];
      const err = (path: (string | number)[], message: string) => errors.push(source.error(path, message));
      const where = `${display}:${source.locate([...base, 'id']).line}`;
      const first = seen.get(spec.id);
      if (first) err([...base, 'id'], `duplicate rule id "${spec.id}"; first defined at ${first}`);
      else seen.set(spec.id, where);
      if (spec.kind === 'threshold') checkThreshold(spec as ThresholdRuleSpec, err, base);
      for (const p of selectorProblems(spec.where)) err([...base, 'where', p.key], p.message);
      const measurementTags = spec.kind === 'threshold' ? measurement((spec as ThresholdRuleSpec).metric.split('.')[0] ?? '')?.tags ?? [] : [];
      for (const [, name] of spec.title.matchAll(PLACEHOLDER)) {
        const known = BUILTIN_PLACEHOLDERS.has(name as string) || measurementTags.includes(name as string) || Object.keys(spec.where ?? {}).includes(name as string);
        if (!known && !['building', 'floor', 'service', 'department'].includes(name as string)) {
          err([...base, 'title'], `unknown placeholder {${name}}; use {node}, {value}, {metric}, {threshold} or a label such as {mount}`);
        }
      }
      if (errors.length === errorsBefore) rules.push(compileRule(spec, where));
    });
  }
  if (errors.length > 0) {
    const order = new Map(paths.map((p, i) => [relative(displayBase, p) || p, i]));
    errors.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.col - b.col);
    return { ok: false, errors, files: paths };
  }
  return { ok: true, ruleSet: buildRuleSet(rules), files: paths };
}

export function loadRules(dir: string, displayBase = process.cwd()): RuleSetResult {
  let files: string[];
  try {
    files = ruleFiles(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, files: [], errors: [{ file: relative(displayBase, dir) || dir, line: 1, col: 1, path: '', message: code === 'ENOENT' ? 'rules directory not found' : `cannot read rules directory: ${code}` }] };
  }
  return loadRuleFiles(files, displayBase);
}

/** Fills {placeholders} of a title from the alert's labels and value. */
export function renderTitle(template: string, values: Record<string, string | number | undefined>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values[name];
    return v === undefined ? whole : String(v);
  });
}
