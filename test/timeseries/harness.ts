// Shared set-up for the time-series tests: a writer against a real influxd, with its own
// metrics registry and a log that tests can read.

import { join } from 'node:path';
import { createLogger, type Logger } from '../../common/log.js';
import type { MetricsMessage, Sample } from '../../protocol/schema.js';
import type { AgentRecord } from '../../correlator/evaluate/fleet.js';
import { createCorrelatorMetrics, type CorrelatorMetrics } from '../../correlator/observe/metrics.js';
import { resolveInfluxSection, type InfluxSectionFile, type InfluxSettings } from '../../correlator/timeseries/config.js';
import { TimeseriesWriter, type WriterView } from '../../correlator/timeseries/writer.js';

export function agentRecord(id: string, labels: Record<string, string> = {}, opts: Partial<AgentRecord> = {}): AgentRecord {
  return {
    id,
    site: 'main',
    online: true,
    session: 1,
    labels: { ...labels, agent: id, site: 'main', role: labels.role ?? 'server' },
    intervalMs: 15_000,
    lastSeenAt: Date.now(),
    lastTs: Date.now(),
    lastSeq: 0,
    ...opts,
  };
}

export function metricsMessage(agent: string, seq: number, ts: number, samples: Sample[]): MetricsMessage {
  return { v: 1, kind: 'metrics', agent, site: 'main', seq, ts, interval_s: 15, samples };
}

export function settings(url: string, dir: string, file: Partial<InfluxSectionFile> = {}): InfluxSettings {
  return resolveInfluxSection({ url, batch: { size: 500, interval: '100ms' }, ...file }, dir, join(dir, 'data'));
}

export interface TestWriter {
  writer: TimeseriesWriter;
  metrics: CorrelatorMetrics;
  logs: string[];
  log: Logger;
  /** Current value of a metric sample, 0 when absent. */
  value(name: string, labels?: Record<string, string>): Promise<number>;
}

export function startWriter(t: { teardown(fn: () => void | Promise<void>): void }, s: InfluxSettings, view?: WriterView): TestWriter {
  const metrics = createCorrelatorMetrics();
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => logs.push(l), color: false });
  const writer = new TimeseriesWriter({ settings: s, metrics, log, ...(view ? { view } : {}) });
  writer.start();
  let stopped = false;
  const stop = writer.stop.bind(writer);
  writer.stop = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  t.teardown(() => writer.stop());
  return {
    writer,
    metrics,
    logs,
    log,
    async value(name, labels = {}) {
      const json = await metrics.registry.getSingleMetric(name)?.get();
      const hit = json?.values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want) && !('metricName' in v && String(v.metricName).endsWith('_bucket')));
      return hit?.value ?? 0;
    },
  };
}

/** Sum of a counter over all its label sets. */
export async function total(w: TestWriter, name: string): Promise<number> {
  const json = await w.metrics.registry.getSingleMetric(name)?.get();
  return (json?.values ?? []).reduce((n, v) => n + v.value, 0);
}
