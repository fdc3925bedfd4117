// The agent's config file (YAML). Every key is documented here; `wardwatch agent --check`
// validates a file against it, and unknown keys are errors so a typo never silently falls
// back to a default.

import { logSectionSchema } from '../../common/log.js';
import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN } from '../../common/duration.js';
import { NAME_PATTERN } from '../../protocol/topics.js';
import { checksSchema } from '../checks/schemas.js';
import { metricsSectionSchema } from '../../common/metrics-http.js';
import { SIZE_PATTERN, SPOOL_DEFAULTS } from '../publish/spool-settings.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "15s", "5m" or "1h"' } as const;
const name = { type: 'string', pattern: NAME_PATTERN, 'x-expected': 'lowercase letters, digits, ".", "-" or "_" (at most 63)' } as const;

export const brokerSchema = {
  type: 'object',
  description: 'How to reach the MQTT broker.',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', pattern: '^(mqtts?|wss?|tcp|ssl)://', 'x-expected': 'a URL like "mqtt://127.0.0.1:1883" or "mqtts://broker:8883"', examples: ['mqtt://127.0.0.1:1883'] },
    username: { type: 'string', description: 'Defaults to the agent id.' },
    password: { type: 'string', description: 'Write ${env:NAME} or ${file:/path} rather than the secret itself.' },
    client_id: { type: 'string', description: 'MQTT client id; defaults to the agent id.' },
    keepalive: { ...duration, default: '30s' },
    reconnect: {
      type: 'object',
      description: 'Reconnect delays: exponential from `initial` up to `max`, each with random jitter, so a broker restart is not met by every agent in the same second.',
      additionalProperties: false,
      properties: {
        initial: { ...duration, default: '1s' },
        max: { ...duration, default: '60s' },
      },
    },
    protocol: { enum: ['mqtt5', 'mqtt3.1.1'], default: 'mqtt5', description: 'MQTT version; use mqtt3.1.1 for brokers without MQTT 5 (the embedded broker of `wardwatch up`).' },
    tls: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ca: { type: 'string', description: 'CA certificate file (PEM) that signed the broker certificate.' },
        cert: { type: 'string', description: 'Client certificate (PEM) for mutual TLS.' },
        key: { type: 'string', description: 'Client private key (PEM) for mutual TLS.' },
        servername: { type: 'string', description: 'Name to check the broker certificate against, when it differs from the URL host.' },
      },
    },
  },
} as const;

export const agentConfigSchema = {
  $id: 'https://wardwatch.dev/schema/agent.json',
  title: 'Wardwatch agent configuration',
  type: 'object',
  additionalProperties: false,
  required: ['agent', 'broker'],
  properties: {
    agent: {
      type: 'object',
      additionalProperties: false,
      required: ['site', 'role'],
      properties: {
        id: { ...name, description: 'Agent id, unique in the hospital; defaults to the host name in lowercase.' },
        site: { ...name, description: 'Site (campus) this agent belongs to.' },
        role: { enum: ['server', 'terminal', 'probe'], description: 'server: HIS/LIS/PACS hosts; terminal: workstations and kiosks (light profile); probe: polls network gear and remote services.' },
        labels: {
          type: 'object',
          description: 'Free labels used by rules, topology and dashboards: building, floor, service, department…',
          maxProperties: 12,
          propertyNames: { pattern: '^[a-z_][a-z0-9_]{0,31}$' },
          additionalProperties: { type: 'string', maxLength: 128 },
        },
      },
    },
    broker: brokerSchema,
    interval: { ...duration, description: 'Collection interval; default 15s for servers and probes, 60s for terminals.' },
    data_dir: { type: 'string', description: 'Where the agent keeps its sequence counter and spool.', default: './wardwatch-data/agent' },
    spool: {
      type: 'object',
      description: 'Store-and-forward: messages wait on disk under data_dir/spool until the broker has them. When a bound is hit the oldest are dropped and counted (agent.spool_dropped).',
      additionalProperties: false,
      properties: {
        max_bytes: {
          anyOf: [{ type: 'integer', minimum: 65536 }, { type: 'string', pattern: SIZE_PATTERN }],
          default: SPOOL_DEFAULTS.max_bytes,
          'x-expected': 'a size like "100MiB", "500MB" or a number of bytes (at least 65536)',
          description: 'Most disk space the waiting messages may take.',
        },
        max_age: { ...duration, default: SPOOL_DEFAULTS.max_age, description: 'Messages older than this are dropped unsent.' },
        replay_rate: { type: 'number', exclusiveMinimum: 0, default: SPOOL_DEFAULTS.replay_rate, description: 'Messages per second at most when a backlog is sent after an outage.' },
        inflight: { type: 'integer', minimum: 1, maximum: 1000, default: SPOOL_DEFAULTS.inflight, description: 'Messages sent before waiting for the broker\'s acknowledgements.' },
      },
    },
    collect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        filesystems: {
          type: 'object',
          additionalProperties: false,
          properties: {
            exclude_types: { type: 'array', items: { type: 'string' }, description: 'Filesystem types to skip, added to the built-in list of pseudo filesystems.' },
            exclude_mounts: { type: 'array', items: { type: 'string' }, description: 'Mount points to skip; a trailing /* skips everything below.' },
            include_tmpfs: { type: 'boolean', default: false },
          },
        },
        network: {
          type: 'object',
          additionalProperties: false,
          properties: {
            exclude: { type: 'array', items: { type: 'string' }, description: 'Interfaces to skip; a trailing * matches a prefix ("veth*").', default: ['lo'] },
          },
        },
        textfile_dir: { type: 'string', description: 'Directory of *.prom files (Prometheus text format) written by local scripts.' },
      },
    },
    checks: checksSchema,
    metrics: metricsSectionSchema('127.0.0.1:9741'),
    log: logSectionSchema,
  },
} as const;

export type AgentConfigFile = FromSchema<typeof agentConfigSchema, { keepDefaultedPropertiesOptional: true }>;
export type BrokerConfig = FromSchema<typeof brokerSchema, { keepDefaultedPropertiesOptional: true }>;
