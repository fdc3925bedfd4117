// Rule specs → a frozen RuleSet the evaluator trusts. Everything a person can get wrong in a
// rule is checked here (rule-tools/load.ts reads the files and reports it with file:line):
// unknown metrics (with a "did you mean"), impossible hysteresis, bad regular expressions,
// windows longer than the engine keeps history. Schema errors, duplicate ids, unknown
// placeholders, composites naming rules that do not exist and missing runbooks are the
// loader's, since they need the files.

import { durationMs, formatDuration } from '../../common/duration.js';
import { deepFreeze } from '../../common/freeze.js';
import { closest } from '../../common/yaml-file.js';
import { lookupMetric, measurement, metricNames } from '../../protocol/metrics.js';
import type { RateRuleSpec, RuleSpec, ThresholdRuleSpec } from './schema.js';
import { compileSelector } from '../topology/selector.js';
import type { AggregateRule, Effect, MetricRule, Persistence, Rule, RuleSet } from './types.js';

export * from './types.js';

/**
 * A rule that says nothing about its effect: an agent gone is an outage for what depends on it;
 * a forecast or a missing series concerns the node alone; a crossed threshold, a rate, a group
 * figure or a combination is a degradation until the rule says otherwise.
 */
export const DEFAULT_EFFECT: Record<Rule['kind'], Effect> = {
  threshold: 'degraded',
  offline: 'outage',
  absence: 'local',
  rate: 'degraded',
  forecast: 'local',
  aggregate: 'degraded',
  composite: 'degraded',
};

export const PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/g;
export const BUILTIN_PLACEHOLDERS = new Set(['node', 'value', 'metric', 'agent', 'site', 'role', 'rule', 'threshold', 'hours', 'members', 'building', 'floor', 'service', 'department', 'check', 'type']);

export type Err = (path: (string | number)[], message: string) => void;

/** Shares of the field's words ("usage", "percent") two metric names have in common: finds a metric named in other words. */
function sharedWords(word: string, options: string[]): string | undefined {
  const field = (m: string) => m.slice(m.indexOf('.') + 1);
  const score = (a: string, b: string) => {
    let same = 0;
    for (const part of a.split('_')) if (part.length > 1 && b.includes(part)) same += part.length;
    return same / Math.max(a.length, b.length);
  };
  let best: string | undefined;
  let bestScore = 0.4;
  for (const o of options) {
    const s = score(field(word), field(o));
    if (s > bestScore) {
      bestScore = s;
      best = o;
    }
  }
  return best;
}

function checkMetric(metric: string, path: (string | number)[], err: Err): void {
  if (lookupMetric(metric)) return;
  const [m = '', field = ''] = metric.split('.');
  const names = metricNames();
  const hint = closest(metric, names) ?? sharedWords(metric, names);
  const why = measurement(m) ? `measurement "${m}" has no field "${field}"` : `unknown metric "${metric}"`;
  err(path, `${why}${hint ? `; did you mean "${hint}"?` : ''}`);
}

/** A threshold over several metrics compares the one furthest on the firing side: one measurement, an ordering. */
function checkMetrics(spec: ThresholdRuleSpec, base: (string | number)[], err: Err): void {
  if (typeof spec.metric === 'string') return checkMetric(spec.metric, [...base, 'metric'], err);
  spec.metric.forEach((m, j) => checkMetric(m, [...base, 'metric', j], err));
  const measurements = new Set(spec.metric.map((m) => m.split('.')[0]));
  if (measurements.size > 1) err([...base, 'metric'], `a list of metrics must be of one measurement (they are read from one sample); got ${[...measurements].join(', ')}`);
  if (spec.op === '==' || spec.op === '!=') err([...base, 'op'], `a list of metrics needs an ordering comparison (>, >=, <, <=), not "${spec.op}"`);
}

function checkClear(spec: ThresholdRuleSpec | RateRuleSpec, base: (string | number)[], err: Err): void {
  if (spec.clear === undefined) return;
  const up = spec.op === '>' || spec.op === '>=';
  const down = spec.op === '<' || spec.op === '<=';
  if ((up && spec.clear > spec.value) || (down && spec.clear < spec.value)) {
    err([...base, 'clear'], `clear ${spec.clear} is on the firing side of "${spec.op} ${spec.value}"; it must be ${up ? 'at or below' : 'at or above'} ${spec.value}`);
  }
  if (!up && !down) err([...base, 'clear'], `clear needs an ordering comparison (>, >=, <, <=), not "${spec.op}"`);
}

function persistence(spec: { for?: number | string }): Persistence {
  const f = spec.for ?? 1;
  return { forSamples: typeof f === 'number' ? f : 1, forMs: typeof f === 'string' ? durationMs(f) : 0 };
}

function metricRef(metric: string) {
  const [m = '', field = ''] = metric.split('.');
  return { metric, measurement: m, field };
}

function thresholdRef(metric: string | readonly string[]) {
  if (typeof metric === 'string') return metricRef(metric);
  const [first = ''] = metric;
  return { ...metricRef(first), metric: metric.join(', '), fields: metric.map((m) => m.slice(m.indexOf('.') + 1)) };
}

/** Checks that need the whole rule; reported against the rule's keys. */
export function checkRule(spec: RuleSpec, base: (string | number)[], err: Err, retentionMs: number): void {
  const window = (key: string, value: string | number | undefined) => {
    if (typeof value !== 'string') return;
    const ms = durationMs(value);
    if (ms > retentionMs) err([...base, key], `${value} is longer than the ${formatDuration(retentionMs)} of history the engine keeps`);
  };
  window('for', (spec as { for?: string }).for);
  window('over', (spec as { over?: string }).over);
  window('within', (spec as { within?: string }).within);
  switch (spec.kind) {
    case 'threshold':
      checkMetrics(spec, base, err);
      checkClear(spec, base, err);
      break;
    case 'rate': {
      checkMetric(spec.metric, [...base, 'metric'], err);
      checkClear(spec, base, err);
      break;
    }
    case 'absence':
    case 'forecast':
      checkMetric(spec.metric, [...base, 'metric'], err);
      break;
    case 'aggregate':
      if (spec.measure !== 'offline') checkMetric(spec.measure, [...base, 'measure'], err);
      if (spec.measure !== 'offline' && (spec.function ?? 'percent') !== 'avg' && (spec.function ?? 'percent') !== 'max' && (spec.function ?? 'percent') !== 'min' && !spec.member) {
        err([...base, 'member'], `${spec.function ?? 'percent'} of a metric needs "member: { op, value }" to say when a member counts`);
      }
      break;
    case 'composite':
      if (!spec.all === !spec.sequence) err(base, 'give exactly one of "all" (together) or "sequence" (one after the other)');
      if (spec.sequence && !spec.within) err([...base, 'within'], 'a sequence needs "within": how long after the first the second may follow');
      break;
    default:
      break;
  }
}

export function compileRule(spec: RuleSpec, source: string): Rule {
  const base = {
    id: spec.id,
    title: spec.title,
    priority: spec.priority,
    ...(spec.max_priority ? { maxPriority: spec.max_priority } : {}),
    incident: spec.incident ?? true,
    effect: spec.effect ?? DEFAULT_EFFECT[spec.kind],
    matches: compileSelector(spec.where),
    labels: { ...(spec.labels ?? {}) },
    ...(spec.runbook !== undefined ? { runbook: spec.runbook } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    source,
  };
  switch (spec.kind) {
    case 'threshold':
      return { ...base, ...thresholdRef(spec.metric), ...persistence(spec), kind: 'threshold', op: spec.op, value: spec.value, clear: spec.clear ?? spec.value };
    case 'offline':
      return { ...base, kind: 'offline', after: spec.after ?? 3 };
    case 'absence':
      return { ...base, ...metricRef(spec.metric), kind: 'absence', forMs: durationMs(spec.for) };
    case 'rate':
      return {
        ...base,
        ...metricRef(spec.metric),
        ...persistence(spec),
        kind: 'rate',
        overMs: durationMs(spec.over ?? '10m'),
        perMs: durationMs(spec.per ?? '1h'),
        op: spec.op,
        value: spec.value,
        clear: spec.clear ?? spec.value,
      };
    case 'forecast':
      return {
        ...base,
        ...metricRef(spec.metric),
        ...persistence(spec),
        kind: 'forecast',
        overMs: durationMs(spec.over ?? '6h'),
        limit: spec.limit,
        withinMs: durationMs(spec.within),
        minSamples: spec.min_samples ?? 6,
      };
    case 'aggregate':
      return {
        ...base,
        ...persistence(spec),
        kind: 'aggregate',
        group: compileSelector(spec.group),
        measure: spec.measure === 'offline' ? 'offline' : metricRef(spec.measure),
        fn: spec.function ?? 'percent',
        ...(spec.member ? { member: { op: spec.member.op, value: spec.member.value } } : {}),
        op: spec.op,
        value: spec.value,
        minMembers: spec.min_members ?? 1,
        node: spec.node ?? spec.id,
      };
    case 'composite':
      return {
        ...base,
        kind: 'composite',
        ...(spec.all ? { all: [...spec.all] } : {}),
        ...(spec.sequence ? { sequence: [spec.sequence[0] as string, spec.sequence[1] as string] as const } : {}),
        withinMs: spec.within ? durationMs(spec.within) : 0,
        related: spec.related ?? 'topology',
      };
  }
}

export function buildRuleSet(rules: Rule[]): RuleSet {
  const byMeasurement = new Map<string, (MetricRule | AggregateRule)[]>();
  const push = (m: string, r: MetricRule | AggregateRule) => byMeasurement.set(m, [...(byMeasurement.get(m) ?? []), r]);
  for (const r of rules) {
    if (r.kind === 'threshold' || r.kind === 'absence' || r.kind === 'rate' || r.kind === 'forecast') push(r.measurement, r);
    if (r.kind === 'aggregate' && r.measure !== 'offline') push(r.measure.measurement, r);
  }
  return deepFreeze({
    rules,
    byId: new Map(rules.map((r) => [r.id, r])),
    byMeasurement,
    offline: rules.filter((r) => r.kind === 'offline'),
    absence: rules.filter((r) => r.kind === 'absence'),
    aggregate: rules.filter((r) => r.kind === 'aggregate'),
    composite: rules.filter((r) => r.kind === 'composite'),
  }) as RuleSet;
}

/** Fills {placeholders} of a title from the alert's labels and value; unknown ones stay as written. */
export function renderTitle(template: string, lookup: (name: string) => string | number | undefined): string {
  if (!template.includes('{')) return template;
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const v = lookup(name);
    return v === undefined ? whole : String(v);
  });
}
