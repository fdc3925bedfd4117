// The rule language, as one JSON Schema. rules/schema.json is generated from this file
// (`npm run schemas`) so editors with yaml-language-server can complete and check rule files;
// a test fails when the two differ.

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN } from '../../common/duration.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "30s", "5m" or "1h"' } as const;

const matcher = {
  description: 'A label value: exact text, a list of allowed values, {matches: regex} or {not: value}.',
  'x-expected': 'a value, a list of values, {matches: "regex"} or {not: value}',
  anyOf: [
    { type: 'string' },
    { type: 'array', items: { type: 'string' }, minItems: 1 },
    { type: 'object', additionalProperties: false, required: ['matches'], properties: { matches: { type: 'string', minLength: 1 } } },
    { type: 'object', additionalProperties: false, required: ['not'], properties: { not: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } } },
  ],
} as const;

export const selectorSchema = {
  type: 'object',
  description: 'Which series or agents the rule applies to, by label: agent, site, role, building, floor, service, and the measurement tags (mount, iface…).',
  propertyNames: { pattern: '^[a-z_][a-z0-9_]{0,31}$' },
  additionalProperties: matcher,
} as const;

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
    metric: { type: 'string', pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$', 'x-expected': 'a metric like "cpu.usage_percent"', description: '"<measurement>.<field>", e.g. fs.used_percent.' },
    op: { enum: ['>', '>=', '<', '<=', '==', '!='] },
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

export const ruleSchema = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  oneOf: [thresholdRuleSchema, offlineRuleSchema],
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

export type ThresholdRuleSpec = FromSchema<typeof thresholdRuleSchema, { keepDefaultedPropertiesOptional: true }>;
export type OfflineRuleSpec = FromSchema<typeof offlineRuleSchema, { keepDefaultedPropertiesOptional: true }>;
export type RuleSpec = ThresholdRuleSpec | OfflineRuleSpec;
export type RuleFile = { rules: RuleSpec[] };
export type Priority = RuleSpec['priority'];
export type Selector = NonNullable<RuleSpec['where']>;
