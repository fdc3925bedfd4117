// Linux platform: /proc parsers on files recorded from a Debian 12 host (a process whose comm
// holds spaces and parentheses, a kernel thread, a busy node process), the live /proc of this
// machine, and `systemctl show` output: fixtures in the format systemd 252 prints, plus the real
// systemctl of this machine, where systemd is not PID 1.

import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listProcesses, parseCmdline, parsePidStat, parseSystemctlShow, parseVmRss, readCmdline, readRss, systemctlShow } from '../../../agent/platform/linux.js';

const fixtures = join(fileURLToPath(import.meta.url), '..', 'fixtures');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

t.test('/proc/<pid>/stat: comm with spaces and parentheses, kernel thread, CPU ticks', async (t) => {
  t.same(parsePidStat(fixture('pid-stat-odd-comm.txt')), { comm: 'his worker) (1', state: 'S', cpuTicks: 0, startTicks: 309853 });
  t.same(parsePidStat(fixture('pid-stat-kthread.txt')), { comm: 'kthreadd', state: 'S', cpuTicks: 0, startTicks: 11 });
  t.same(parsePidStat(fixture('pid-stat-busy.txt')), { comm: 'node', state: 'R', cpuTicks: 154, startTicks: 310112 });
  t.equal(parsePidStat('garbage'), undefined);
  t.equal(parsePidStat('12 (x) S 1 2'), undefined, 'a truncated line is refused, not read as zeros');
});

t.test('/proc/<pid>/cmdline and status', async (t) => {
  const args = parseCmdline(readFileSync(join(fixtures, 'pid-cmdline.bin')));
  t.same(args, ['sh', '-c', 'sleep 3', 'his-registration', '--port', '8080 8081'], 'arguments with spaces stay whole');
  t.same(parseCmdline(''), [], 'kernel threads have an empty command line');
  t.equal(parseVmRss(fixture('pid-status.txt')), 3048 * 1024);
  t.equal(parseVmRss('Name:\tkthreadd\nState:\tS (sleeping)\n'), undefined);
});

t.test('the live /proc: this test process is listed with its command line and memory', async (t) => {
  const all = await listProcesses();
  const self = all.find((p) => p.pid === process.pid);
  t.ok(self, 'own pid listed');
  t.ok(self!.cpuTicks > 0, 'this process has used CPU');
  const args = await readCmdline(process.pid);
  t.ok(args && args.length > 1, 'a node process has arguments');
  t.ok(args?.some((a) => a.includes('linux.test')), 'cmdline names this test file');
  t.ok((await readRss(process.pid))! > 10 * 2 ** 20, 'rss of a node process is over 10 MB');
  t.equal(await readCmdline(2 ** 30), undefined, 'a process that is gone reads as undefined');
});

t.test('systemctl show: parsed from systemd\'s KEY=VALUE output', async (t) => {
  t.same(parseSystemctlShow(fixture('systemctl-active.txt')), {
    MainPID: '1432', NRestarts: '0', Result: 'success', LoadState: 'loaded', ActiveState: 'active', SubState: 'running', UnitFileState: 'enabled',
  });
  t.equal(parseSystemctlShow(fixture('systemctl-not-found.txt')).UnitFileState, '', 'empty values stay empty');
  t.same(parseSystemctlShow('Description=A=B\n'), { Description: 'A=B' }, 'only the first = splits');
});

t.test('systemctl on a host where it cannot reach systemd answers why, and the missing binary too', async (t) => {
  const signal = new AbortController().signal;
  if (existsSync('/run/systemd/system')) {
    const r = await systemctlShow('wardwatch-no-such-unit.service', signal);
    t.ok(r.ok && r.properties.LoadState === 'not-found', 'a host running systemd knows the unit is not there');
  } else {
    const r = await systemctlShow('cron.service', signal);
    t.same(r, { ok: false, reason: fixture('systemctl-no-systemd.stderr.txt').split('\n')[0] }, 'the real systemctl\'s first line of stderr');
  }
  t.same(await systemctlShow('x', signal, 'systemctl-not-installed-here'), { ok: false, reason: 'systemctl-not-installed-here not found' });
});
