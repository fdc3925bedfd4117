// Turns a validated config file into the frozen settings the agent runs with: defaults filled
// in, durations in milliseconds, relative paths resolved against the config file's folder.

import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { durationMs } from '../../common/duration.js';
import { deepFreeze } from '../../common/freeze.js';
import { loadYamlFile, type FileError } from '../../common/yaml-file.js';
import type { Role } from '../../protocol/schema.js';
import type { CheckCommon } from '../checks/check.js';
import type { CollectSettings } from '../collect/registry.js';
import type { BrokerSettings } from '../publish/session.js';
import { resolveSpoolSettings, type SpoolSettings } from '../publish/spool-settings.js';
import { agentConfigSchema, type AgentConfigFile } from './schema.js';
import { resolveMetricsSection, type MetricsEndpoint } from '../../common/metrics-http.js';

export interface AgentConfig {
  id: string;
  site: string;
  role: Role;
  labels: Readonly<Record<string, string>>;
  broker: BrokerSettings;
  intervalMs: number;
  dataDir: string;
  spool: SpoolSettings;
  collect: CollectSettings;
  /** Check blocks as validated; the runner builds checks from them. */
  checks: readonly CheckCommon[];
  log: { level: 'debug' | 'info' | 'warn' | 'error'; format: 'text' | 'json' };
  /** The Prometheus endpoint of the agent. */
  metrics: MetricsEndpoint;
}

/** The host name as an agent id: lowercase, anything outside [a-z0-9._-] becomes "-". */
export function defaultAgentId(host = hostname()): string {
  const id = host.toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63);
  return id || 'agent';
}

export function resolveAgentConfig(file: AgentConfigFile, baseDir = process.cwd()): AgentConfig {
  const id = file.agent.id ?? defaultAgentId();
  const role = file.agent.role;
  const path = (p: string | undefined) => (p === undefined ? undefined : resolve(baseDir, p));
  const tls = file.broker.tls;
  const config: AgentConfig = {
    id,
    site: file.agent.site,
    role,
    labels: { ...(file.agent.labels ?? {}) },
    broker: {
      url: file.broker.url,
      ...(file.broker.username !== undefined ? { username: file.broker.username } : {}),
      ...(file.broker.password !== undefined ? { password: file.broker.password } : {}),
      clientId: file.broker.client_id ?? id,
      keepaliveS: Math.round(durationMs(file.broker.keepalive ?? '30s') / 1000),
      protocolVersion: file.broker.protocol === 'mqtt3.1.1' ? 4 : 5,
      reconnect: { initialMs: durationMs(file.broker.reconnect?.initial ?? '1s'), maxMs: durationMs(file.broker.reconnect?.max ?? '60s') },
      ...(tls ? { tls: { ca: path(tls.ca), cert: path(tls.cert), key: path(tls.key), servername: tls.servername } } : {}),
    },
    intervalMs: durationMs(file.interval ?? (role === 'terminal' ? '60s' : '15s')),
    dataDir: resolve(baseDir, file.data_dir ?? './wardwatch-data/agent'),
    spool: resolveSpoolSettings(file.spool),
    collect: {
      excludeFsTypes: file.collect?.filesystems?.exclude_types ?? [],
      excludeMounts: file.collect?.filesystems?.exclude_mounts ?? [],
      includeTmpfs: file.collect?.filesystems?.include_tmpfs ?? false,
      excludeInterfaces: file.collect?.network?.exclude ?? ['lo'],
      ...(file.collect?.textfile_dir !== undefined ? { textfileDir: resolve(baseDir, file.collect.textfile_dir) } : {}),
    },
    checks: (file.checks ?? []) as CheckCommon[],
    log: { level: file.log?.level ?? 'info', format: file.log?.format ?? 'text' },
    metrics: resolveMetricsSection(file.metrics, '127.0.0.1:9741'),
  };
  return deepFreeze(config);
}

export type AgentConfigResult = { ok: true; config: AgentConfig } | { ok: false; errors: FileError[] };

export function loadAgentConfig(path: string): AgentConfigResult {
  const loaded = loadYamlFile<AgentConfigFile>(path, agentConfigSchema, { interpolate: true });
  if (!loaded.ok) return loaded;
  const seen = new Map<string, number>();
  const errors: FileError[] = [];
  (loaded.value.checks ?? []).forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) errors.push(loaded.source.error(['checks', i, 'name'], `duplicate check name "${c.name}"; first used by checks[${first}]`));
    else seen.set(c.name, i);
    if (c.interval !== undefined && c.schedule !== undefined) errors.push(loaded.source.error(['checks', i, 'schedule'], 'give either interval or schedule, not both'));
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: resolveAgentConfig(loaded.value, dirname(resolve(path))) };
}
