// The correlator's config file (YAML), validated like every file Wardwatch reads.

import { logSectionSchema } from '../../common/log.js';
import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN } from '../../common/duration.js';
import { NAME_PATTERN } from '../../protocol/topics.js';
import { metricsSectionSchema } from '../../common/metrics-http.js';
import { influxSectionSchema } from '../timeseries/config.js';
import { correlationSectionSchema } from '../engine/config.js';
import { ticketStageSchemas } from './ticket-sections.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "1s", "5m" or "1h"' } as const;

export const correlatorConfigSchema = {
  $id: 'https://wardwatch.dev/schema/correlator.json',
  title: 'Wardwatch correlator configuration',
  type: 'object',
  additionalProperties: false,
  required: ['broker'],
  properties: {
    broker: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^(mqtts?|wss?|tcp|ssl)://', 'x-expected': 'a URL like "mqtt://127.0.0.1:1883"' },
        username: { type: 'string' },
        password: { type: 'string', description: 'Write ${env:NAME} or ${file:/path} rather than the secret itself.' },
        protocol: { enum: ['mqtt5', 'mqtt3.1.1'], default: 'mqtt5', description: 'MQTT version; use mqtt3.1.1 for brokers without MQTT 5 (the embedded broker of `wardwatch up`).' },
        client_id: { type: 'string', default: 'wardwatch-correlator', description: 'Fixed, so the broker keeps this session while the correlator restarts.' },
        session_expiry: { ...duration, default: '1d', description: 'How long the broker keeps queued messages for the correlator while it is down.' },
        tls: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ca: { type: 'string' },
            cert: { type: 'string' },
            key: { type: 'string' },
            servername: { type: 'string' },
          },
        },
      },
    },
    sites: {
      type: 'array',
      minItems: 1,
      items: { anyOf: [{ type: 'string', pattern: NAME_PATTERN }, { const: '+' }] },
      default: ['+'],
      description: 'Sites this correlator serves; "+" for all.',
    },
    store: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sqlite: { type: 'string', description: 'Path of the SQLite database file.', default: './wardwatch-data/wardwatch.db' },
        postgres: { type: 'string', pattern: '^postgres(ql)?://', 'x-expected': 'a URL like "postgres://wardwatch@db.hospital.local/wardwatch"', description: 'PostgreSQL instead of SQLite (production); put the password in ${file:…} or PGPASSWORD.' },
      },
    },
    rules: { type: 'string', description: 'Directory of *.rules.yaml files; by default the rules/ folder shipped with Wardwatch.' },
    tick: { ...duration, default: '1s', description: 'How often timers (offline agents, windows) are evaluated.' },
    max_agents: {
      type: 'integer',
      minimum: 1,
      default: 50_000,
      description: 'Agents the correlator tracks at most; messages from further agents are rejected and counted (reason fleet-full), so a broker that lets anyone publish cannot grow its memory without bound.',
    },
    topology: { type: 'string', description: 'Topology file (*.topology.yaml): what depends on what. Without one, every node stands alone.' },
    correlation: correlationSectionSchema,
    record: { type: 'string', description: 'Append every message the correlator receives to this JSON-lines file, for `wardwatch replay`.' },
    influx: influxSectionSchema,
    metrics: metricsSectionSchema('127.0.0.1:9742'),
    language: ticketStageSchemas.language,
    tickets: ticketStageSchemas.tickets,
    sla: ticketStageSchemas.sla,
    escalation: ticketStageSchemas.escalation,
    notify: ticketStageSchemas.notify,
    itsm: ticketStageSchemas.itsm,
    api: ticketStageSchemas.api,
    log: logSectionSchema,
  },
} as const;

export type CorrelatorConfigFile = FromSchema<typeof correlatorConfigSchema, { keepDefaultedPropertiesOptional: true }>;
