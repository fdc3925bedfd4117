// A running correlator with its HTTP API on a free loopback port, for API tests: real
// Mosquitto, real store, tokens for each role.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../common/log.js';
import { resolveCorrelatorConfig } from '../../correlator/config/load.js';
import type { CorrelatorConfigFile } from '../../correlator/config/schema.js';
import { startCorrelator, type RunningCorrelator } from '../../correlator/main.js';
import { ROOT } from './cli.js';
import { startMosquitto } from './mosquitto.js';
import { freePort } from './ports.js';
import { tmpDir } from './tmp.js';

export const TOKENS = {
  noc: 'noc-viewer-token-0123456789abcdef',
  zhang: 'zhang-operator-token-0123456789abcdef',
  li: 'li-operator-token-0123456789abcdef',
  boss: 'boss-admin-token-0123456789abcdef',
};

export interface ApiHarness {
  url: string;
  correlator: RunningCorrelator;
  dir: string;
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown; raw?: string; contentType?: string }): Promise<{ status: number; json: any; text: string }>;
}

export async function startApiHarness(t: { teardown(fn: () => void | Promise<void>): void }, extra: Partial<CorrelatorConfigFile> = {}): Promise<ApiHarness> {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'data'));
  const broker = await startMosquitto(t);
  const port = await freePort();
  const config = resolveCorrelatorConfig(
    {
      broker: { url: broker.url },
      store: { sqlite: 'data/w.db' },
      rules: join(ROOT, 'rules'),
      tick: '200ms',
      correlation: { settle: '200ms', resolve_hold: '200ms' },
      api: {
        listen: `127.0.0.1:${port}`,
        body_limit: 4096,
        tokens: [
          { name: 'noc', role: 'viewer', token: TOKENS.noc },
          { name: 'zhang.wei', role: 'operator', token: TOKENS.zhang },
          { name: 'li.na', role: 'operator', token: TOKENS.li },
          { name: 'boss', role: 'admin', token: TOKENS.boss },
        ],
      },
      ...extra,
    },
    dir,
  );
  const correlator = await startCorrelator(config, silentLogger);
  t.teardown(() => correlator.stop());
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    correlator,
    dir,
    async call(method, path, opts = {}) {
      const token = opts.token === undefined ? TOKENS.zhang : opts.token;
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const body = opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
      if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text };
    },
  };
}

export function alertmanagerPayload(status: 'firing' | 'resolved', alerts: Array<{ fingerprint: string; labels: Record<string, string>; annotations?: Record<string, string> }>) {
  return {
    version: '4',
    groupKey: '{}:{alertname="x"}',
    truncatedAlerts: 0,
    status,
    receiver: 'wardwatch',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.hospital.local:9093',
    alerts: alerts.map((a) => ({ status, labels: a.labels, annotations: a.annotations ?? {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: a.fingerprint })),
  };
}
