// The process check on this machine's real /proc (a child process the test starts, busy on
// purpose), on a /proc tree built from recorded files (the 15-character comm limit), and on
// Windows outputs through the strict PowerShell stand-in.

import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../common/log.js';
import { cpuPercent, linuxMatches, processCheck } from '../../../agent/checks/process.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { eventually, sleep, tmpDir } from '../../helpers/tmp.js';
import { fakePowerShell } from '../platform/powershell.js';

const ctx = { agentId: 'his-app-01', dataDir: '/nonexistent', log: silentLogger };
const fixtures = join(fileURLToPath(import.meta.url), '..', '..', 'platform', 'fixtures');

function make(spec: Record<string, unknown>, host = {}) {
  const full = { name: 'his-server-process', type: 'process', ...spec };
  return schedule(processCheck.create(full as never, ctx, host), full);
}

t.test('a busy child process: counted, its CPU between runs and its memory; gone is critical', async (t) => {
  const marker = `wardwatch-test-busy-${process.pid}`;
  const child = spawn(process.execPath, ['-e', 'for (;;) {}', marker], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  const s = make({ process: 'node', cmdline: `-e for \\(;;\\) \\{\\} ${marker}$` });
  const first = await eventually(async () => {
    const r = await runOnce(s);
    return r.outcome.status === 'ok' ? r : undefined;
  }, 5_000, 'the child to be listed');
  t.equal(first.outcome.fields?.count, 1);
  t.equal(first.outcome.fields?.cpu_percent, undefined, 'no CPU figure before a second run');
  t.ok((first.outcome.fields?.rss_bytes as number) > 10 * 2 ** 20, 'a node process holds over 10 MB');
  await sleep(1_000);
  const second = await runOnce(s);
  const cpu = second.outcome.fields?.cpu_percent as number;
  t.ok(cpu > 10 && cpu < 110, `a busy loop shows up as CPU, at most one core (${cpu} %)`);
  t.match(second.outcome.summary, /^1 process running, [\d.]+ % CPU, [\d.]+ MB$/);
  t.equal(second.outcome.target, `process node, cmdline /-e for \\(;;\\) \\{\\} ${marker}$/`);

  const two = await runOnce(make({ cmdline: marker, min: 2 }));
  t.equal(two.outcome.status, 'critical');
  t.equal(two.outcome.summary, `1 of at least 2 processes running (cmdline /${marker}/)`);

  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const gone = await runOnce(s);
  t.equal(gone.outcome.status, 'critical');
  t.match(gone.outcome.summary, /^no process matches process node, cmdline \//);
  t.equal(gone.outcome.fields?.count, 0);
});

t.test('names longer than the kernel\'s 15-character comm match on the program file', async (t) => {
  const proc = tmpDir(t);
  const add = (pid: number, comm: string, args: string[]) => {
    mkdirSync(join(proc, String(pid)));
    const stat = readFileSync(join(fixtures, 'pid-stat-busy.txt'), 'utf8').replace(/^\d+ \(node\)/, `${pid} (${comm})`);
    writeFileSync(join(proc, String(pid), 'stat'), stat);
    writeFileSync(join(proc, String(pid), 'cmdline'), args.map((a) => `${a}\0`).join(''));
    writeFileSync(join(proc, String(pid), 'status'), readFileSync(join(fixtures, 'pid-status.txt')));
  };
  add(101, 'his-registratio', ['/opt/his/bin/his-registration-server', '--port', '8080']);
  add(102, 'his-registratio', ['/opt/his/bin/his-registration-worker']);
  add(103, 'postgres', ['postgres: checkpointer']);
  const found = await linuxMatches({ name: 'his-registration-server' }, proc);
  t.same(found, [{ key: '101/310112', cpuSeconds: 1.54, rssBytes: 3048 * 1024 }]);
  t.equal((await linuxMatches({ name: 'postgres' }, proc)).length, 1);
  t.equal((await linuxMatches({ cmdline: /checkpointer/ }, proc)).length, 1);
  t.equal((await linuxMatches({ name: 'his-registratio' }, proc)).length, 2, 'the comm itself also matches');

  const cache = new Map<string, string[]>();
  t.equal((await linuxMatches({ cmdline: /checkpointer/ }, proc, cache)).length, 1);
  t.same([...cache.keys()].sort(), ['101/310112', '102/310112', '103/310112'], 'command lines are kept by pid and start time');
  writeFileSync(join(proc, '103', 'cmdline'), 'changed\0');
  t.equal((await linuxMatches({ cmdline: /checkpointer/ }, proc, cache)).length, 1, 'and not read again');
  rmSync(join(proc, '103'), { recursive: true });
  await linuxMatches({ cmdline: /checkpointer/ }, proc, cache);
  t.notOk(cache.has('103/310112'), 'a process that ended leaves the cache');
});

t.test('CPU between runs counts only processes seen both times', async (t) => {
  const prev = new Map([['1/10', 5], ['2/20', 1]]);
  t.equal(cpuPercent(prev, [{ key: '1/10', cpuSeconds: 6, rssBytes: 0 }, { key: '3/30', cpuSeconds: 50, rssBytes: 0 }], 2), 50);
  t.equal(cpuPercent(prev, [{ key: '2/20', cpuSeconds: 0.5, rssBytes: 0 }], 2), 0, 'a counter going backwards is a new process, not negative CPU');
  t.equal(cpuPercent(undefined, [], 2), undefined);
});

t.test('Windows: processes from WMI through the PowerShell session', async (t) => {
  const ps = fakePowerShell(t);
  const java = make({ process: 'java.exe', cmdline: 'his-server\\.jar' }, { os: 'win32', powershell: ps });
  const r1 = await runOnce(java);
  t.equal(r1.outcome.status, 'ok', r1.outcome.summary);
  t.same(r1.outcome.fields, { count: 1, rss_bytes: 1288490188 });
  await sleep(1_000);
  const r2 = await runOnce(java);
  const cpu = r2.outcome.fields?.cpu_percent as number;
  t.ok(cpu > 60 && cpu < 105, `one more second of CPU per second or so: about 100 % (${cpu} %)`);
  const all = make({ process: 'java' }, { os: 'win32', powershell: ps });
  t.equal((await runOnce(all)).outcome.fields?.count, 2);
  const client = make({ process: 'HISClient.exe' }, { os: 'win32', powershell: ps });
  t.same((await runOnce(client)).outcome, { status: 'critical', summary: 'no process matches process HISClient.exe', target: 'process HISClient.exe', fields: { count: 0, rss_bytes: 0 } });
  const byCmdline = make({ cmdline: '/dept:门诊' }, { os: 'win32', powershell: ps });
  t.equal((await runOnce(byCmdline)).outcome.fields?.count, 1, 'command lines with Chinese text match');
  const portal = make({ process: 'w3wp.exe', cmdline: 'HISPortal' }, { os: 'win32', powershell: ps });
  t.same((await runOnce(portal)).outcome, {
    status: 'unknown',
    summary: '2 w3wp.exe processes whose command line this account may not read: run the agent as LocalSystem to match cmdline',
    target: 'process w3wp.exe, cmdline /HISPortal/',
    fields: { count: 0, rss_bytes: 0 },
  }, 'command lines hidden from the account: unknown, not a false "not running"');
  const anyPool = make({ process: 'w3wp.exe' }, { os: 'win32', powershell: ps });
  t.match((await runOnce(anyPool)).outcome, { status: 'ok', fields: { count: 2 } }, 'by name alone they are found');
  t.equal(ps.starts, 1, 'every check used the one session');
});

t.test('a process check needs process or cmdline, and a valid regex', async (t) => {
  t.throws(() => processCheck.create({ name: 'x', type: 'process' } as never, ctx), /check x: give process, cmdline or both/);
  t.throws(() => processCheck.create({ name: 'x', type: 'process', cmdline: '([' } as never, ctx), /check x: cmdline: invalid regular expression/);
});
