// The agent process: publish before collect, stop in reverse. Wiring only; every piece it
// starts lives in collect/, schedule/ or publish/.

import { RateLimiter, type Logger } from '../common/log.js';
import { VERSION } from '../common/version.js';
import type { Inventory, Sample } from '../protocol/schema.js';
import type { AgentConfig } from './config/load.js';
import type { Collector } from './collect/collector.js';
import { collectInventory } from './collect/inventory.js';
import { createCollectors } from './collect/registry.js';
import { Counters } from './publish/counters.js';
import { lockDataDir } from './publish/data-dir-lock.js';
import { AgentSession } from './publish/session.js';
import { Spool } from './publish/spool.js';
import { withSpoolFields } from './publish/spool-fields.js';
import { checkType } from './checks/registry.js';
import { CheckRunner, schedule, type ScheduledCheck } from './checks/runner.js';
import { startListeners } from './checks/listener.js';
import { offsetFor, startInterval } from '../common/interval.js';
import { AgentMetrics } from './observe/metrics.js';
import { serveAgentMetrics } from './observe/http.js';

export interface RunningAgent {
  readonly session: AgentSession;
  readonly checks: CheckRunner;
  /** Collects and sends one snapshot now (also what the interval loop does). */
  collectOnce(): Promise<Sample[]>;
  stop(): Promise<void>;
}

/**
 * Builds the configured checks and validates what the schema cannot (regular expressions,
 * templates, cron expressions): `wardwatch agent --check` runs this too.
 */
export async function prepareChecks(config: AgentConfig, log: Logger): Promise<ScheduledCheck[]> {
  const checks = config.checks.map((spec) => {
    const type = checkType(spec.type);
    if (!type) throw new Error(`unknown check type ${spec.type}`); // the config schema already refused it
    return schedule(type.create(spec as never, { agentId: config.id, dataDir: config.dataDir, log }), spec);
  });
  const scheduled = checks.filter((s) => s.spec.schedule !== undefined);
  if (scheduled.length > 0) await (await import('./schedule/cron.js')).validateSchedules(scheduled);
  return checks;
}

/** Runs every collector; a failing one is logged (rate-limited) and the rest still report. */
export async function collectAll(collectors: Collector[], now: number, log: Logger, limiter: RateLimiter): Promise<Sample[]> {
  const results = await Promise.allSettled(collectors.map((c) => c.collect(now)));
  const samples: Sample[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') samples.push(...r.value);
    else {
      const name = collectors[i]?.name ?? '?';
      const suppressed = limiter.allow(`collect:${name}`);
      if (suppressed >= 0) log.warn('collector failed', { collector: name, error: String((r.reason as Error)?.message ?? r.reason), suppressed });
    }
  });
  return samples;
}

export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  // Checks first: a check with a mistake stops the agent before it says hello to the broker.
  const checks = await prepareChecks(config, log);
  const lock = lockDataDir(config.dataDir);
  try {
    return await runAgent(config, log, checks, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function runAgent(config: AgentConfig, log: Logger, checks: ScheduledCheck[], lock: { release(): void }): Promise<RunningAgent> {
  const counters = new Counters(config.dataDir);
  const intervalS = config.intervalMs / 1000;
  const inventory: Inventory = await collectInventory({ role: config.role, version: VERSION, intervalS, labels: { ...config.labels }, checks: config.checks.map((c) => c.name) });
  const limiter = new RateLimiter(60_000);
  let lastCollectMs: number | undefined;
  const collectors = createCollectors(config, {
    lastCollectMs: () => lastCollectMs,
    onTextfileProblem: (p) => {
      if (limiter.allow(`textfile:${p.file}`) >= 0) log.warn('textfile problem', { file: p.file, line: p.line, problem: p.message });
    },
  });
  await Promise.all(collectors.map((c) => c.prime?.(Date.now()).catch(() => undefined)));

  const outbox = new Spool(config.dataDir, counters, config.spool);
  if (outbox.size > 0) log.info('spooled messages from the last run', { messages: outbox.size });
  const session = new AgentSession({
    broker: config.broker,
    agentId: config.id,
    site: config.site,
    counters,
    outbox,
    inventory: () => inventory,
    log,
    inflight: config.spool.inflight,
    replayRate: config.spool.replayRate,
  });
  await session.start();
  const metrics = new AgentMetrics({ version: VERSION, role: config.role });
  const metricsServer = config.metrics.enabled
    ? await serveAgentMetrics(config.metrics, metrics, () => ({ connected: session.connected, outbox: outbox.size, outboxDropped: outbox.dropped }), log)
    : undefined;

  const collectOnce = async (): Promise<Sample[]> => {
    const started = performance.now();
    const ts = Date.now();
    const samples = withSpoolFields(await collectAll(collectors, ts, log, limiter), outbox);
    lastCollectMs = performance.now() - started;
    session.send('metrics', ts, { interval_s: intervalS, samples });
    metrics.collected(samples.length, lastCollectMs / 1000);
    metrics.sent('metrics');
    return samples;
  };

  const runner = new CheckRunner(checks, { agentId: config.id, log, publish: (events, ts) => {
    metrics.checked(events);
    metrics.sent('events');
    void session.send('events', ts, { events });
  } });
  // Trap receivers and per-target/per-interface results publish the way the runner does.
  const listeners = await startListeners(checks.map((s) => s.check), (events) => {
    metrics.checked(events);
    metrics.sent('events');
    void session.send('events', Date.now(), { events });
  }, log);
  runner.start();
  // Inspections (cron `schedule:`): node-cron is imported only when the agent has one.
  const inspections = checks.filter((s) => s.spec.schedule !== undefined);
  const cron = inspections.length > 0 ? await (await import('./schedule/cron.js')).startCron(inspections, { dataDir: config.dataDir, log, runAndReport: (s) => runner.runAndReport(s) }) : undefined;

  // A first snapshot right away, so a new agent shows up at once; then on its own slot.
  void collectOnce().catch((err: Error) => log.warn('first collection failed', { error: err.message }));
  const loop = startInterval({
    intervalMs: config.intervalMs,
    offsetMs: offsetFor(config.id, config.intervalMs),
    run: async () => {
      await collectOnce();
    },
  });
  log.info('agent started', { agent: config.id, site: config.site, role: config.role, interval: `${intervalS}s`, version: VERSION });

  return {
    session,
    checks: runner,
    collectOnce,
    async stop() {
      loop.stop();
      await cron?.stop();
      await runner.stop();
      await listeners.stop();
      await session.stop();
      await metricsServer?.close();
      outbox.close();
      lock.release();
      log.info('agent stopped', { agent: config.id });
    },
  };
}

/** `wardwatch agent --once`: one snapshot, printed, nothing sent. */
export async function snapshotOnce(config: AgentConfig, log: Logger): Promise<{ inventory: Inventory; samples: Sample[] }> {
  const inventory = await collectInventory({ role: config.role, version: VERSION, intervalS: config.intervalMs / 1000, labels: { ...config.labels } });
  const collectors = createCollectors(config, { lastCollectMs: () => undefined });
  const now = Date.now();
  await Promise.all(collectors.map((c) => c.prime?.(now).catch(() => undefined)));
  await new Promise((r) => setTimeout(r, 1_000)); // one second of counters for the rates
  const samples = await collectAll(collectors, Date.now(), log, new RateLimiter(60_000));
  return { inventory, samples };
}
