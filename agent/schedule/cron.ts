// Inspections: checks with a cron `schedule:` instead of an `interval:` (backups each morning,
// certificates weekly, a forecast every hour). node-cron keeps the clock; it costs about 7 MB
// of RSS, so it is imported only when an agent has at least one scheduled check.
//
// A run that did not happen is itself a result: each inspection's last run and next due slot
// are kept in <data_dir>/inspections.json. At start, a due slot that passed while the agent
// was down is published as a warning "missed run scheduled at …"; while running, a slot skipped
// because the previous run was still going, or because the process was frozen (a suspended VM,
// a clock jump), is reported the same way.

import { join } from 'node:path';
import { UserError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { CheckResult } from '../../protocol/schema.js';
import type { CheckOutcome } from '../checks/check.js';
import { localTime } from '../checks/format.js';
import type { ScheduledCheck } from '../checks/runner.js';
import { loadJson, saveJson } from '../checks/state-file.js';

export interface InspectionState {
  schedule: string;
  /** When the last run started (ms since the epoch). */
  last_run?: number;
  /** The next slot as known at the last save; passed at start means the agent missed it. */
  next_due?: number;
}

export type StateFile = Record<string, InspectionState>;

export interface CronOptions {
  dataDir: string;
  log: Logger;
  /** Runs a check and publishes its result: CheckRunner.runAndReport. */
  runAndReport: (s: ScheduledCheck) => Promise<CheckResult>;
  now?: () => number;
}

export interface CronScheduler {
  /** Next slot of each inspection, for logs and tests. */
  nextRuns(): Record<string, number | undefined>;
  stop(): Promise<void>;
}

/** The outcome published for runs that did not happen. */
export function missedOutcome(slots: readonly number[], why: string): CheckOutcome {
  const first = localTime(Math.min(...slots));
  const summary = slots.length === 1 ? `missed run scheduled at ${first} (${why})` : `missed ${slots.length} runs, the first scheduled at ${first} (${why})`;
  return { status: 'warning', summary, fields: { missed_runs: slots.length } };
}

/** Slots that passed without a run while the agent was not running. */
export function missedAtStart(state: InspectionState | undefined, schedule: string, now: number): number | undefined {
  if (!state || state.schedule !== schedule || state.next_due === undefined) return undefined; // new or rescheduled: nothing was due yet
  if (state.next_due > now) return undefined;
  if (state.last_run !== undefined && state.last_run >= state.next_due) return undefined;
  return state.next_due;
}

export function statePath(dataDir: string): string {
  return join(dataDir, 'inspections.json');
}

/** Missed slots arrive one event each (after a suspend, dozens at once): one result per check per burst. */
function missedReporter(opts: CronOptions): (s: ScheduledCheck, slot: number, why: string) => void {
  const pending = new Map<string, { s: ScheduledCheck; slots: number[]; why: string }>();
  return (s, slot, why) => {
    const entry = pending.get(s.check.name);
    if (entry) return void entry.slots.push(slot);
    pending.set(s.check.name, { s, slots: [slot], why });
    setImmediate(() => {
      const e = pending.get(s.check.name);
      pending.delete(s.check.name);
      if (!e) return;
      const outcome = missedOutcome(e.slots, e.why);
      opts.log.warn('inspection missed', { check: s.check.name, summary: outcome.summary });
      void opts.runAndReport({ ...e.s, check: { name: e.s.check.name, type: e.s.check.type, run: async () => outcome } });
    });
  };
}

/** Saves the state file; writes are queued so two runs finishing together cannot interleave. */
function stateWriter(file: string, state: StateFile, log: Logger): () => Promise<void> {
  let saving = Promise.resolve();
  return () => {
    saving = saving.then(() => saveJson(file, state)).catch((err: Error) => log.warn('cannot save inspection state', { file, error: err.message }));
    return saving;
  };
}

/** Refuses a schedule that is not a cron expression, naming the check. */
export async function validateSchedules(checks: readonly ScheduledCheck[]): Promise<void> {
  if (checks.length === 0) return;
  const cron = await import('node-cron');
  for (const s of checks) {
    const expr = s.spec.schedule as string;
    const v = cron.validateDetailed(expr);
    if (!v.valid) throw new UserError(`check ${s.check.name}: schedule "${expr}" is not a cron expression: ${v.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  }
}

export async function startCron(checks: readonly ScheduledCheck[], opts: CronOptions): Promise<CronScheduler> {
  const cron = await import('node-cron');
  const now = opts.now ?? Date.now;
  await validateSchedules(checks);
  const file = statePath(opts.dataDir);
  const raw = await loadJson(file);
  const loaded = (raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as StateFile; // missing or damaged: nothing was due
  const state: StateFile = {};
  const save = stateWriter(file, state, opts.log);
  const reportMissed = missedReporter(opts);
  const cronLog = { info: () => {}, debug: () => {}, warn: (m: string) => opts.log.debug('node-cron', { message: m }), error: (m: string | Error) => opts.log.warn('node-cron', { error: String((m as Error)?.message ?? m) }) };

  const tasks = checks.map((s) => {
    const expr = s.spec.schedule as string;
    const name = s.check.name;
    const task = cron.createTask(
      expr,
      async () => {
        state[name] = { ...state[name], schedule: expr, last_run: now() };
        await save();
        await opts.runAndReport(s).catch((err: Error) => opts.log.warn('inspection failed', { check: name, error: err.message }));
        state[name] = { ...state[name], schedule: expr, next_due: task.getNextRun()?.getTime() ?? state[name]?.next_due };
        await save();
      },
      // Late is better than never for an inspection: a run up to 5 minutes late still runs.
      { name: `wardwatch:${name}`, noOverlap: true, missedExecutionTolerance: 300_000, logger: cronLog },
    );
    task.on('execution:overlap', (ctx) => reportMissed(s, ctx.date.getTime(), 'the previous run was still going'));
    task.on('execution:missed', (ctx) => reportMissed(s, ctx.date.getTime(), 'the agent was not scheduled in time'));
    const missed = missedAtStart(loaded[name], expr, now());
    if (missed !== undefined) reportMissed(s, missed, 'the agent was not running');
    task.start();
    state[name] = { ...loaded[name], schedule: expr, next_due: task.getNextRun()?.getTime() };
    return { name, task };
  });
  await save();

  return {
    nextRuns: () => Object.fromEntries(tasks.map(({ name, task }) => [name, task.getNextRun()?.getTime()])),
    async stop() {
      for (const { task } of tasks) await task.destroy();
      await save();
    },
  };
}
