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
import { loadRules } from './rules/compile.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

export interface RunningCorrelator {
  readonly engine: Engine;
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly metrics: CorrelatorMetrics;
  readonly subscriber: Subscriber;
  /** Loads the rules again; a rule set with errors is rejected and the running one stays. */
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

  const store = new SqliteStore(config.store.sqlite);
  const saved = await store.load();
  const now = clock();
  // After a restart every known agent gets a full grace period before it counts as silent.
  for (const agent of saved.agents) agent.lastSeenAt = now;
  const engine = new Engine(rules.ruleSet, {}, saved);
  const metrics = opts.metrics ?? createCorrelatorMetrics({ defaults: true });
  const pipeline = new Pipeline({ engine, store, sinks: opts.sinks ?? [], messageSinks: opts.messageSinks ?? [], metrics, log, clock });
  // Alerts restored from the store whose rule has gone since the last run resolve now.
  await pipeline.setRules(rules.ruleSet);
  metrics.rulesReloadSuccess.set(1);
  log.info('correlator started', {
    rules: rules.ruleSet.rules.length,
    store: config.store.sqlite,
    open_incidents: engine.openIncidents().length,
    agents_known: engine.fleet.agents.size,
  });

  const subscriber = subscribe(config, (topic, payload) => pipeline.message(topic, payload), log, (up) => metrics.brokerConnected.set(up ? 1 : 0));
  const ticker = setInterval(() => void pipeline.tick(), config.tickMs);
  const flusher = setInterval(() => void pipeline.flushMarks(), 2_000);

  return {
    engine,
    store,
    pipeline,
    metrics,
    subscriber,
    async reloadRules() {
      const next = loadRules(config.rulesDir);
      if (!next.ok) {
        metrics.rulesReloadSuccess.set(0);
        const errors = next.errors.map(formatError);
        log.error('rule reload rejected; the running rules stay', { errors: errors.length });
        for (const e of errors) log.error(e);
        return { ok: false, errors };
      }
      await pipeline.setRules(next.ruleSet);
      metrics.rulesReloadSuccess.set(1);
      log.info('rules reloaded', { rules: next.ruleSet.rules.length });
      return { ok: true, errors: [] };
    },
    async stop() {
      clearInterval(ticker);
      clearInterval(flusher);
      await subscriber.stop();
      await pipeline.flushMarks();
      await pipeline.drain();
      pipeline.stop();
      await store.close();
      log.info('correlator stopped');
    },
  };
}
