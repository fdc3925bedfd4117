// A validated config file → the frozen settings the correlator runs with.

import { dirname, resolve } from 'node:path';
import { durationMs } from '../../common/duration.js';
import { deepFreeze } from '../../common/freeze.js';
import { SHIPPED_RULES } from '../../common/version.js';
import { loadYamlFile, type FileError } from '../../common/yaml-file.js';
import { correlatorConfigSchema, type CorrelatorConfigFile } from './schema.js';

export interface CorrelatorConfig {
  broker: {
    url: string;
    username?: string;
    password?: string;
    clientId: string;
    sessionExpiryS: number;
    protocolVersion: 4 | 5;
    tls?: { ca?: string; cert?: string; key?: string; servername?: string };
  };
  sites: readonly string[];
  store: { sqlite: string };
  rulesDir: string;
  tickMs: number;
  log: { level: 'debug' | 'info' | 'warn' | 'error'; format: 'text' | 'json' };
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
    store: { sqlite: resolve(baseDir, file.store?.sqlite ?? './wardwatch-data/wardwatch.db') },
    rulesDir: file.rules !== undefined ? resolve(baseDir, file.rules) : SHIPPED_RULES,
    tickMs: durationMs(file.tick ?? '1s'),
    log: { level: file.log?.level ?? 'info', format: file.log?.format ?? 'text' },
  });
}

export type CorrelatorConfigResult = { ok: true; config: CorrelatorConfig } | { ok: false; errors: FileError[] };

export function loadCorrelatorConfig(path: string): CorrelatorConfigResult {
  const loaded = loadYamlFile<CorrelatorConfigFile>(path, correlatorConfigSchema, { interpolate: true });
  if (!loaded.ok) return loaded;
  return { ok: true, config: resolveCorrelatorConfig(loaded.value, dirname(resolve(path))) };
}
