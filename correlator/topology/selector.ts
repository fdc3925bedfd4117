// Label selectors (a rule's `where:`, a topology's `match:` and `terminals:`, a silence's
// matchers), compiled once into plain predicates. Topology holds them because it is the
// lowest layer that selects by label; rules and silences reuse the same schema.

import type { FromSchema } from 'json-schema-to-ts';

const matcherSchema = {
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
  additionalProperties: matcherSchema,
} as const;

export type Selector = FromSchema<typeof selectorSchema>;

export type Labels = Readonly<Record<string, string>>;
export type Predicate = (labels: Labels) => boolean;

type MatcherSpec = Selector[string];

function matcher(spec: MatcherSpec): (value: string | undefined) => boolean {
  if (typeof spec === 'string') return (v) => v === spec;
  if (Array.isArray(spec)) {
    const set = new Set(spec);
    return (v) => v !== undefined && set.has(v);
  }
  if ('matches' in spec) {
    const re = new RegExp(`^(?:${spec.matches})$`);
    return (v) => v !== undefined && re.test(v);
  }
  const not = spec.not;
  const set = new Set(Array.isArray(not) ? not : [not]);
  return (v) => v === undefined || !set.has(v);
}

export function compileSelector(selector: Selector | undefined): Predicate {
  const entries = Object.entries(selector ?? {}).map(([key, spec]) => [key, matcher(spec)] as const);
  if (entries.length === 0) return () => true;
  return (labels) => entries.every(([key, test]) => test(labels[key]));
}

/** Regular expressions in a selector that do not compile, with their keys. */
export function selectorProblems(selector: Selector | undefined): Array<{ key: string; message: string }> {
  const out: Array<{ key: string; message: string }> = [];
  for (const [key, spec] of Object.entries(selector ?? {})) {
    if (typeof spec === 'object' && !Array.isArray(spec) && 'matches' in spec) {
      try {
        new RegExp(spec.matches);
      } catch (err) {
        out.push({ key, message: `not a valid regular expression: ${(err as Error).message}` });
      }
    }
  }
  return out;
}
