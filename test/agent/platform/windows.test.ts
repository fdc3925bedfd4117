// Windows platform, tested on Linux: the pure parsers on outputs in the shape ConvertTo-Json
// gives the module's WMI queries (including Chinese names and null command lines), and the
// PowerShell session against a strict stand-in that accepts only the exact command line,
// preamble and framing the module must send (fake-powershell.mjs).

import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  frameRequest,
  parseProcesses,
  parseResponseLine,
  parseService,
  PowerShellSession,
  processQuery,
  serviceQuery,
  windowsProcesses,
  windowsService,
} from '../../../agent/platform/windows.js';
import { tmpDir } from '../../helpers/tmp.js';
import { fakePowerShell } from './powershell.js';

const here = join(fileURLToPath(import.meta.url), '..');
const fixture = (name: string) => readFileSync(join(here, 'fixtures', name), 'utf8');

t.test('Win32_Process as JSON: CPU from 100 ns units, null command lines, Chinese paths', async (t) => {
  const all = parseProcesses(fixture('win-processes-all.json'));
  t.equal(all.length, 4);
  t.same(all[0], { pid: 0, name: 'System Idle Process', commandLine: '', workingSetBytes: 8192, cpuSeconds: 9876543.21 });
  t.equal(all[2]?.cpuSeconds, 203.125, '(1875000000 + 156250000) × 100 ns');
  t.equal(all[3]?.commandLine, '"C:\\HIS\\HISClient.exe" /dept:门诊');
  t.same(parseProcesses('[]'), []);
  t.same(parseProcesses('{"ProcessId":7,"Name":"a.exe"}').map((p) => p.pid), [7], 'a single object (no array) is one process');
});

t.test('Win32_Service as JSON', async (t) => {
  t.same(parseService(fixture('win-service-stopped.json')), { name: 'Spooler', displayName: '打印后台处理程序', state: 'Stopped', startMode: 'Auto', exitCode: 1066 });
  t.equal(parseService('[]'), undefined, 'not installed');
});

t.test('queries: name filters go into WQL only when they are plain names', async (t) => {
  t.equal(processQuery('java'), `ConvertTo-Json -Compress -InputObject @(Get-CimInstance -ClassName Win32_Process -Filter "Name='java' OR Name='java.exe'" | Select-Object ProcessId,Name,CommandLine,WorkingSetSize,UserModeTime,KernelModeTime)`);
  t.throws(() => processQuery("x' OR Name LIKE '%"), /not a Windows process or service name/);
  t.throws(() => serviceQuery('a"; Remove-Item C:\\ -Recurse; "'), /not a Windows process or service name/);
});

t.test('framing: one request per line, answers recognised by id', async (t) => {
  t.notOk(frameRequest(3, 'x').includes('\n'));
  t.same(parseResponseLine('<<ww:3:ok>>[{"a":1}]\r'), { id: 3, ok: true, payload: '[{"a":1}]' });
  t.same(parseResponseLine('<<ww:4:err>>Access denied'), { id: 4, ok: false, payload: 'Access denied' });
  t.equal(parseResponseLine('PS C:\\> '), undefined);
});

t.test('one session answers process and service questions in turn', async (t) => {
  const log = join(tmpDir(t), 'ps.log');
  writeFileSync(log, '');
  const ps = fakePowerShell(t, 5_000, log);
  const [java, svc, none] = await Promise.all([windowsProcesses(ps, 'java'), windowsService(ps, 'MSSQLSERVER'), windowsService(ps, 'NoSuchSvc')]);
  t.same(java.map((p) => p.pid), [4312, 5120]);
  t.equal(svc?.state, 'Running');
  t.equal(none, undefined);
  t.equal(ps.starts, 1, 'one PowerShell process for all three questions');
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  t.equal(lines.length, 4, 'the preamble and three requests');
  t.notOk(lines.some((l) => l.startsWith('VIOLATION')));
});

t.test('a PowerShell error rejects that question only; a hang or a crash restarts the session', async (t) => {
  const ps = fakePowerShell(t, 400);
  await t.rejects(windowsService(ps, 'ErrSvc'), /Access denied/);
  t.equal((await windowsService(ps, 'MSSQLSERVER'))?.state, 'Running', 'the session survives an error');
  await t.rejects(windowsService(ps, 'HangSvc'), /did not answer within 400 ms/);
  t.equal((await windowsService(ps, 'MSSQLSERVER'))?.state, 'Running', 'a fresh session after the hang');
  t.equal(ps.starts, 2);
  await t.rejects(windowsService(ps, 'CrashSvc'), /PowerShell exited \(code 1\)/);
  t.equal((await windowsService(ps, 'Spooler'))?.state, 'Stopped', 'and again after a crash');
  t.equal(ps.starts, 3);
});

t.test('PowerShell that cannot start is an error, not a crash', async (t) => {
  const ps = new PowerShellSession({ command: 'powershell-not-installed-here.exe', timeoutMs: 2_000 });
  await t.rejects(ps.ask('1'), /PowerShell could not start: .*ENOENT/);
  ps.close();
});
