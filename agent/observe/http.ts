// The agent's /metrics endpoint (loopback by default; `metrics.enabled: false` turns it off).

import type { Logger } from '../../common/log.js';
import { serveMetrics, type MetricsEndpoint, type MetricsServer } from '../../common/metrics-http.js';
import { EXPOSITION_CONTENT_TYPE, type AgentMetrics, type AgentState } from './metrics.js';

export function serveAgentMetrics(endpoint: MetricsEndpoint, metrics: AgentMetrics, state: () => AgentState, log: Logger): Promise<MetricsServer | undefined> {
  return serveMetrics(endpoint, () => ({ contentType: EXPOSITION_CONTENT_TYPE, body: metrics.render(state()) }), log);
}
