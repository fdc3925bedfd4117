// Rollups for samples written late. Continuous queries recompute only the last `late` minutes,
// so samples older than that (caught up after an InfluxDB outage, or replayed from an agent's
// spool) would be missing from the 1-minute and 1-hour rollups. The writer notes, per
// measurement, the oldest such sample; once it has caught up, the rollups of those
// measurements are recomputed from there. Recomputing is heavy (a SELECT … INTO over the whole
// period), so it runs one at a time and at most once per `late / 10` (1 minute by default);
// late samples that keep arriving are gathered into the next run.

import type { InfluxDB } from 'influx';
import type { Point } from './points.js';
import { backfillStatements, type ContinuousQuery } from './retention.js';

export class LateRollups {
  private readonly from = new Map<string, number>();
  private running = false;
  private stopped = false;
  private lastRunAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private readonly gapMs: number;

  constructor(
    private readonly opts: {
      lateMs: number;
      cqs: () => ContinuousQuery[];
      influx: InfluxDB;
      clock: () => number;
      /** Whether the writer has caught up now (checked again when a deferred run is due). */
      isCaughtUp: () => boolean;
      onDone: (measurements: string[], fromMs: number) => void;
      onError: (err: unknown) => void;
    },
  ) {
    this.gapMs = Math.min(60_000, Math.max(1_000, opts.lateMs / 10));
  }

  get pending(): boolean {
    return this.from.size > 0;
  }

  /** Notes the raw samples of a written batch that are older than the continuous queries look. */
  note(points: readonly Point[]): void {
    const cutoff = this.opts.clock() - this.opts.lateMs;
    for (const p of points) {
      if (p.rp !== 'raw') continue;
      const ms = p.ts / 1000;
      if (ms >= cutoff) continue;
      const have = this.from.get(p.measurement);
      if (have === undefined || ms < have) this.from.set(p.measurement, ms);
    }
  }

  /** Call when the writer has caught up; runs now, or once the gap since the last run has passed. */
  caughtUp(): void {
    if (this.from.size === 0 || this.running || this.timer || this.stopped) return;
    if (!this.opts.isCaughtUp()) return;
    const wait = this.lastRunAt + this.gapMs - this.opts.clock();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.caughtUp();
      }, wait);
      this.timer.unref();
      return;
    }
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    this.running = true;
    this.lastRunAt = this.opts.clock();
    const ranges = new Map(this.from);
    this.from.clear();
    const to = this.opts.clock();
    let ok = false;
    try {
      for (const stmt of backfillStatements(this.opts.cqs(), ranges, to)) await this.opts.influx.query(stmt);
      this.opts.onDone([...ranges.keys()].sort(), Math.min(...ranges.values()));
      ok = true;
    } catch (err) {
      // Put the ranges back: the next catch-up (a successful write) tries again.
      for (const [m, from] of ranges) this.from.set(m, Math.min(from, this.from.get(m) ?? from));
      this.opts.onError(err);
    } finally {
      this.running = false;
    }
    // Late samples written while this run was busy: their turn comes after the gap.
    if (ok) this.caughtUp();
  }
}
