// What a response must look like, for the http check and each step of a transaction: the
// status codes accepted, text the body must contain or match, JSON values at given paths.
// Compiled once when the check is built, so a bad regex or path stops the agent at start
// with the check's name rather than failing every run.

import type { FromSchema } from 'json-schema-to-ts';
import { UserError } from '../../common/errors.js';
import type { HttpExchange } from './http-client.js';
import { jsonPathGet, parseJsonPath, type PathStep } from './json-path.js';

export const statusListSchema = {
  type: 'array',
  minItems: 1,
  items: {
    anyOf: [{ type: 'integer', minimum: 100, maximum: 599 }, { type: 'string', pattern: '^[1-5]xx$' }],
    'x-expected': 'a status code like 200 or a class like "2xx"',
  },
  description: 'Status codes accepted (default: any 2xx).',
} as const;

export const expectSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'What the response must look like.',
  properties: {
    status: statusListSchema,
    body_contains: { type: 'string', minLength: 1, description: 'Text the body must contain.' },
    body_regex: { type: 'string', minLength: 1, description: 'Regular expression (JavaScript syntax) the body must match.' },
    json: {
      type: 'array',
      minItems: 1,
      description: 'Values in a JSON body: { path: "$.status", equals: "UP" }; without equals the path must exist.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: { type: 'string', pattern: '^\\$', 'x-expected': 'a JSON path like "$.data.items[0].id"' },
          equals: { type: ['string', 'number', 'boolean', 'null'] },
        },
      },
    },
  },
} as const;

export type ExpectSpec = FromSchema<typeof expectSchema>;

export interface CompiledExpect {
  statusOk(status: number): boolean;
  /** Why the body fails the expectations, or undefined. `render` fills {{variables}} in expected text. */
  bodyProblem(ex: HttpExchange, render: (text: string) => string): string | undefined;
}

export function compileRegex(source: string, where: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new UserError(`${where}: invalid regular expression /${source}/: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

function statusMatcher(list: ReadonlyArray<number | string> | undefined): (status: number) => boolean {
  if (!list) return (s) => s >= 200 && s < 300;
  return (s) => list.some((want) => (typeof want === 'number' ? s === want : Math.floor(s / 100) === Number(want[0])));
}

function equalsText(actual: unknown, expected: string | number | boolean | null, render: (t: string) => string): boolean {
  if (typeof expected === 'string') return (typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean') && String(actual) === render(expected);
  return actual === expected;
}

function short(v: unknown): string {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function compileExpect(spec: ExpectSpec | undefined, where: string): CompiledExpect {
  const regex = spec?.body_regex !== undefined ? compileRegex(spec.body_regex, `${where}: expect.body_regex`) : undefined;
  const json = (spec?.json ?? []).map((j, i) => {
    const parsed = parseJsonPath(j.path);
    if (!parsed.ok) throw new UserError(`${where}: expect.json[${i}].path: ${parsed.error}`);
    return { path: j.path, steps: parsed.steps as PathStep[], equals: j.equals, hasEquals: Object.hasOwn(j, 'equals') };
  });
  return {
    statusOk: statusMatcher(spec?.status),
    bodyProblem(ex, render) {
      if (spec?.body_contains !== undefined) {
        const want = render(spec.body_contains);
        if (!ex.body.includes(want)) return `body does not contain ${short(want)}`;
      }
      if (regex && !regex.test(ex.body)) return `body does not match /${regex.source}/`;
      if (json.length === 0) return undefined;
      let doc: unknown;
      try {
        doc = JSON.parse(ex.body);
      } catch {
        return 'body is not JSON';
      }
      for (const j of json) {
        const actual = jsonPathGet(doc, j.steps);
        if (actual === undefined) return `${j.path} is missing`;
        if (j.hasEquals && !equalsText(actual, j.equals as string | number | boolean | null, render)) {
          return `${j.path} is ${short(actual)}, expected ${short(typeof j.equals === 'string' ? render(j.equals) : j.equals)}`;
        }
      }
      return undefined;
    },
  };
}
