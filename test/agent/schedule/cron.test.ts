// The inspection scheduler with the real node-cron on second-level schedules: runs happen and
// are remembered in data_dir; a slot that passed while the agent was down, or while the
// previous run was still going, is published as a warning; bad expressions stop the agent at
// start; and node-cron is never imported by an agent without inspections.

import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { silentLogger } from '../../../common/log.js';
import type { Check } from '../../../agent/checks/check.js';
import { localTime } from '../../../agent/checks/format.js';
import { runOnce, schedule, type ScheduledCheck } from '../../../agent/checks/runner.js';
import { missedAtStart, missedOutcome, startCron, statePath, type StateFile } from '../../../agent/schedule/cron.js';
import type { CheckResult } from '../../../protocol/schema.js';
import { ROOT } from '../../helpers/cli.js';
import { eventually, sleep, tmpDir } from '../../helpers/tmp.js';

function inspection(name: string, expr: string, runMs = 0): { s: ScheduledCheck; runs: number[] } {
  const runs: number[] = [];
  const check: Check = {
    name,
    type: 'backup',
    async run() {
      runs.push(Date.now());
      if (runMs) await sleep(runMs);
      return { status: 'ok', summary: 'newest his-full.dump, 2.0 h old' };
    },
  };
  return { s: schedule(check, { name, type: 'backup', schedule: expr, timeout: '10s' }), runs };
}

function reporter() {
  const results: CheckResult[] = [];
  return { results, runAndReport: async (s: ScheduledCheck): Promise<CheckResult> => {
    const { outcome, durationMs } = await runOnce(s);
    const r: CheckResult = { check: s.check.name, type: s.check.type, status: outcome.status, summary: outcome.summary, duration_ms: durationMs, ...(outcome.fields ? { fields: outcome.fields } : {}) };
    results.push(r);
    return r;
  } };
}

t.test('missed slots, as data', async (t) => {
  const expr = '0 1 * * *';
  t.equal(missedAtStart(undefined, expr, 1000), undefined, 'a new inspection has missed nothing');
  t.equal(missedAtStart({ schedule: expr, next_due: 500, last_run: 100 }, expr, 1000), 500);
  t.equal(missedAtStart({ schedule: expr, next_due: 500, last_run: 500 }, expr, 1000), undefined, 'it ran');
  t.equal(missedAtStart({ schedule: expr, next_due: 2000 }, expr, 1000), undefined, 'not due yet');
  t.equal(missedAtStart({ schedule: '0 2 * * *', next_due: 500 }, expr, 1000), undefined, 'rescheduled: the old slot does not count');
  const at = new Date(2025, 5, 2, 1, 0, 0).getTime();
  t.same(missedOutcome([at], 'the agent was not running'), { status: 'warning', summary: `missed run scheduled at ${localTime(at)} (the agent was not running)`, fields: { missed_runs: 1 } });
  t.match(localTime(at), /^2025-06-02 01:00 [+-]\d\d:\d\d$/);
  t.equal(missedOutcome([at + 3_600_000, at], 'x').summary, `missed 2 runs, the first scheduled at ${localTime(at)} (x)`);
});

t.test('scheduled runs happen and are remembered', async (t) => {
  const dataDir = tmpDir(t);
  const a = inspection('nightly-backup', '* * * * * *');
  const rep = reporter();
  const cron = await startCron([a.s], { dataDir, log: silentLogger, runAndReport: rep.runAndReport });
  t.teardown(() => cron.stop());
  await eventually(() => a.runs.length >= 2, 5_000, 'two runs');
  t.ok(a.runs.every((r, i) => i === 0 || r - a.runs[i - 1]! >= 900), 'about a second apart');
  await eventually(() => {
    const st = JSON.parse(readFileSync(statePath(dataDir), 'utf8')) as StateFile;
    return st['nightly-backup']?.last_run !== undefined && st['nightly-backup'].next_due! > st['nightly-backup'].last_run;
  }, 3_000, 'state saved');
  t.ok(rep.results.every((r) => r.status === 'ok'));
  t.ok((cron.nextRuns()['nightly-backup'] ?? 0) > Date.now() - 1000);
  await cron.stop();
  const n = a.runs.length;
  await sleep(1_300);
  t.equal(a.runs.length, n, 'no runs after stop');
});

t.test('a slot that passed while the agent was down is reported at start', async (t) => {
  const dataDir = tmpDir(t);
  const due = new Date(2025, 5, 2, 1, 0, 0).getTime();
  writeFileSync(statePath(dataDir), JSON.stringify({ 'nightly-backup': { schedule: '0 1 * * *', last_run: due - 86_400_000, next_due: due } }));
  const a = inspection('nightly-backup', '0 1 * * *');
  const rep = reporter();
  const cron = await startCron([a.s], { dataDir, log: silentLogger, runAndReport: rep.runAndReport });
  t.teardown(() => cron.stop());
  await eventually(() => rep.results.length === 1, 2_000, 'the missed-run result');
  t.same(rep.results[0], { check: 'nightly-backup', type: 'backup', status: 'warning', summary: `missed run scheduled at ${localTime(due)} (the agent was not running)`, duration_ms: rep.results[0]?.duration_ms, fields: { missed_runs: 1 } });
  t.equal(a.runs.length, 0, 'the inspection itself waits for its next slot');
  const saved = JSON.parse(readFileSync(statePath(dataDir), 'utf8')) as StateFile;
  t.ok(saved['nightly-backup']!.next_due! > Date.now(), 'the next slot is remembered, so the miss is reported once');
  await cron.stop();
  const again = reporter();
  const cron2 = await startCron([a.s], { dataDir, log: silentLogger, runAndReport: again.runAndReport });
  await sleep(300);
  await cron2.stop();
  t.same(again.results, [], 'a restart does not report it again');
});

t.test('a slot skipped because the previous run was still going is reported', async (t) => {
  const dataDir = tmpDir(t);
  const slow = inspection('slow-inspection', '* * * * * *', 2_300);
  const rep = reporter();
  const cron = await startCron([slow.s], { dataDir, log: silentLogger, runAndReport: rep.runAndReport });
  t.teardown(() => cron.stop());
  const missed = await eventually(() => rep.results.find((r) => r.status === 'warning'), 6_000, 'an overlap warning');
  t.match(missed.summary, /^missed (run scheduled at|\d+ runs, the first scheduled at) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(the previous run was still going\)$/);
  t.equal(slow.runs.length, 1, 'runs never overlap');
});

t.test('a bad cron expression stops the agent at start, naming the check', async (t) => {
  const a = inspection('weekly-certs', '0 25 * * *');
  await t.rejects(startCron([a.s], { dataDir: tmpDir(t), log: silentLogger, runAndReport: reporter().runAndReport }), /check weekly-certs: schedule "0 25 \* \* \*" is not a cron expression: hour/);
});

t.test('node-cron is imported only when an agent has inspections', async (t) => {
  // Walk the static imports from the agent's entry points; node-cron must only be reached through import().
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*import\s+(?!type\b)[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec === 'node-cron') offenders.push(file);
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(join(ROOT, 'agent', 'main.ts'));
  visit(join(ROOT, 'cli', 'commands', 'agent.ts'));
  t.ok(seen.has(join(ROOT, 'agent', 'schedule', 'cron.ts')) || readFileSync(join(ROOT, 'agent', 'main.ts'), 'utf8').includes("import('./schedule/cron.js')"), 'the scheduler is wired into the agent');
  t.same(offenders, [], 'no static import of node-cron on the agent\'s path');
  t.match(readFileSync(join(ROOT, 'agent', 'schedule', 'cron.ts'), 'utf8'), /await import\('node-cron'\)/);
});
