// A part that is down degrades that part only: decision sinks (printer, notifiers) and
// message sinks (the time-series writer) that throw, reject or never answer do not stop
// incidents and tickets from being stored, and each failure is counted.

import t from 'tap';
import { join } from 'node:path';
import { createLogger } from '../../common/log.js';
import { Engine } from '../../correlator/engine/engine.js';
import { Pipeline, type DecisionSink, type MessageSink } from '../../correlator/ingest/pipeline.js';
import { createCorrelatorMetrics } from '../../correlator/observe/metrics.js';
import { SqliteStore } from '../../correlator/store/sqlite.js';
import { encode } from '../../protocol/encode.js';
import { topicFor } from '../../protocol/topics.js';
import { birth, cpu, metrics } from '../helpers/messages.js';
import { CPU_RULE, rulesFrom } from '../helpers/rules.js';
import { tmpDir } from '../helpers/tmp.js';

t.test('failing sinks do not stop incidents and tickets', async (t) => {
  const store = new SqliteStore(join(tmpDir(t), 'w.db'));
  t.teardown(() => store.close());
  const metricsRegistry = createCorrelatorMetrics();
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  const delivered: string[] = [];
  const throwing: DecisionSink = { name: 'notify-down', deliver: () => { throw new Error('ECONNREFUSED 127.0.0.1:25'); } };
  const rejecting: DecisionSink = { name: 'itsm-down', deliver: () => Promise.reject(new Error('HTTP 503')) };
  const slow: DecisionSink = { name: 'slow', deliver: () => new Promise((r) => setTimeout(r, 20)) };
  const hanging: DecisionSink = { name: 'webhook-blackhole', deliver: () => new Promise(() => {}) };
  const working: DecisionSink = { name: 'printer', deliver: (ds) => void delivered.push(...ds.map((d) => d.type)) };
  const influxDown: MessageSink = { name: 'influxdb', accept: () => { throw new Error('No host available'); } };
  const pipeline = new Pipeline({
    engine: new Engine(rulesFrom(`rules:${CPU_RULE}`)),
    store,
    sinks: [throwing, rejecting, hanging, slow, working],
    messageSinks: [influxDown],
    metrics: metricsRegistry,
    log,
    sinkTimeoutMs: 300,
  });
  const T = Date.now();
  await pipeline.message(topicFor('state', 'main', 'his-db-01'), encode(birth('his-db-01', 1, T)));
  for (let s = 1; s <= 3; s++) await pipeline.message(topicFor('metrics', 'main', 'his-db-01'), encode(metrics('his-db-01', s, T + s, [cpu(99)])));
  for (let s = 4; s <= 6; s++) await pipeline.message(topicFor('metrics', 'main', 'his-db-01'), encode(metrics('his-db-01', s, T + s, [cpu(5)])));
  await pipeline.drain();

  const list = await store.listIncidents();
  t.same(list.map((l) => [l.incident.state, l.ticket?.state]), [['resolved', 'resolved']], 'incident opened and resolved, its ticket with it');
  t.same(delivered.filter((d) => d.startsWith('incident.')), ['incident.opened', 'incident.resolved'], 'the working sink still got everything');
  const text = await metricsRegistry.registry.getSingleMetricAsString('wardwatch_sink_failures_total');
  t.match(text, /sink="notify-down"} [1-9]/);
  t.match(text, /sink="itsm-down"} [1-9]/);
  t.match(text, /sink="webhook-blackhole"} [1-9]/, 'a sink that never answers is cut off and counted');
  t.match(text, /sink="influxdb"} 7/, 'every message the time-series sink refused is counted');
  t.equal(lines.filter((l) => l.includes('sink="influxdb"') || l.includes('sink=influxdb')).length, 1, 'its log line is rate-limited');
  t.notMatch(lines.join('\n'), /at .*\.ts:\d+/, 'no stack traces in the log');
});
