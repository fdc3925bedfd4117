// Request bodies, one JSON Schema each: unknown fields are errors, and a failure names the field
// and what was expected (the same ajv set-up and messages as config files).

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN } from '../../common/duration.js';
import { pathText, validatorFor } from '../../common/yaml-file.js';
import { silenceRequestSchema } from '../correlate/silence.js';
import { ApiError } from './errors.js';

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$';
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

export const ackBody = { type: 'object', additionalProperties: false, properties: { note: text(2000) } } as const;
export const handoverBody = { type: 'object', additionalProperties: false, required: ['to'], properties: { to: text(64), note: text(2000) } } as const;
export const noteBody = { type: 'object', additionalProperties: false, required: ['text'], properties: { text: text(8000) } } as const;
export const resolveBody = { type: 'object', additionalProperties: false, required: ['note'], properties: { note: text(8000) } } as const;
/** The silence request body is the correlator's, so a replayed stream can carry the same shape. */
export const silenceBody = silenceRequestSchema;

export type AckBody = FromSchema<typeof ackBody>;
export type HandoverBody = FromSchema<typeof handoverBody>;
export type NoteBody = FromSchema<typeof noteBody>;
export type ResolveBody = FromSchema<typeof resolveBody>;
export type SilenceBody = FromSchema<typeof silenceBody>;

function describe(e: { keyword: string; instancePath: string; params: Record<string, unknown>; message?: string }): string {
  const path = pathText(
    e.instancePath
      .split('/')
      .slice(1)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
  );
  const at = path ? `${path}: ` : '';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}unknown field "${String(e.params.additionalProperty)}"`;
    case 'required':
      return `${at}missing required field "${String(e.params.missingProperty)}"`;
    case 'type':
      return `${at}expected ${String(e.params.type)}`;
    case 'minLength':
      return `${at}must not be empty`;
    case 'maxLength':
      return `${at}must be at most ${String(e.params.limit)} characters`;
    case 'pattern':
      return `${at}expected ${path === 'duration' ? 'a duration like "2h"' : path.endsWith('_at') ? 'an RFC 3339 time like "2026-11-22T22:00:00+08:00"' : `text matching ${String(e.params.pattern)}`}`;
    default:
      return `${at}${e.message ?? e.keyword}`;
  }
}

/** Validates a parsed body; throws bad-request naming the first problem. */
export function checkBody<T>(schema: object, body: unknown): T {
  const value = body ?? {};
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const errors = validate.errors ?? [];
    const first = errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0];
    throw new ApiError('bad-request', first ? describe(first as never) : 'invalid body');
  }
  return value as T;
}
