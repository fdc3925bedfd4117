// The service check: systemd states from `systemctl show` fixtures, the real systemctl of this
// machine (where systemd is not PID 1, so it cannot answer), and Windows services through the
// strict PowerShell stand-in.

import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../common/log.js';
import { parseSystemctlShow } from '../../../agent/platform/linux.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { serviceCheck, systemdOutcome, windowsOutcome } from '../../../agent/checks/service.js';
import { fakePowerShell } from '../platform/powershell.js';

const ctx = { agentId: 'his-db-01', dataDir: '/nonexistent', log: silentLogger };
const fixtures = join(fileURLToPath(import.meta.url), '..', '..', 'platform', 'fixtures');
const show = (name: string) => parseSystemctlShow(readFileSync(join(fixtures, name), 'utf8'));

function make(service: string, host = {}) {
  const spec = { name: 'db-service', type: 'service', service, timeout: '3s' };
  return schedule(serviceCheck.create(spec as never, ctx, host), spec);
}

t.test('systemd states', async (t) => {
  const cases = [
    { file: 'systemctl-active.txt', status: 'ok', summary: 'postgresql active (running)', restarts: 0 },
    { file: 'systemctl-oneshot.txt', status: 'ok', summary: 'postgresql active (exited)', restarts: 0 },
    { file: 'systemctl-activating.txt', status: 'warning', summary: 'postgresql activating (auto-restart)', restarts: 3 },
    { file: 'systemctl-failed.txt', status: 'critical', summary: 'postgresql failed (failed), result exit-code', restarts: 5 },
    { file: 'systemctl-inactive-disabled.txt', status: 'critical', summary: 'postgresql inactive (dead), disabled', restarts: 0 },
    { file: 'systemctl-not-found.txt', status: 'critical', summary: 'unit postgresql not found', restarts: 0 },
  ];
  for (const c of cases) {
    const o = systemdOutcome('postgresql', show(c.file));
    t.equal(o.status, c.status, c.file);
    t.equal(o.summary, c.summary, c.file);
    t.equal(o.fields?.restarts, c.restarts, c.file);
  }
});

t.test('the real systemctl here: unknown, with systemd\'s own reason', async (t) => {
  const r = await runOnce(make('cron'));
  if (existsSync('/run/systemd/system')) {
    t.not(r.outcome.status, 'unknown', 'on a host running systemd the unit state is read');
  } else {
    t.same(r.outcome, { status: 'unknown', summary: 'cannot ask systemd: System has not been booted with systemd as init system (PID 1). Can\'t operate.', target: 'systemd:cron' });
  }
  const missing = await runOnce(make('cron', { systemctl: 'no-systemctl-here' }));
  t.same(missing.outcome, { status: 'unknown', summary: 'cannot ask systemd: no-systemctl-here not found', target: 'systemd:cron' });
});

t.test('Windows services through the PowerShell session', async (t) => {
  const ps = fakePowerShell(t, 500);
  const win = (name: string) => runOnce(make(name, { os: 'win32', powershell: ps }));
  t.same((await win('MSSQLSERVER')).outcome, { status: 'ok', summary: 'SQL Server (MSSQLSERVER) running (start auto)', target: 'winsvc:MSSQLSERVER', fields: { state: 'Running', start_mode: 'Auto' } });
  t.same((await win('Spooler')).outcome, { status: 'critical', summary: '打印后台处理程序 stopped (start auto, exit code 1066)', target: 'winsvc:Spooler', fields: { state: 'Stopped', start_mode: 'Auto' } });
  t.equal((await win('HISUpdate')).outcome.status, 'warning', 'start pending');
  t.same((await win('NoSuchSvc')).outcome, { status: 'critical', summary: 'service NoSuchSvc is not installed', target: 'winsvc:NoSuchSvc' });
  t.same((await win('ErrSvc')).outcome, { status: 'unknown', summary: 'check failed: Access denied' }, 'a WMI error means the probe could not look');
  t.equal(ps.starts, 1);
});

t.test('outcomes as data', async (t) => {
  t.equal(windowsOutcome('x', { name: 'x', displayName: '', state: 'Stopped', startMode: 'Manual', exitCode: 1077 }).summary, 'x stopped (start manual)', '1077: never started, not a failure code');
  t.equal(windowsOutcome('x', { name: 'x', displayName: 'X', state: 'Paused', startMode: 'Auto', exitCode: 0 }).status, 'warning');
  t.equal(systemdOutcome('u', { LoadState: 'loaded', ActiveState: 'maintenance', SubState: '?' }).status, 'unknown');
});
