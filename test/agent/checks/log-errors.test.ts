// Error-rate growth on a real log file: following from the end, counting only complete new
// lines, surviving a restart (position in data_dir), rotation by rename (logrotate's default)
// and by truncation (copytruncate); growth judged against the previous window; and no line
// content, which may hold patient data, in anything the check reports.

import t from 'tap';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../common/log.js';
import { judge, logErrorsCheck } from '../../../agent/checks/log-errors.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { tmpDir } from '../../helpers/tmp.js';

const line = (level: string, i: number) => `2025-06-01 08:00:${String(i % 60).padStart(2, '0')} ${level} [registration] 患者 张三 visit V-${i}\n`;
const lines = (level: string, n: number) => Array.from({ length: n }, (_, i) => line(level, i)).join('');

t.test('follow, count, rotate, truncate, restart', async (t) => {
  const dir = tmpDir(t);
  const dataDir = tmpDir(t);
  const log = join(dir, 'his-app.log');
  writeFileSync(log, lines('ERROR', 500)); // history before the agent came: not counted
  const spec = { name: 'his-app-errors', type: 'log_errors', path: log, pattern: ' (ERROR|FATAL) ' };
  const make = () => schedule(logErrorsCheck.create(spec as never, { agentId: 'his-app-01', dataDir, log: silentLogger }), spec);
  const s = make();

  const first = await runOnce(s);
  t.same(first.outcome, { status: 'ok', summary: `following ${log} from its end; counting starts with the next run`, target: `file:${log}` });

  appendFileSync(log, lines('INFO', 20) + lines('ERROR', 3) + '2025-06-01 08:01:00 ERROR half a li');
  const second = await runOnce(s);
  t.equal(second.outcome.status, 'ok');
  t.same({ errors: second.outcome.fields?.errors, lines: second.outcome.fields?.lines }, { errors: 3, lines: 23 }, 'the unfinished line waits');
  t.match(second.outcome.summary, /^3 errors in \d+ s \([\d.]+\/min\)$/);

  appendFileSync(log, 'ne\n');
  const restarted = await runOnce(make());
  t.equal(restarted.outcome.fields?.errors, 1, 'after a restart the line finished meanwhile is counted once');

  // logrotate: rename, then the application opens a new file.
  appendFileSync(log, lines('ERROR', 4));
  renameSync(log, `${log}.1`);
  writeFileSync(log, lines('FATAL', 2) + lines('INFO', 5));
  const rotated = await runOnce(s);
  t.same({ errors: rotated.outcome.fields?.errors, lines: rotated.outcome.fields?.lines }, { errors: 6, lines: 11 }, 'the rest of the old file, then the new one');

  // copytruncate: the same file is emptied and written again.
  truncateSync(log, 0);
  appendFileSync(log, lines('ERROR', 2));
  const truncated = await runOnce(s);
  t.equal(truncated.outcome.fields?.errors, 2);
  t.match(truncated.outcome.summary, /\(truncated\)$/);

  for (const r of [first, second, restarted, rotated, truncated]) {
    const text = JSON.stringify(r);
    t.notOk(text.includes('张三') || text.includes('V-'), 'no line content leaves the agent');
  }
});

t.test('a growing error rate is a warning; thresholds per minute', async (t) => {
  const dir = tmpDir(t);
  const dataDir = tmpDir(t);
  const log = join(dir, 'lis.log');
  writeFileSync(log, '');
  const spec = { name: 'lis-errors', type: 'log_errors', path: log, pattern: 'error', ignore_case: true, min_errors: 10 };
  const s = schedule(logErrorsCheck.create(spec as never, { agentId: 'lis-01', dataDir, log: silentLogger }), spec);
  await runOnce(s);
  await new Promise((r) => setTimeout(r, 200));
  appendFileSync(log, lines('error', 12));
  const base = await runOnce(s);
  t.equal(base.outcome.status, 'ok', 'the first window has nothing to compare with');
  await new Promise((r) => setTimeout(r, 200));
  appendFileSync(log, lines('Error', 60));
  const grown = await runOnce(s);
  t.equal(grown.outcome.status, 'warning');
  t.match(grown.outcome.summary, /^60 errors in \d+ s \([\d.]+\/min\), \d+\.\d× the previous window$/);
  t.ok((grown.outcome.fields?.growth_ratio as number) > 2);
});

t.test('judgement as data', async (t) => {
  const spec = { warn_per_minute: 5, critical_per_minute: 20, growth: 2, min_errors: 10 };
  t.match(judge(300, 10, 1, spec), { status: 'critical', why: 'over 20/min' });
  t.match(judge(60, 10, 5.9, spec), { status: 'warning', why: 'over 5/min' });
  t.match(judge(40, 10, 1, spec), { status: 'warning', why: '4.0× the previous window', growth: 4 });
  t.match(judge(12, 10, 0, {}), { status: 'warning', why: 'up from none in the previous window' });
  t.match(judge(8, 10, 0, {}), { status: 'ok' }, 'too few errors to call it growth');
  t.match(judge(30, 10, undefined, {}), { status: 'ok', why: '' }, 'no previous window yet');
  t.match(judge(0, 0, 1, {}), { status: 'ok', rate: 0 });
});

t.test('a missing log is unknown, with the reason', async (t) => {
  const dir = tmpDir(t);
  const spec = { name: 'x', type: 'log_errors', path: join(dir, 'nope.log'), pattern: 'ERROR' };
  const r = await runOnce(schedule(logErrorsCheck.create(spec as never, { agentId: 'a', dataDir: dir, log: silentLogger }), spec));
  t.same(r.outcome, { status: 'unknown', summary: `cannot read ${join(dir, 'nope.log')}: ENOENT`, target: `file:${join(dir, 'nope.log')}` });
  t.throws(() => logErrorsCheck.create({ ...spec, pattern: '[' } as never, { agentId: 'a', dataDir: dir, log: silentLogger }), /check x: pattern: invalid regular expression/);
});
