// JSON Schemas of the three payloads, written once; the TypeScript types are derived from them
// (FromSchema), so the validator and the compiler can never disagree. `npm run schemas` writes
// them to protocol/schemas/*.json for implementers in other languages.

import type { FromSchema } from 'json-schema-to-ts';
import { NAME_PATTERN } from './topics.js';

const name = { type: 'string', pattern: NAME_PATTERN, 'x-expected': 'lowercase letters, digits, ".", "-" or "_"' } as const;

/** Labels and tags: short strings, bounded in number, so they stay safe as time-series tags. */
const labels = {
  type: 'object',
  maxProperties: 16,
  propertyNames: { pattern: '^[a-z_][a-z0-9_]{0,31}$' },
  additionalProperties: { type: 'string', maxLength: 128 },
} as const;

const envelope = {
  v: { const: 1, description: 'Protocol version.' },
  agent: { ...name, description: 'Agent id; must equal the agent id in the topic.' },
  site: { ...name, description: 'Site (campus) name; must equal the site in the topic.' },
  seq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Per-agent sequence number, increasing by one per message, kept across restarts.' },
  ts: { type: 'integer', minimum: 0, maximum: 8.64e15, description: 'When the content was produced, in milliseconds since the Unix epoch (UTC).' },
} as const;

export const sampleSchema = {
  type: 'object',
  description: 'One measurement row: a measurement name, its tags and its numeric fields.',
  required: ['m', 'fields'],
  additionalProperties: false,
  properties: {
    m: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'Measurement, e.g. "cpu" or "fs".' },
    tags: { ...labels, description: 'What distinguishes this row, e.g. {"mount": "/"}.' },
    fields: {
      type: 'object',
      minProperties: 1,
      maxProperties: 64,
      propertyNames: { pattern: '^[a-z][a-z0-9_]{0,62}$' },
      additionalProperties: { type: 'number' },
      description: 'Numeric values; the metric name of a field is "<m>.<field>".',
    },
  },
} as const;

export const metricsSchema = {
  $id: 'https://wardwatch.dev/protocol/v1/metrics.json',
  title: 'Wardwatch metrics message',
  description: 'One collection (a snapshot) of an agent: published on wardwatch/v1/<site>/<agent>/metrics, QoS 1, not retained.',
  type: 'object',
  required: ['v', 'kind', 'agent', 'site', 'seq', 'ts', 'samples'],
  additionalProperties: false,
  properties: {
    ...envelope,
    kind: { const: 'metrics' },
    interval_s: { type: 'number', exclusiveMinimum: 0, maximum: 86400, description: 'Collection interval in seconds.' },
    samples: { type: 'array', maxItems: 2000, items: sampleSchema },
  },
} as const;

export const inventorySchema = {
  type: 'object',
  description: 'What the agent knows about its host; sent in every birth message.',
  required: ['hostname', 'role', 'version', 'interval_s', 'os'],
  additionalProperties: false,
  properties: {
    hostname: { type: 'string', maxLength: 255 },
    role: { enum: ['server', 'terminal', 'probe'] },
    version: { type: 'string', maxLength: 64, description: 'Agent version.' },
    interval_s: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
    labels: { ...labels, description: 'Operator-given labels: building, floor, service, …' },
    os: {
      type: 'object',
      required: ['platform', 'arch'],
      additionalProperties: false,
      properties: {
        platform: { type: 'string', maxLength: 32 },
        distro: { type: 'string', maxLength: 128 },
        release: { type: 'string', maxLength: 128 },
        kernel: { type: 'string', maxLength: 128 },
        arch: { type: 'string', maxLength: 32 },
      },
    },
    hardware: {
      type: 'object',
      additionalProperties: false,
      properties: {
        manufacturer: { type: 'string', maxLength: 128 },
        model: { type: 'string', maxLength: 128 },
        virtual: { type: 'boolean' },
        cpus: { type: 'integer', minimum: 0 },
        cpu_model: { type: 'string', maxLength: 128 },
        mem_bytes: { type: 'number', minimum: 0 },
      },
    },
    addresses: { type: 'array', maxItems: 32, items: { type: 'string', maxLength: 64 } },
    checks: { type: 'array', maxItems: 512, items: { type: 'string', maxLength: 128 }, description: 'Names of the checks this agent runs.' },
  },
} as const;

export const stateSchema = {
  $id: 'https://wardwatch.dev/protocol/v1/state.json',
  title: 'Wardwatch state message',
  description:
    'Birth (online: true) on every connect and Last Will / clean shutdown (online: false), on wardwatch/v1/<site>/<agent>/state, QoS 1, retained.',
  type: 'object',
  required: ['v', 'kind', 'agent', 'site', 'seq', 'ts', 'online', 'session'],
  additionalProperties: false,
  properties: {
    ...envelope,
    kind: { const: 'state' },
    online: { type: 'boolean' },
    session: { type: 'integer', minimum: 0, description: 'Connection number of this agent; a Will only counts for its own session.' },
    reason: { enum: ['birth', 'shutdown', 'lost', 'retired'], description: 'Why the state changed; "lost" is the broker-published Last Will; "retired" decommissions the agent: the correlator forgets it and raises nothing.' },
    inventory: inventorySchema,
  },
  if: { properties: { online: { const: true } } },
  then: { required: ['inventory'] },
} as const;

/**
 * Why a network check failed, in a word that stays stable across check types, so the correlator
 * can tell "dns-01 refuses connections" from "name not resolved" whichever probe saw it.
 */
export const ERROR_CLASSES = ['timeout', 'refused', 'dns', 'tls', 'http-status', 'reset', 'unreachable', 'auth', 'protocol', 'other'] as const;

export const checkResultSchema = {
  type: 'object',
  description: 'The outcome of one run of a check.',
  required: ['check', 'type', 'status'],
  additionalProperties: false,
  properties: {
    check: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', description: 'Check name from the agent config.' },
    type: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$', description: 'Check type: http, tcp, process, dicom, hl7, …' },
    status: { enum: ['ok', 'warning', 'critical', 'unknown'] },
    target: { type: 'string', maxLength: 256, description: 'What was checked, without credentials.' },
    node: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', description: 'Topology node the result is about, when it is not the agent itself (a probe watching a switch, a kiosk without an agent).' },
    target_node: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', description: 'Topology node the target is (the DNS server, the database), from the check config; without it the correlator looks the target host up in the topology.' },
    error_class: {
      enum: ERROR_CLASSES,
      description:
        'Why the check failed: timeout, refused (connection refused), dns (name not resolved), tls (handshake or certificate), http-status (an HTTP status not expected), reset, unreachable (no route to host or network), auth, protocol (an answer that is not what the protocol says), other. Absent when the check passed.',
    },
    summary: { type: 'string', maxLength: 512, description: 'One line for a person.' },
    duration_ms: { type: 'number', minimum: 0 },
    labels: { ...labels, description: 'Labels of the check from the agent config, e.g. {"service": "his"}.' },
    fields: {
      type: 'object',
      maxProperties: 32,
      propertyNames: { pattern: '^[a-z][a-z0-9_]{0,62}$' },
      additionalProperties: { type: ['number', 'string', 'boolean'], maxLength: 256 },
      description: 'Measured values of this run (status code, ACK code, days to expiry, …).',
    },
  },
} as const;

export const eventsSchema = {
  $id: 'https://wardwatch.dev/protocol/v1/events.json',
  title: 'Wardwatch events message',
  description: 'Check results, on wardwatch/v1/<site>/<agent>/events, QoS 1, not retained.',
  type: 'object',
  required: ['v', 'kind', 'agent', 'site', 'seq', 'ts', 'events'],
  additionalProperties: false,
  properties: {
    ...envelope,
    kind: { const: 'events' },
    events: { type: 'array', minItems: 1, maxItems: 500, items: checkResultSchema },
  },
} as const;

export type Sample = FromSchema<typeof sampleSchema, { keepDefaultedPropertiesOptional: true }>;
export type MetricsMessage = FromSchema<typeof metricsSchema, { keepDefaultedPropertiesOptional: true }>;
export type Inventory = FromSchema<typeof inventorySchema, { keepDefaultedPropertiesOptional: true }>;
export type StateMessage = FromSchema<typeof stateSchema, { keepDefaultedPropertiesOptional: true }>;
export type CheckResult = FromSchema<typeof checkResultSchema, { keepDefaultedPropertiesOptional: true }>;
export type EventsMessage = FromSchema<typeof eventsSchema, { keepDefaultedPropertiesOptional: true }>;
export type Message = MetricsMessage | StateMessage | EventsMessage;
export type Role = Inventory['role'];
export type CheckStatus = CheckResult['status'];
export type ErrorClass = (typeof ERROR_CLASSES)[number];
