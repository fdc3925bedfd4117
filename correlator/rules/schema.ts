// The rule language, as one JSON Schema. rules/schema.json is generated from this file
// (`npm run schemas`) so editors with yaml-language-server can complete and check rule files;
// a test fails when the two differ.

import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN } from '../../common/duration.js';
import { selectorSchema } from '../topology/selector.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "30s", "5m" or "1h"' } as const;

const common = {
  id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', 'x-expected': 'an id of lowercase letters, digits and "-"', description: 'Unique across all rule files; appears in alerts, tickets and replay output.' },
  title: { type: 'string', minLength: 1, maxLength: 200, description: 'Shown to people; {node}, {value}, {metric} and any label in braces are filled in.' },
  description: { type: 'string', maxLength: 2000 },
  priority: { enum: ['P1', 'P2', 'P3', 'P4'], description: 'P1 hospital-wide core business down … P4 non-critical (DOMAIN.md).' },
  where: selectorSchema,
  labels: {
    type: 'object',
    description: 'Labels added to the alert, e.g. service: his.',
    propertyNames: { pattern: '^[a-z_][a-z0-9_]{0,31}$' },
    additionalProperties: { type: 'string', maxLength: 128 },
  },
  runbook: { type: 'string', maxLength: 500, description: 'Emergency plan: a file under runbooks/ or a URL; attached to the ticket.' },
  max_priority: { enum: ['P1', 'P2', 'P3', 'P4'], description: 'Upper bound: business impact may raise the incident\'s priority up to this, not beyond.' },
  incident: { type: 'boolean', default: true, description: 'false: a building block for composite rules; its alerts are recorded and open no incident.' },
  effect: {
    enum: ['outage', 'degraded', 'local'],
    description:
      'What the alert means for what depends on the node. outage: down or unreachable, its dependants are symptoms and the impact is loss of service; degraded: slow, erroring or saturated, the impact is degradation (a lower scale); local: only the node itself. Default: outage for offline rules, local for forecast and absence rules, degraded for the rest.',
  },
} as const;

const metric = { type: 'string', pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$', 'x-expected': 'a metric like "cpu.usage_percent"', description: '"<measurement>.<field>", e.g. fs.used_percent.' } as const;
const op = { enum: ['>', '>=', '<', '<=', '==', '!='] } as const;
const thresholdMetric = {
  description: 'A metric, or a list of metrics of one measurement: the rule then watches the one furthest on the firing side (the busier direction of a line: [check.in_percent, check.out_percent]).',
  'x-expected': 'a metric like "cpu.usage_percent" or a list of them',
  anyOf: [metric, { type: 'array', items: metric, minItems: 2, maxItems: 8, uniqueItems: true }],
} as const;

const forSpec = {
  description: 'How long the condition must hold: a number of consecutive samples (3) or a duration ("5m").',
  anyOf: [{ type: 'integer', minimum: 1, maximum: 10000 }, duration],
  'x-expected': 'a sample count like 3 or a duration like "5m"',
} as const;

export const thresholdRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'title', 'priority', 'metric', 'op', 'value'],
  properties: {
    ...common,
    kind: { const: 'threshold', description: 'Fires when a metric crosses a value.' },
    metric: thresholdMetric,
    op,
    value: { type: 'number' },
    clear: { type: 'number', description: 'Value at which a firing alert resolves (hysteresis); by default the threshold itself.' },
    for: forSpec,
  },
} as const;

export const offlineRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'title', 'priority'],
  properties: {
    ...common,
    kind: { const: 'offline', description: 'Fires when an agent is gone: its Last Will arrived, or it was silent too long.' },
    after: { type: 'integer', minimum: 1, maximum: 100, default: 3, description: 'Silent for this many of its own intervals counts as offline.' },
  },
} as const;

export const absenceRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'title', 'priority', 'metric', 'for'],
  properties: {
    ...common,
    kind: { const: 'absence', description: 'Fires when a series that was reporting stops: no sample of the metric for a duration.' },
    metric,
    for: { ...duration, description: 'How long without a sample counts as absent.' },
  },
} as const;

export const rateRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'title', 'priority', 'metric', 'op', 'value'],
  properties: {
    ...common,
    kind: { const: 'rate', description: 'Fires on the rate of change of a metric (least-squares slope over a window).' },
    metric,
    over: { ...duration, default: '10m', description: 'Window the slope is fitted over.' },
    per: { ...duration, default: '1h', description: 'Unit of the rate: change per this much time.' },
    op,
    value: { type: 'number', description: 'Threshold on the rate (in metric units per `per`).' },
    clear: { type: 'number' },
    for: forSpec,
  },
} as const;

export const forecastRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'title', 'priority', 'metric', 'limit', 'within'],
  properties: {
    ...common,
    kind: { const: 'forecast', description: 'Prevention: fires when a linear forecast reaches a limit soon ("filesystem full within 24 h").' },
    metric,
    over: { ...duration, default: '6h', description: 'Window the trend is fitted over.' },
    limit: { type: 'number', description: 'The value that must not be reached (100 for a percentage).' },
    within: { ...duration, description: 'Fires when the forecast reaches the limit within this time.' },
    min_samples: { type: 'integer', minimum: 3, default: 6, description: 'Samples needed before forecasting.' },
    for: forSpec,
  },
} as const;

export const aggregateRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'title', 'priority', 'group', 'measure', 'op', 'value'],
  properties: {
    ...common,
    kind: { const: 'aggregate', description: 'Fires on a figure over a group of agents or nodes: "more than 50% of the outpatient kiosks offline".' },
    group: { ...selectorSchema, description: 'Members by label: role, building, floor, service, kind, and any topology label.' },
    measure: { type: 'string', pattern: '^(offline|[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*)$', 'x-expected': '"offline" or a metric like "cpu.usage_percent"' },
    function: { enum: ['percent', 'count', 'avg', 'max', 'min'], default: 'percent', description: 'percent/count: members offline or meeting `member`; avg/max/min: of the metric\'s latest values.' },
    member: {
      type: 'object',
      additionalProperties: false,
      required: ['op', 'value'],
      properties: { op, value: { type: 'number' } },
      description: 'For a metric with percent/count: when a member counts.',
    },
    op,
    value: { type: 'number' },
    min_members: { type: 'integer', minimum: 1, default: 1, description: 'Below this many members the rule does not fire.' },
    node: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'Topology node the alert lands on (e.g. the building\'s access switch or a group node); default: the rule id.' },
    for: forSpec,
  },
} as const;

export const compositeRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'title', 'priority'],
  properties: {
    ...common,
    kind: { const: 'composite', description: 'Conditions together: alerts of all the listed rules firing at once, or one after the other within a window, on related nodes.' },
    all: { type: 'array', items: { type: 'string' }, minItems: 2, description: 'Rule ids whose alerts must all be firing.' },
    sequence: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2, description: '[A, B]: B fires while A fired within `within` before.' },
    within: { ...duration, description: 'For sequence: how long after A the B may follow.' },
    related: { enum: ['topology', 'same-node', 'any'], default: 'topology', description: 'topology: one alert\'s node depends on the other\'s (or the same node); same-node; any.' },
  },
} as const;

export const ruleSchema = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  oneOf: [thresholdRuleSchema, offlineRuleSchema, absenceRuleSchema, rateRuleSchema, forecastRuleSchema, aggregateRuleSchema, compositeRuleSchema],
} as const;

export const ruleFileSchema = {
  $id: 'https://wardwatch.dev/schema/rules.json',
  title: 'Wardwatch rule file',
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    rules: { type: 'array', items: ruleSchema },
  },
} as const;

type Spec<S extends JSONSchema> = FromSchema<S, { keepDefaultedPropertiesOptional: true }>;
export type ThresholdRuleSpec = Spec<typeof thresholdRuleSchema>;
export type OfflineRuleSpec = Spec<typeof offlineRuleSchema>;
export type AbsenceRuleSpec = Spec<typeof absenceRuleSchema>;
export type RateRuleSpec = Spec<typeof rateRuleSchema>;
export type ForecastRuleSpec = Spec<typeof forecastRuleSchema>;
export type AggregateRuleSpec = Spec<typeof aggregateRuleSchema>;
export type CompositeRuleSpec = Spec<typeof compositeRuleSchema>;
export type RuleSpec = ThresholdRuleSpec | OfflineRuleSpec | AbsenceRuleSpec | RateRuleSpec | ForecastRuleSpec | AggregateRuleSpec | CompositeRuleSpec;
export type RuleFile = { rules: RuleSpec[] };
export type Priority = RuleSpec['priority'];
