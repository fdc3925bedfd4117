// Backup freshness on a real directory: files with set modification times (a nightly full at
// 01:00, hourly incrementals), patterns, subdirectories, an empty dump, a missing directory.

import t from 'tap';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../common/log.js';
import { backupCheck, globRegex } from '../../../agent/checks/backup.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { tmpDir } from '../../helpers/tmp.js';

const ctx = { agentId: 'his-db-01', dataDir: '/nonexistent', log: silentLogger };
const HOUR = 3_600_000;

function file(dir: string, name: string, ageHours: number, size = 1024): void {
  writeFileSync(join(dir, name), Buffer.alloc(size, 1));
  const at = new Date(Date.now() - ageHours * HOUR);
  utimesSync(join(dir, name), at, at);
}

async function check(spec: Record<string, unknown>) {
  const full = { name: 'his-db-backup', type: 'backup', ...spec };
  return (await runOnce(schedule(backupCheck.create(full as never, ctx), full))).outcome;
}

t.test('nightly full: the newest matching file decides', async (t) => {
  const dir = tmpDir(t);
  file(dir, 'his-full-20250601.dump', 30.5, 4096);
  file(dir, 'his-full-20250602.dump', 6.5, 8192);
  file(dir, 'his-incr-20250602-0700.dump', 0.5);
  file(dir, 'README.txt', 0.1);
  const ok = await check({ path: dir, pattern: 'his-full-*.dump', max_age: '26h' });
  t.equal(ok.status, 'ok');
  t.equal(ok.summary, 'newest his-full-20250602.dump, 6.5 h old, 8.0 KB');
  t.same(ok.fields, { age_hours: 6.5, newest_bytes: 8192, files: 2 });
  t.equal(ok.target, `file:${join(dir, 'his-full-*.dump')}`);
  const late = await check({ path: dir, pattern: 'his-full-*.dump', max_age: '6h' });
  t.equal(late.status, 'critical');
  t.equal(late.summary, 'newest his-full-20250602.dump, 6.5 h old, 8.0 KB (max 6.0 h)');
  const warn = await check({ path: dir, pattern: 'his-full-*.dump', max_age: '26h', warn_age: '4h' });
  t.equal(warn.status, 'warning');
});

t.test('hourly incrementals, subdirectories, empty dumps, nothing there', async (t) => {
  const dir = tmpDir(t);
  mkdirSync(join(dir, '2025-06-01'));
  mkdirSync(join(dir, '2025-06-02'));
  file(join(dir, '2025-06-01'), 'incr-2300.trn', 8);
  file(join(dir, '2025-06-02'), 'incr-0600.trn', 1.5);
  t.equal((await check({ path: dir, pattern: '*.trn', max_age: '2h' })).summary, `no file matching *.trn in ${dir}`, 'subdirectories only when asked');
  const rec = await check({ path: dir, pattern: 'incr-[0-9][0-9]00.trn', recursive: true, max_age: '2h' });
  t.equal(rec.status, 'ok');
  t.equal(rec.summary, 'newest 2025-06-02/incr-0600.trn, 1.5 h old, 1.0 KB');
  t.equal(rec.fields?.files, 2);
  file(join(dir, '2025-06-02'), 'incr-0700.trn', 0.2, 0);
  const empty = await check({ path: dir, pattern: '*.trn', recursive: true, max_age: '2h' });
  t.equal(empty.status, 'critical');
  t.match(empty.summary, /incr-0700\.trn, 12 min old, 0 B: smaller than 1 B$/);
  t.same(await check({ path: join(dir, 'nope'), max_age: '1h' }), { status: 'critical', summary: `cannot read ${join(dir, 'nope')}: directory not found`, target: `file:${join(dir, 'nope', '*')}` });
});

t.test('file name patterns', async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['his-full-*.dump', 'his-full-20250601.dump', true],
    ['his-full-*.dump', 'his-full-20250601.dump.tmp', false],
    ['incr-??00.trn', 'incr-0600.trn', true],
    ['incr-??00.trn', 'incr-0630.trn', false],
    ['[!.]*.bak', '.hidden.bak', false],
    ['[!.]*.bak', 'db.bak', true],
    ['a+b(1).zip', 'a+b(1).zip', true],
    ['*.BAK', 'db.bak', false],
  ];
  for (const [p, name, want] of cases) t.equal(globRegex(p).test(name), want, `${p} ~ ${name}`);
  t.ok(globRegex('*.BAK', true).test('db.bak'), 'case-insensitive on Windows');
});
