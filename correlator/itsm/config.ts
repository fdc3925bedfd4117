// The `itsm` section of the correlator config: external ticket systems by name.

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN } from '../../common/duration.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "15s"' } as const;
const url = { type: 'string', pattern: '^https?://', 'x-expected': 'an http(s) URL' } as const;
const secret = { type: 'string', minLength: 1, description: 'Write ${env:NAME} or ${file:/path} rather than the secret itself.' } as const;
const common = { timeout: duration, drills: { type: 'boolean', default: false, description: 'Send drill tickets here too.' } } as const;

export const itsmSpecSchema = {
  type: 'object',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['type', 'url'], properties: { type: { const: 'webhook' }, url, secret, ...common } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'url', 'token', 'service_desk_id', 'request_type_id'],
      properties: {
        type: { const: 'jira' },
        url,
        email: { type: 'string', description: 'Jira Cloud: the account e-mail (Basic with the API token); leave out for a Data Center personal access token.' },
        token: secret,
        service_desk_id: { type: 'string' },
        request_type_id: { type: 'string' },
        resolve_transition: { type: 'string', default: 'Resolve', description: 'Name of the transition that resolves a request.' },
        set_priority: { type: 'boolean', default: true, description: 'Send the priority field (turn off when the request type does not have it).' },
        priorities: { type: 'object', additionalProperties: false, properties: { P1: { type: 'string' }, P2: { type: 'string' }, P3: { type: 'string' }, P4: { type: 'string' } } },
        ...common,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'url'],
      properties: {
        type: { const: 'servicenow' },
        url,
        username: { type: 'string' },
        password: secret,
        token: { ...secret, description: 'OAuth bearer token, instead of username and password.' },
        close_code: { type: 'string', default: 'Solution provided', description: 'The instance\'s close code choice for resolved incidents.' },
        caller_id: { type: 'string' },
        assignment_group: { type: 'string' },
        category: { type: 'string' },
        ...common,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'url', 'token', 'group', 'customer'],
      properties: { type: { const: 'zammad' }, url, token: secret, group: { type: 'string' }, customer: { type: 'string' }, ...common },
    },
  ],
} as const;

export const itsmSectionSchema = {
  type: 'object',
  description: 'External ticket systems that get a copy of every ticket (opened, notes, resolved).',
  propertyNames: { pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' },
  additionalProperties: itsmSpecSchema,
} as const;

export type ItsmSpec = FromSchema<typeof itsmSpecSchema, { keepDefaultedPropertiesOptional: true }>;
export type ItsmSection = FromSchema<typeof itsmSectionSchema, { keepDefaultedPropertiesOptional: true }>;
