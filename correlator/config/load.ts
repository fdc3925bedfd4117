// A validated config file → the frozen settings the correlator runs with.

import { dirname, resolve } from 'node:path';
import { durationMs } from '../../common/duration.js';
import { deepFreeze } from '../../common/freeze.js';
import { SHIPPED_RULES } from '../../common/version.js';
import { loadYamlFile, type FileError } from '../../common/yaml-file.js';
import type { BrokerSettings } from '../ingest/subscriber.js';
import { correlatorConfigSchema, type CorrelatorConfigFile } from './schema.js';
import { resolveCorrelationSection, type CorrelationSettings } from '../engine/config.js';
import { resolveMetricsSection, type MetricsEndpoint } from '../../common/metrics-http.js';
import { checkInfluxSection, resolveInfluxSection, type InfluxSettings } from '../timeseries/config.js';
import { checkTicketStage, resolveTicketStage, type TicketStageConfig } from './ticket-sections.js';

export interface CorrelatorConfig {
  broker: BrokerSettings;
  sites: readonly string[];
  store: { sqlite: string; postgres?: string };
  rulesDir: string;
  tickMs: number;
  maxAgents: number;
  /** Topology file; absent: every node stands alone. */
  topologyPath?: string;
  correlation: CorrelationSettings;
  /** Where live input is recorded for replay, when set. */
  recordPath?: string;
  log: { level: 'debug' | 'info' | 'warn' | 'error'; format: 'text' | 'json' };
  /** Time series in InfluxDB; absent when the config has no influx section. */
  influx?: InfluxSettings;
  /** The Prometheus endpoint; absent (off) in configs built by hand. */
  metrics?: MetricsEndpoint;
  /** Tickets, SLA, escalation, notifications, external ticket systems, the HTTP API. */
  tickets: TicketStageConfig;
}

export { SHIPPED_RULES };

export function resolveCorrelatorConfig(file: CorrelatorConfigFile, baseDir = process.cwd()): CorrelatorConfig {
  const path = (p: string | undefined) => (p === undefined ? undefined : resolve(baseDir, p));
  const b = file.broker;
  return deepFreeze({
    broker: {
      url: b.url,
      ...(b.username !== undefined ? { username: b.username } : {}),
      ...(b.password !== undefined ? { password: b.password } : {}),
      clientId: b.client_id ?? 'wardwatch-correlator',
      sessionExpiryS: Math.round(durationMs(b.session_expiry ?? '1d') / 1000),
      protocolVersion: b.protocol === 'mqtt3.1.1' ? 4 : 5,
      ...(b.tls ? { tls: { ca: path(b.tls.ca), cert: path(b.tls.cert), key: path(b.tls.key), servername: b.tls.servername } } : {}),
    },
    sites: file.sites ?? ['+'],
    store: { sqlite: resolve(baseDir, file.store?.sqlite ?? './wardwatch-data/wardwatch.db'), ...(file.store?.postgres ? { postgres: file.store.postgres } : {}) },
    rulesDir: file.rules !== undefined ? resolve(baseDir, file.rules) : SHIPPED_RULES,
    tickMs: durationMs(file.tick ?? '1s'),
    maxAgents: file.max_agents ?? 50_000,
    ...(file.topology !== undefined ? { topologyPath: resolve(baseDir, file.topology) } : {}),
    correlation: resolveCorrelationSection(file.correlation),
    ...(file.record !== undefined ? { recordPath: resolve(baseDir, file.record) } : {}),
    log: { level: file.log?.level ?? 'info', format: file.log?.format ?? 'text' },
    ...(file.influx ? { influx: resolveInfluxSection(file.influx, baseDir, dirname(resolve(baseDir, file.store?.sqlite ?? './wardwatch-data/wardwatch.db'))) } : {}),
    metrics: resolveMetricsSection(file.metrics, '127.0.0.1:9742'),
    tickets: resolveTicketStage(file),
  });
}

export type CorrelatorConfigResult = { ok: true; config: CorrelatorConfig } | { ok: false; errors: FileError[] };

export function loadCorrelatorConfig(path: string): CorrelatorConfigResult {
  const loaded = loadYamlFile<CorrelatorConfigFile>(path, correlatorConfigSchema, { interpolate: true });
  if (!loaded.ok) return loaded;
  const influxProblems = loaded.value.influx ? checkInfluxSection(loaded.value.influx) : [];
  if (influxProblems.length > 0) return { ok: false, errors: influxProblems.map((p) => loaded.source.error(p.path, p.message)) };
  const ticketProblems = checkTicketStage(loaded.value);
  if (ticketProblems.length > 0) return { ok: false, errors: ticketProblems.map((p) => loaded.source.error(p.path, p.message)) };
  return { ok: true, config: resolveCorrelatorConfig(loaded.value, dirname(resolve(path))) };
}
