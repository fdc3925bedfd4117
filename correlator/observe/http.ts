// The correlator's /metrics endpoint: its prom-client registry in the Prometheus text format.
// prom-client's default collectors include nodejs_active_{handles,requests,resources}_total,
// gauges whose names end in _total, which `promtool check metrics` rejects (a _total suffix
// promises a counter). They are dropped from the output; the same figures remain, broken
// down by type, in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.

import type { Registry } from 'prom-client';
import type { Logger } from '../../common/log.js';
import { serveMetrics, type MetricsEndpoint, type MetricsServer } from '../../common/metrics-http.js';

export const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The registry's exposition without the misnamed default gauges. */
export async function renderRegistry(registry: Registry): Promise<string> {
  const text = await registry.metrics();
  return text
    .split('\n')
    .filter((line) => {
      const name = line.startsWith('# ') ? line.split(' ')[2] : line.split(/[{ ]/)[0];
      return !MISNAMED_DEFAULTS.includes(name ?? '');
    })
    .join('\n');
}

export function serveCorrelatorMetrics(endpoint: MetricsEndpoint, registry: Registry, log: Logger): Promise<MetricsServer | undefined> {
  return serveMetrics(endpoint, async () => ({ contentType: registry.contentType, body: await renderRegistry(registry) }), log);
}
