// Rule unit tests, in the spirit of `promtool test rules`: agents and their series over time,
// expected alerts and incidents at given times. Written by ops staff next to their rules.

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN } from '../../common/duration.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "90s" or "5m"' } as const;
const labels = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const ruleTestSchema = {
  $id: 'https://wardwatch.dev/schema/rule-test.json',
  title: 'Wardwatch rule tests',
  type: 'object',
  additionalProperties: false,
  required: ['rule_files', 'tests'],
  properties: {
    rule_files: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'Rule files under test, relative to this file.' },
    topology: { type: 'string', description: 'Topology file, relative to this file.' },
    start: { type: 'string', description: 'Wall-clock time the tests start at (ISO 8601), for business peaks. Default: Monday 2026-01-05 09:00 Asia/Shanghai.' },
    settle: { ...duration, default: '0s' },
    resolve_hold: { ...duration, default: '0s' },
    tests: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'agents', 'expect'],
        properties: {
          name: { type: 'string', minLength: 1 },
          agents: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id'],
              properties: {
                id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,62}$' },
                role: { enum: ['server', 'terminal', 'probe'], default: 'server' },
                labels,
                interval: { ...duration, default: '15s' },
                clock: {
                  type: 'string',
                  pattern: '^[+-]?([0-9]+(ms|s|m|h|d|w))+$',
                  'x-expected': 'a signed duration like "-10m" or "+90s"',
                  description: 'How far the agent\'s clock is off the correlator\'s: "-10m" runs ten minutes behind, "+90s" ahead.',
                },
              },
            },
          },
          series: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['agent', 'metric', 'values'],
              properties: {
                agent: { type: 'string' },
                metric: { type: 'string', pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$', 'x-expected': 'a metric like "cpu.usage_percent"' },
                tags: labels,
                values: {
                  type: 'string',
                  description: 'One value per agent interval from time 0, promtool style: "50 95x5 1+2x3 _x2" (95x5 is six values; 1+2x3 is 1 3 5 7; _ is a missing sample).',
                },
              },
            },
          },
          events: {
            type: 'array',
            description: 'Agents going away and coming back.',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['at', 'agent'],
              properties: {
                at: duration,
                agent: { type: 'string' },
                will: { type: 'boolean', description: 'The broker publishes its Last Will.' },
                birth: { type: 'boolean', description: 'It connects again.' },
                silent: { type: 'boolean', description: 'It stops sending samples (from now on).' },
                spool: {
                  ...duration,
                  description: 'It could not reach the broker for this long before `at`: what it collected then arrives now, in order, with the times it was collected at (a spool replay).',
                },
              },
            },
          },
          expect: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['at'],
              properties: {
                at: duration,
                opened: { type: 'integer', minimum: 0, description: 'How many incidents were opened so far, merged and resolved ones included: each was a ticket and a page.' },
                alerts: {
                  type: 'array',
                  description: 'Exactly the alerts firing at that time.',
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['rule', 'node'],
                    properties: { rule: { type: 'string' }, node: { type: 'string' }, labels },
                  },
                },
                incidents: {
                  type: 'array',
                  description: 'Exactly the incidents open at that time.',
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['root'],
                    properties: {
                      root: { type: 'string' },
                      priority: { enum: ['P1', 'P2', 'P3', 'P4'] },
                      symptoms: { type: 'integer', minimum: 0 },
                      title: { type: 'string' },
                      flapping: { type: 'boolean' },
                      suspected: { type: 'boolean', description: 'true: the root was inferred from what failed behind it (or from checks of it), not reported.' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export type RuleTestFile = FromSchema<typeof ruleTestSchema, { keepDefaultedPropertiesOptional: true }>;
export type RuleTestCase = RuleTestFile['tests'][number];
