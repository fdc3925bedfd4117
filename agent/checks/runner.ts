// Runs the configured checks, each on its own interval at its own offset, with a timeout, and
// publishes every result as an event. Results are batched for up to a second so a burst of
// checks becomes one message. A check that throws is "unknown" (the check itself could not
// run); one that overruns its timeout is "critical" (the target did not answer in time).

import { durationMs } from '../../common/duration.js';
import { RateLimiter, type Logger } from '../../common/log.js';
import type { CheckResult } from '../../protocol/schema.js';
import { offsetFor, startInterval, type IntervalLoop } from '../../common/interval.js';
import type { Check, CheckCommon, CheckOutcome } from './check.js';
import { ms } from './check.js';
import { RollingWindow } from './stats.js';

export interface ScheduledCheck {
  check: Check;
  spec: CheckCommon;
  intervalMs: number;
  timeoutMs: number;
  windowMs: number;
}

export interface RunnerOptions {
  agentId: string;
  log: Logger;
  publish: (results: CheckResult[], ts: number) => void;
  flushMs?: number;
  now?: () => number;
}

export function schedule(check: Check, spec: CheckCommon): ScheduledCheck {
  return {
    check,
    spec,
    intervalMs: durationMs(spec.interval ?? '60s'),
    timeoutMs: durationMs(spec.timeout ?? '10s'),
    windowMs: durationMs(spec.window ?? '15m'),
  };
}

/** Runs one check once with its timeout; never throws. */
export async function runOnce(s: ScheduledCheck): Promise<{ outcome: CheckOutcome; durationMs: number }> {
  const controller = new AbortController();
  const started = performance.now();
  const timedOut: CheckOutcome = { status: 'critical', summary: `no answer within ${ms(s.timeoutMs)}`, errorClass: 'timeout' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      // Resolve first: a check that rejects on abort must not turn a timeout into "unknown".
      resolve(timedOut);
      controller.abort();
    }, s.timeoutMs);
  });
  let outcome: CheckOutcome;
  try {
    outcome = await Promise.race([s.check.run(controller.signal), timeout]);
  } catch (err) {
    outcome = controller.signal.aborted ? timedOut : { status: 'unknown', summary: `check failed: ${(err as Error).message}`.slice(0, 500) };
  } finally {
    clearTimeout(timer);
  }
  return { outcome, durationMs: performance.now() - started };
}

function clean(fields: CheckOutcome['fields']): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(k)) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) continue;
    out[k] = typeof v === 'string' ? v.slice(0, 256) : v;
    if (Object.keys(out).length >= 24) break;
  }
  return out;
}

export class CheckRunner {
  private readonly loops: IntervalLoop[] = [];
  private readonly windows = new Map<string, RollingWindow>();
  private pending: CheckResult[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly limiter = new RateLimiter(60_000);
  private readonly now: () => number;

  constructor(
    private readonly checks: ScheduledCheck[],
    private readonly opts: RunnerOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    for (const s of this.checks) {
      if (s.spec.schedule) continue; // cron-scheduled inspections are started by the scheduler
      this.loops.push(
        startInterval({
          intervalMs: s.intervalMs,
          offsetMs: offsetFor(`${this.opts.agentId}/${s.check.name}`, s.intervalMs),
          run: async () => {
            await this.runAndReport(s);
          },
        }),
      );
    }
  }

  /** Runs a check now and queues its result; also used by the cron scheduler and tests. */
  async runAndReport(s: ScheduledCheck): Promise<CheckResult> {
    const { outcome, durationMs } = await runOnce(s);
    const window = this.windows.get(s.check.name) ?? new RollingWindow(s.windowMs);
    this.windows.set(s.check.name, window);
    const figures = window.add(this.now(), outcome.status === 'ok' || outcome.status === 'warning', durationMs);
    const result: CheckResult = {
      check: s.check.name,
      type: s.check.type,
      status: outcome.status,
      summary: outcome.summary.slice(0, 512),
      duration_ms: Math.round(durationMs * 100) / 100,
      ...(outcome.target ? { target: outcome.target.slice(0, 256) } : {}),
      ...(s.spec.labels ? { labels: s.spec.labels } : {}),
      ...(s.spec.node ? { node: s.spec.node } : {}),
      ...(s.spec.target_node ? { target_node: s.spec.target_node } : {}),
      ...(outcome.errorClass && outcome.status !== 'ok' ? { error_class: outcome.errorClass } : {}),
      fields: { ...clean(outcome.fields), error_rate_percent: figures.error_rate_percent, latency_mean_ms: figures.latency_mean_ms, latency_p95_ms: figures.latency_p95_ms },
    };
    if (outcome.status !== 'ok' && this.limiter.allow(`check:${s.check.name}:${outcome.status}`) >= 0) {
      this.opts.log.info('check result', { check: s.check.name, status: outcome.status, summary: result.summary });
    }
    this.queue(result);
    return result;
  }

  private queue(result: CheckResult): void {
    this.pending.push(result);
    if (this.pending.length >= 100) this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.opts.flushMs ?? 1_000);
  }

  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0, 500);
    this.opts.publish(batch, this.now());
    if (this.pending.length > 0) this.flush();
  }

  async stop(): Promise<void> {
    for (const l of this.loops) l.stop();
    this.flush();
    await Promise.all(this.checks.map((s) => s.check.close?.().catch(() => undefined)));
  }
}
