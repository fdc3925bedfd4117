// Compiled rules: what the evaluator runs. Frozen after compilation; stages trust them.

import type { Priority } from './schema.js';
import type { Labels, Predicate } from '../topology/selector.js';

/** outage: dependants are down (symptoms); degraded: they are slowed; local: only the node. */
export type Effect = 'outage' | 'degraded' | 'local';

export type Op = '>' | '>=' | '<' | '<=' | '==' | '!=';

export const COMPARE: Record<Op, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

interface RuleBase {
  id: string;
  title: string;
  priority: Priority;
  maxPriority?: Priority;
  /** false: a building block for composites; alerts are recorded and open no incident. */
  incident: boolean;
  /** What the alert means for the node's dependants (see ruleEffect for the defaults). */
  effect: Effect;
  matches: Predicate;
  labels: Labels;
  runbook?: string;
  description?: string;
  /** Where the rule was written ("rules/hosts.rules.yaml:12"), for messages and evidence. */
  source: string;
}

interface MetricRef {
  metric: string;
  measurement: string;
  field: string;
}

export interface Persistence {
  /** Consecutive samples (or evaluations) the condition must hold. */
  forSamples: number;
  /** How long it must hold (event time for samples, arrival time for group figures). */
  forMs: number;
}

export interface ThresholdRule extends RuleBase, MetricRef, Persistence {
  kind: 'threshold';
  /** A threshold over several fields of the measurement (metric lists them all; field is the first): it reads the one furthest on the firing side. */
  fields?: readonly string[];
  op: Op;
  value: number;
  clear: number;
}

export interface OfflineRule extends RuleBase {
  kind: 'offline';
  after: number;
}

export interface AbsenceRule extends RuleBase, MetricRef {
  kind: 'absence';
  forMs: number;
}

export interface RateRule extends RuleBase, MetricRef, Persistence {
  kind: 'rate';
  overMs: number;
  perMs: number;
  op: Op;
  value: number;
  clear: number;
}

export interface ForecastRule extends RuleBase, MetricRef, Persistence {
  kind: 'forecast';
  overMs: number;
  limit: number;
  withinMs: number;
  minSamples: number;
}

export interface AggregateRule extends RuleBase, Persistence {
  kind: 'aggregate';
  group: Predicate;
  measure: 'offline' | MetricRef;
  fn: 'percent' | 'count' | 'avg' | 'max' | 'min';
  member?: { op: Op; value: number };
  op: Op;
  value: number;
  minMembers: number;
  node: string;
}

export interface CompositeRule extends RuleBase {
  kind: 'composite';
  all?: readonly string[];
  sequence?: readonly [string, string];
  withinMs: number;
  related: 'topology' | 'same-node' | 'any';
}

export type MetricRule = ThresholdRule | AbsenceRule | RateRule | ForecastRule;
export type Rule = MetricRule | OfflineRule | AggregateRule | CompositeRule;

export interface RuleSet {
  rules: readonly Rule[];
  byId: ReadonlyMap<string, Rule>;
  /** Rules that look at samples, by measurement (aggregates over a metric included). */
  byMeasurement: ReadonlyMap<string, readonly (MetricRule | AggregateRule)[]>;
  offline: readonly OfflineRule[];
  absence: readonly AbsenceRule[];
  aggregate: readonly AggregateRule[];
  composite: readonly CompositeRule[];
}

/** How long the engine keeps per-series history; `for`, `over` and `within` may not exceed it. */
export const DEFAULT_RETENTION_MS = 24 * 3_600_000;
