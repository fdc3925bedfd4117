// The `influx:` section of the correlator config: where the time series go, how they are
// batched and buffered, and how long each retention policy keeps them. Optional: without the
// section the correlator writes no time series.

import { SIZE_PATTERN, parseSize } from '../../common/size.js';
import { resolve } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { durationMs, DURATION_PATTERN } from '../../common/duration.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "1s", "7d" or "26w"' } as const;
const size = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: SIZE_PATTERN }], 'x-expected': 'a size like "512MiB", "1GB" or a number of bytes' } as const;

/** Incident, alert and ticket events are network logs: kept at least six months (26 weeks). */
export const MIN_EVENTS_RETENTION = '26w';

export const INFLUX_DEFAULTS = {
  database: 'wardwatch',
  timeout: '10s',
  batch: { size: 5000, interval: '1s' },
  buffer: { memory_points: 100_000, max_bytes: '512MiB' },
  retention: { raw: '7d', rollup_1m: '13w', rollup_1h: '104w', events: '52w' },
  rollups: { late: '10m' },
  snapshot_interval: '15s',
} as const;

export const influxSectionSchema = {
  type: 'object',
  description: 'Time series in InfluxDB 1.x for Grafana: every sample, incident, alert and ticket event. Without this section no time series are written.',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', pattern: '^https?://', 'x-expected': 'a URL like "http://127.0.0.1:8086"', examples: ['http://127.0.0.1:8086'] },
    database: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', default: INFLUX_DEFAULTS.database, 'x-expected': 'a database name of letters, digits, "_" or "-"' },
    username: { type: 'string' },
    password: { type: 'string', description: 'Write ${env:NAME} or ${file:/path} rather than the secret itself.' },
    timeout: { ...duration, default: INFLUX_DEFAULTS.timeout, description: 'A write or query taking longer counts as failed (the points stay buffered).' },
    batch: {
      type: 'object',
      additionalProperties: false,
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 100_000, default: INFLUX_DEFAULTS.batch.size, description: 'Points per write request.' },
        interval: { ...duration, default: INFLUX_DEFAULTS.batch.interval, description: 'Longest a point waits for its batch to fill.' },
      },
    },
    buffer: {
      type: 'object',
      description: 'While InfluxDB is down or slow, points wait in memory and then on disk; beyond these bounds the oldest are dropped and counted (wardwatch_timeseries_points_dropped_total).',
      additionalProperties: false,
      properties: {
        memory_points: { type: 'integer', minimum: 1, default: INFLUX_DEFAULTS.buffer.memory_points, description: 'Points kept in memory.' },
        max_bytes: { ...size, default: INFLUX_DEFAULTS.buffer.max_bytes, description: 'Disk space for points waiting on disk; 0 turns the disk buffer off.' },
        dir: { type: 'string', description: 'Where points wait on disk; by default timeseries-spool/ next to the store.' },
      },
    },
    retention: {
      type: 'object',
      description: 'How long each retention policy keeps its data; created or adjusted on start.',
      additionalProperties: false,
      properties: {
        raw: { ...duration, default: INFLUX_DEFAULTS.retention.raw, description: 'Samples as the agents sent them.' },
        rollup_1m: { ...duration, default: INFLUX_DEFAULTS.retention.rollup_1m, description: '1-minute means and maxima.' },
        rollup_1h: { ...duration, default: INFLUX_DEFAULTS.retention.rollup_1h, description: '1-hour means and maxima.' },
        events: { ...duration, default: INFLUX_DEFAULTS.retention.events, description: `Incident, alert, agent and ticket events; at least ${MIN_EVENTS_RETENTION} (network logs are kept six months).` },
      },
    },
    rollups: {
      type: 'object',
      additionalProperties: false,
      properties: {
        late: { ...duration, default: INFLUX_DEFAULTS.rollups.late, description: 'How far back rollups are recomputed, so samples arriving late (after an outage) are included.' },
        every: { ...duration, description: 'How often rollups are recomputed; by default once per rollup interval.' },
      },
    },
    snapshot_interval: { ...duration, default: INFLUX_DEFAULTS.snapshot_interval, description: 'How often the fleet, open-incident and SLA gauges are written.' },
  },
} as const;

export interface InfluxSettings {
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutMs: number;
  batchSize: number;
  batchIntervalMs: number;
  memoryPoints: number;
  spoolBytes: number;
  spoolDir: string;
  retention: { raw: string; rollup1m: string; rollup1h: string; events: string };
  rollupLateMs: number;
  rollupEveryMs?: number;
  snapshotIntervalMs: number;
}

export type InfluxSectionFile = FromSchema<typeof influxSectionSchema, { keepDefaultedPropertiesOptional: true }>;

/** Problems the schema cannot express, as [key path, message] pairs. */
export function checkInfluxSection(file: InfluxSectionFile): Array<{ path: string[]; message: string }> {
  const events = file.retention?.events;
  if (events !== undefined && durationMs(events) < durationMs(MIN_EVENTS_RETENTION)) {
    return [{ path: ['influx', 'retention', 'events'], message: `expected at least ${MIN_EVENTS_RETENTION} (incident and alert events are network logs, kept six months), got "${events}"` }];
  }
  return [];
}

/** @param dataDir the correlator's data directory (where the store lives): the default spool goes there. */
export function resolveInfluxSection(file: InfluxSectionFile, baseDir: string, dataDir: string): InfluxSettings {
  const d = INFLUX_DEFAULTS;
  return {
    url: file.url,
    database: file.database ?? d.database,
    ...(file.username !== undefined ? { username: file.username } : {}),
    ...(file.password !== undefined ? { password: file.password } : {}),
    timeoutMs: durationMs(file.timeout ?? d.timeout),
    batchSize: file.batch?.size ?? d.batch.size,
    batchIntervalMs: durationMs(file.batch?.interval ?? d.batch.interval),
    memoryPoints: file.buffer?.memory_points ?? d.buffer.memory_points,
    spoolBytes: parseSize(file.buffer?.max_bytes ?? d.buffer.max_bytes),
    spoolDir: file.buffer?.dir !== undefined ? resolve(baseDir, file.buffer.dir) : resolve(dataDir, 'timeseries-spool'),
    retention: {
      raw: file.retention?.raw ?? d.retention.raw,
      rollup1m: file.retention?.rollup_1m ?? d.retention.rollup_1m,
      rollup1h: file.retention?.rollup_1h ?? d.retention.rollup_1h,
      events: file.retention?.events ?? d.retention.events,
    },
    rollupLateMs: durationMs(file.rollups?.late ?? d.rollups.late),
    ...(file.rollups?.every !== undefined ? { rollupEveryMs: durationMs(file.rollups.every) } : {}),
    snapshotIntervalMs: durationMs(file.snapshot_interval ?? d.snapshot_interval),
  };
}
