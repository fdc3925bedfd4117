// The time-series writer: a message sink and a decision sink of the pipeline. `accept()` and
// `deliver()` map what they get to points and queue them; they never wait for InfluxDB. One
// loop writes batches (by size or interval); while InfluxDB is down or slow, points wait in
// bounded memory and spill to disk, and are written in arrival order when it is back. Every
// point that cannot be kept is counted (wardwatch_timeseries_points_dropped_total{reason}) and
// logged at a limited rate.
//
//   accept/deliver/recordTicketEvent ─▶ admit ─▶ memory ──spill──▶ disk segments
//                                                   │                   │
//   loop: setup (database, policies, CQs) ─▶ batch: in flight ◀─ disk first, then memory ─▶ InfluxDB

import { durationMs } from '../../common/duration.js';
import { RateLimiter, type Logger } from '../../common/log.js';
import type { Message } from '../../protocol/schema.js';
import type { Incident } from '../correlate/incident.js';
import type { Decision } from '../engine/engine.js';
import type { AgentRecord } from '../evaluate/fleet.js';
import type { DecisionSink, MessageSink } from '../ingest/pipeline.js';
import type { CorrelatorMetrics } from '../observe/metrics.js';
import type { CommitResult } from '../store/store.js';
import { SeriesRegistry } from './admit.js';
import { Backlog, type Batch } from './backlog.js';
import { classifyError, createInfluxClient, type WriteFailure } from './client.js';
import type { InfluxSettings } from './config.js';
import { fleetPoints, incidentCountPoints, TicketBook } from './gauges.js';
import { decisionPoints, messagePoints, ticketPoint, type Point, type TicketEvent } from './points.js';
import { LateRollups } from './late.js';
import { continuousQueries, ensureRetention } from './retention.js';
import { describeSchema } from './schema.js';
import type { InfluxDB } from 'influx';

/** What the writer reads for its gauges; the engine provides it. */
export interface WriterView {
  readonly fleet: { readonly agents: ReadonlyMap<string, AgentRecord> };
  openIncidents(): Incident[];
}

export interface TimeseriesWriterOptions {
  settings: InfluxSettings;
  metrics: CorrelatorMetrics;
  log: Logger;
  clock?: () => number;
  view?: WriterView;
}

const BACKOFF_MS = { initial: 500, max: 30_000 };
const STOP_FLUSH_MS = 5_000;

export class TimeseriesWriter implements MessageSink, DecisionSink {
  readonly name = 'timeseries';
  readonly influx: InfluxDB;
  private readonly s: InfluxSettings;
  private readonly registry: SeriesRegistry;
  private readonly waiting: Backlog;
  private readonly late: LateRollups;
  private readonly tickets = new TicketBook();
  private readonly limiter = new RateLimiter(30_000);
  private readonly clock: () => number;
  private ready = false;
  private wasDown = false;
  private failures = 0;
  private stopping = false;
  private lastFlushAt = 0;
  private eventSeq = 0;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private snapshotTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: TimeseriesWriterOptions) {
    this.s = opts.settings;
    this.clock = opts.clock ?? Date.now;
    this.influx = createInfluxClient(this.s);
    this.registry = new SeriesRegistry(describeSchema(), this.s.database, (schema) => this.influx.addSchema(schema));
    this.waiting = new Backlog({
      memoryPoints: this.s.memoryPoints,
      batchSize: this.s.batchSize,
      spoolDir: this.s.spoolDir,
      spoolBytes: this.s.spoolBytes,
      onDrop: (reason, n, detail) => this.dropped(reason, n, detail),
      onChange: () => this.updateBacklog(),
    });
    this.late = new LateRollups({
      lateMs: this.s.rollupLateMs,
      cqs: () => continuousQueries(this.s, describeSchema()),
      influx: this.influx,
      clock: this.clock,
      isCaughtUp: () => this.waiting.caughtUp,
      onDone: (measurements, from) => opts.log.info('time series: rollups recomputed for samples written late', { from: new Date(from).toISOString(), measurements: measurements.join(',') }),
      onError: (err) => this.logLimited('backfill', 'warn', 'time series: recomputing rollups failed; will retry', { error: classifyError(err, this.s).detail }),
    });
    if (this.waiting.onDisk > 0) opts.log.info('time series waiting on disk from the last run', { points: this.waiting.onDisk, dir: this.s.spoolDir });
    this.updateBacklog();
  }

  /** Points not yet in InfluxDB: in memory, in flight and on disk. */
  get backlog(): number {
    return this.waiting.size;
  }

  start(): void {
    this.loopDone = this.loop().catch((err: Error) => this.opts.log.error('time-series writer stopped by a bug', { error: err.message }));
    if (this.opts.view) this.snapshotTimer = setInterval(() => this.snapshot(), this.s.snapshotIntervalMs);
  }

  // ── sinks: map, admit, queue; never wait ──────────────────────────────────────────────

  accept(message: Message, agent: AgentRecord | undefined, _at?: number): void {
    for (const p of messagePoints(message, agent)) this.enqueue(p);
  }

  deliver(decisions: readonly Decision[], _result: CommitResult): void {
    for (const p of decisionPoints(decisions, this.clock(), () => this.nextSeq())) this.enqueue(p);
  }

  /**
   * A ticket event from the ticket service (acknowledged, escalated, resolved, …), written to
   * the `ticket` measurement and kept for the SLA gauges. `responseDue`/`resolveDue` are the
   * deadlines in ms since the epoch. Throws only on malformed input, never because InfluxDB is down.
   */
  recordTicketEvent(e: TicketEvent): void {
    const bad = ticketEventProblem(e);
    if (bad) throw new TypeError(`recordTicketEvent: ${bad}`);
    const site = e.site ?? this.opts.view?.openIncidents().find((i) => i.id === e.incidentId)?.site;
    this.tickets.apply(e, site);
    this.enqueue(ticketPoint(e, site, this.nextSeq()));
  }

  /** Writes the fleet, open-incident and SLA gauges now (also done every snapshot interval). */
  snapshot(): void {
    const view = this.opts.view;
    if (!view) return;
    const at = this.clock();
    const agents = [...view.fleet.agents.values()];
    const open = view.openIncidents();
    const sites = new Set([...agents.map((a) => a.site), ...open.map((i) => i.site)]);
    for (const p of [...fleetPoints(agents, at), ...incidentCountPoints(open, sites, at), ...this.tickets.points(at)]) this.enqueue(p);
  }

  private nextSeq(): number {
    this.eventSeq = (this.eventSeq + 1) % 1000;
    return this.eventSeq;
  }

  private enqueue(raw: Point): void {
    const { point, skipped } = this.registry.admit(raw);
    if (skipped) {
      this.opts.metrics.timeseriesSamplesSkipped.inc({ reason: skipped.reason });
      if (this.limiter.allow(`skip:${skipped.what}`) >= 0) this.opts.log.warn('time series: not in the metric catalogue, not written', { reason: skipped.reason, what: skipped.what });
    }
    if (!point) return;
    this.waiting.push(point);
    if (this.waiting.memorySize >= this.s.batchSize) this.wake?.();
  }

// ── the loop: one batch at a time ─────────────────────────────────────────────────────

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (!this.ready && !(await this.setup())) {
        await this.pause();
        continue;
      }
      const batch = await this.waiting.next(this.stopping || this.clock() - this.lastFlushAt >= this.s.batchIntervalMs);
      if (!batch) {
        await this.idle();
        continue;
      }
      if (!(await this.writeBatch(batch))) await this.pause();
    }
  }

  private async setup(): Promise<boolean> {
    try {
      const report = await ensureRetention(this.influx, this.s, describeSchema(), durationMs);
      const counts = { created: report.created.length, altered: report.altered.length, dropped: report.dropped.length };
      this.opts.log.info('time series ready', { url: this.s.url, database: this.s.database, ...Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)) });
      for (const c of report.created) this.opts.log.debug(`time series: created ${c}`);
      for (const c of [...report.altered.map((a) => `altered ${a}`), ...report.dropped.map((d) => `dropped ${d}`)]) this.opts.log.info(`time series: ${c}`);
      this.ready = true;
      this.up();
      return true;
    } catch (err) {
      this.failed(classifyError(err, this.s), 'setup');
      return false;
    }
  }

  /** Writes a batch, slice by slice; true when it is done with (written, or refused for good). */
  private async writeBatch(batch: Batch): Promise<boolean> {
    while (batch.offset < batch.points.length) {
      const slice = batch.points.slice(batch.offset, batch.offset + this.s.batchSize);
      const end = this.opts.metrics.timeseriesWriteSeconds.startTimer();
      try {
        for (const [rp, points] of byPolicy(slice)) await this.writePoints(points, rp);
        end();
        this.written(slice);
      } catch (err) {
        end();
        const failure = classifyError(err, this.s);
        this.failed(failure, 'write');
        if (failure.retry) return false;
        // Refused for good (a type conflict, a malformed point): InfluxDB kept what it could.
        this.dropped('rejected', failure.refused ?? slice.length);
      }
      batch.offset += slice.length;
    }
    this.lastFlushAt = this.clock();
    this.waiting.done(batch);
    if (this.backlog === 0) for (const w of this.idleWaiters.splice(0)) w();
    if (this.waiting.caughtUp) this.late.caughtUp();
    return true;
  }

  private async writePoints(points: Point[], rp: string): Promise<void> {
    const ipoints = points.map((p) => ({ measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.ts }));
    await this.influx.writePoints(ipoints, { retentionPolicy: rp, precision: 'u' });
  }

  private written(points: Point[]): void {
    const m = this.opts.metrics;
    m.timeseriesPointsWritten.inc(points.length);
    if (!this.waiting.healthy) this.up();
    this.failures = 0;
    this.late.note(points);
  }

  private up(): void {
    this.waiting.healthy = true;
    this.opts.metrics.timeseriesUp.set(1);
    if (this.wasDown) this.opts.log.info('time series: InfluxDB is back; catching up', { backlog: this.backlog });
    this.wasDown = false;
  }

  // ── bookkeeping ───────────────────────────────────────────────────────────────────────

  private failed(f: WriteFailure, during: 'setup' | 'write'): void {
    this.opts.metrics.timeseriesWriteErrors.inc({ reason: f.code });
    if (f.code === 'not-found') this.ready = false;
    if (!f.retry) {
      this.logLimited(`refused:${f.code}`, 'error', 'time series: InfluxDB refused points', { code: f.code, error: f.detail });
      return;
    }
    this.failures++;
    this.waiting.healthy = false;
    this.wasDown = true;
    this.opts.metrics.timeseriesUp.set(0);
    this.logLimited(`down:${f.code}`, 'warn', during === 'setup' ? 'time series: cannot set up InfluxDB; buffering' : 'time series: write failed; buffering', {
      url: this.s.url,
      code: f.code,
      error: f.detail,
      backlog: this.backlog,
    });
  }

  private dropped(reason: string, n: number, detail?: string): void {
    if (n <= 0) return;
    this.opts.metrics.timeseriesPointsDropped.inc({ reason }, n);
    this.logLimited(`drop:${reason}`, 'error', 'time series: points dropped', { reason, points: n, ...(detail ? { detail } : {}) });
  }

  private logLimited(key: string, level: 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
    const suppressed = this.limiter.allow(key);
    if (suppressed >= 0) this.opts.log[level](msg, { ...fields, ...(suppressed ? { suppressed } : {}) });
  }

  private updateBacklog(): void {
    const b = this.opts.metrics.timeseriesBacklog;
    b.set({ where: 'memory' }, this.waiting?.inMemory ?? 0);
    b.set({ where: 'disk' }, this.waiting?.onDisk ?? 0);
  }

  private pause(): Promise<void> {
    const ms = Math.min(BACKOFF_MS.max, BACKOFF_MS.initial * 2 ** Math.min(this.failures, 10));
    return this.sleep(ms * (0.75 + Math.random() * 0.5));
  }

  private idle(): Promise<void> {
    return this.sleep(Math.max(10, this.s.batchIntervalMs - (this.clock() - this.lastFlushAt)));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Resolves once everything queued so far is in InfluxDB (or the time is up: false). */
  async flush(timeoutMs = 30_000): Promise<boolean> {
    if (this.backlog === 0) return true;
    this.lastFlushAt = 0;
    this.wake?.();
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Stops the loop; gives InfluxDB a few seconds for what is in memory, and puts the rest on
   * disk for the next start (or counts it as dropped when the disk buffer is off).
   */
  async stop(): Promise<void> {
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    this.late.stop();
    this.stopping = true;
    this.wake?.();
    // A request to a hung InfluxDB can take the whole timeout; do not wait longer than 5 s.
    await Promise.race([this.loopDone, new Promise((r) => setTimeout(r, Math.min(this.s.timeoutMs, STOP_FLUSH_MS)).unref())]);
    const deadline = Date.now() + STOP_FLUSH_MS;
    while (this.ready && this.waiting.healthy && Date.now() < deadline) {
      const batch = await this.waiting.next(true);
      if (!batch || !(await this.writeBatch(batch))) break;
    }
    const parked = await this.waiting.park();
    if (parked > 0) this.opts.log.info('time series: points kept on disk for the next start', { points: parked });
  }
}

function byPolicy(points: Point[]): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  for (const p of points) {
    let list = out.get(p.rp);
    if (!list) out.set(p.rp, (list = []));
    list.push(p);
  }
  return out;
}

function ticketEventProblem(e: TicketEvent): string | undefined {
  if (!e || typeof e !== 'object') return 'expected an object';
  if (!Number.isSafeInteger(e.ticketId) || e.ticketId < 0) return `ticketId: expected a non-negative integer, got ${JSON.stringify(e.ticketId)}`;
  if (!Number.isSafeInteger(e.incidentId) || e.incidentId < 0) return `incidentId: expected a non-negative integer, got ${JSON.stringify(e.incidentId)}`;
  if (typeof e.action !== 'string' || !/^[a-z][a-z-]{0,31}$/.test(e.action)) return `action: expected a word like "acknowledged", got ${JSON.stringify(e.action)}`;
  if (typeof e.priority !== 'string' || !/^P[1-4]$/.test(e.priority)) return `priority: expected P1 … P4, got ${JSON.stringify(e.priority)}`;
  if (typeof e.actor !== 'string' || e.actor === '') return 'actor: expected a user name';
  if (!Number.isFinite(e.at)) return `at: expected milliseconds since the epoch, got ${JSON.stringify(e.at)}`;
  for (const k of ['responseDue', 'resolveDue'] as const) if (e[k] !== undefined && !Number.isFinite(e[k])) return `${k}: expected milliseconds since the epoch, got ${JSON.stringify(e[k])}`;
  return undefined;
}
