// The correlator process: start sinks before sources (store → engine → pipeline → MQTT
// subscription), stop in reverse. Wiring only; the logic lives in the stages.

import { UserError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { formatError } from '../common/yaml-file.js';
import type { CorrelatorConfig } from './config/load.js';
import { Engine } from './engine/engine.js';
import { Pipeline, type DecisionSink, type MessageSink } from './ingest/pipeline.js';
import { subscribe, type Subscriber } from './ingest/subscriber.js';
import { createCorrelatorMetrics, type CorrelatorMetrics } from './observe/metrics.js';
import { serveCorrelatorMetrics } from './observe/http.js';
import { startTimeseries, type TimeseriesWriter } from './timeseries/index.js';
import { loadRules } from './rule-tools/load.js';
import { loadTopology } from './topology/load.js';
import { Topology } from './topology/topology.js';
import { Recorder } from './ingest/recorder.js';
import { watchFiles } from './config/watch.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';
import { createTicketStage, type TicketStage } from './wiring/ticket-stage.js';

export interface RunningCorrelator {
  readonly engine: Engine;
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly metrics: CorrelatorMetrics;
  readonly subscriber: Subscriber;
  /** Tickets after the commit: the ticket service (onTicketEvent), notifications, ITSM, the HTTP API. */
  readonly tickets: TicketStage;
  /** The InfluxDB writer, when configured; the ticket service reports ticket events to it (recordTicketEvent). */
  readonly timeseries?: TimeseriesWriter;
  /** Loads rules and topology again; a file set with errors is rejected and the running one stays. */
  reloadRules(): Promise<{ ok: boolean; errors: string[] }>;
  stop(): Promise<void>;
}

export interface CorrelatorOptions {
  sinks?: DecisionSink[];
  messageSinks?: MessageSink[];
  metrics?: CorrelatorMetrics;
  clock?: () => number;
}

export async function startCorrelator(config: CorrelatorConfig, log: Logger, opts: CorrelatorOptions = {}): Promise<RunningCorrelator> {
  const clock = opts.clock ?? Date.now;
  const rules = loadRules(config.rulesDir);
  if (!rules.ok) throw UserError.fromFileErrors(`rules in ${config.rulesDir} have errors`, rules.errors);
  const topology = config.topologyPath ? loadTopology(config.topologyPath) : { ok: true as const, topology: Topology.empty() };
  if (!topology.ok) throw UserError.fromFileErrors(`topology ${config.topologyPath} has errors`, topology.errors);

  const store = await openStore(config.store);
  const saved = await store.load();
  const now = clock();
  // After a restart every known agent gets a full grace period before it counts as silent.
  for (const agent of saved.agents) agent.lastSeenAt = now;
  const engine = new Engine(rules.ruleSet, { ...config.correlation, topology: topology.topology, startedAt: now }, saved);
  const recorder = config.recordPath ? new Recorder(config.recordPath) : undefined;
  const metrics = opts.metrics ?? createCorrelatorMetrics({ defaults: true });
  const timeseries = config.influx ? startTimeseries(config.influx, { metrics, log, clock, view: engine }) : undefined;
  const ts = timeseries ? [timeseries] : [];
  const tickets = createTicketStage(config, { store, metrics, log, clock });
  let onDeadline: (at: number) => void = () => {};
  const pipeline = new Pipeline({ onDeadline: (at) => onDeadline(at), engine, store, sinks: [...(opts.sinks ?? []), ...ts, tickets.service], messageSinks: [...(opts.messageSinks ?? []), ...ts], metrics, log, clock, maxAgents: config.maxAgents, ...(recorder ? { onInput: (topic, payload, at) => recorder.record(topic, payload, at), onControl: (line) => recorder.control(line) } : {}) });
  // Alerts restored from the store whose rule has gone since the last run resolve now.
  await pipeline.setRules(rules.ruleSet);
  metrics.rulesReloadSuccess.set(1);
  await tickets.start({ engine, pipeline, timeseries });
  log.info('correlator started', {
    rules: rules.ruleSet.rules.length,
    topology_nodes: topology.topology.size,
    store: config.store.sqlite,
    open_incidents: engine.openIncidents().length,
    agents_known: engine.fleet.agents.size,
  });

  const metricsServer = config.metrics?.enabled ? await serveCorrelatorMetrics(config.metrics, metrics.registry, log) : undefined;
  let linkUp: boolean | undefined;
  const subscriber = subscribe(config, (topic, payload) => pipeline.message(topic, payload), log, (up) => {
    metrics.brokerConnected.set(up ? 1 : 0);
    // Every failed reconnect attempt closes again: only a change is news to the engine.
    if (up === linkUp) return;
    linkUp = up;
    void pipeline.link(up);
  });
  const ticker = setInterval(() => void pipeline.tick(), config.tickMs);
  // Besides the regular tick, one timer for the earliest correlation deadline: a settling
  // window ends when it ends, not up to a tick later.
  let deadlineTimer: NodeJS.Timeout | undefined;
  let deadlineAt = Infinity;
  onDeadline = (at) => {
    if (at >= deadlineAt || at <= clock()) return; // a due deadline is the regular tick's
    clearTimeout(deadlineTimer);
    deadlineAt = at;
    deadlineTimer = setTimeout(() => {
      deadlineAt = Infinity;
      void pipeline.tick();
    }, Math.max(0, at - clock()));
  };
  const flusher = setInterval(() => void pipeline.flushMarks(), 2_000);

  // A save that also gets a SIGHUP reloads twice: the same errors are listed once.
  let lastRejected = '';
  async function reload(): Promise<{ ok: boolean; errors: string[] }> {
    const next = loadRules(config.rulesDir);
    const nextTopology = config.topologyPath ? loadTopology(config.topologyPath) : undefined;
    const problems = [...(next.ok ? [] : next.errors), ...(nextTopology && !nextTopology.ok ? nextTopology.errors : [])];
    if (!next.ok || (nextTopology && !nextTopology.ok)) {
      metrics.rulesReloadSuccess.set(0);
      const errors = problems.map(formatError);
      const same = errors.join('\n') === lastRejected;
      lastRejected = errors.join('\n');
      log.error(same ? 'reload rejected again with the same errors; the running rules and topology stay' : 'reload rejected; the running rules and topology stay', { errors: errors.length });
      if (!same) for (const e of errors) log.error(e);
      return { ok: false, errors };
    }
    if (nextTopology?.ok) await pipeline.setTopology(nextTopology.topology);
    await pipeline.setRules(next.ruleSet);
    metrics.rulesReloadSuccess.set(1);
    lastRejected = '';
    log.info('rules reloaded', { rules: next.ruleSet.rules.length, ...(nextTopology?.ok ? { topology_nodes: nextTopology.topology.size } : {}) });
    return { ok: true, errors: [] };
  }
  const watcher = watchFiles([config.rulesDir, ...(config.topologyPath ? [config.topologyPath] : [])], () => void reload());

  return {
    engine,
    store,
    pipeline,
    metrics,
    subscriber,
    tickets,
    ...(timeseries ? { timeseries } : {}),
    reloadRules: reload,
    async stop() {
      watcher.close();
      clearInterval(ticker);
      clearTimeout(deadlineTimer);
      clearInterval(flusher);
      await subscriber.stop();
      await pipeline.flushMarks();
      await pipeline.drain();
      pipeline.stop();
      await tickets.stop();
      await timeseries?.stop();
      await metricsServer?.close();
      await store.close();
      recorder?.close();
      log.info('correlator stopped');
    },
  };
}
