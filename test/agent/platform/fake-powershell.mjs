// A strict stand-in for `powershell.exe -Command -` (Windows cannot run here). It accepts
// exactly the command line, preamble and request framing that agent/platform/windows.ts must
// send, answers the known WMI queries from recorded-shape fixtures, and exits with code 3 on
// anything else, so a change in what the agent sends fails the tests.
//
// Special service names drive failure paths: HangSvc (never answers), CrashSvc (exits),
// ErrSvc (answers with a PowerShell error). Every answer is preceded by noise lines and
// split in two writes, as a real console may deliver it.

import { readFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name) => readFileSync(join(fixtures, name), 'utf8');
const log = process.env.FAKE_PS_LOG;
const fail = (why) => {
  process.stderr.write(`fake-powershell: ${why}\n`);
  if (log) appendFileSync(log, `VIOLATION ${why}\n`);
  process.exit(3);
};

const ARGS = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-InputFormat', 'Text', '-Command', '-'];
if (JSON.stringify(process.argv.slice(2)) !== JSON.stringify(ARGS)) fail(`unexpected arguments ${JSON.stringify(process.argv.slice(2))}`);

const PREAMBLE = "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; $ProgressPreference = 'SilentlyContinue'; $ErrorActionPreference = 'Stop'";
const FRAME = /^try \{ \$r = \((.*)\); \[Console\]::Out\.WriteLine\('<<ww:(\d+):ok>>' \+ \$r\) \} catch \{ \[Console\]::Out\.WriteLine\('<<ww:(\d+):err>>' \+ \(\$_\.Exception\.Message -replace '\\s\+', ' '\)\) \}; \[Console\]::Out\.Flush\(\)$/;
const PROC = 'ConvertTo-Json -Compress -InputObject @(Get-CimInstance -ClassName Win32_Process';
const PROC_FIELDS = ' | Select-Object ProcessId,Name,CommandLine,WorkingSetSize,UserModeTime,KernelModeTime)';
const SVC = /^ConvertTo-Json -Compress -InputObject @\(Get-CimInstance -ClassName Win32_Service -Filter "Name='([^']+)'" \| Select-Object Name,DisplayName,State,StartMode,ExitCode\)$/;

let calls = 0;
/** The java processes' CPU times grow by 1 s of user time per question, like a busy server. */
function javaProcesses() {
  calls++;
  return JSON.stringify(JSON.parse(fixture('win-processes-java.json')).map((p) => ({ ...p, UserModeTime: p.UserModeTime + calls * 10_000_000 })));
}

function answer(script) {
  if (script === `${PROC} -Filter "Name='java' OR Name='java.exe'"${PROC_FIELDS}`) return { ok: javaProcesses() };
  if (script === `${PROC} -Filter "Name='HISClient' OR Name='HISClient.exe'"${PROC_FIELDS}`) return { ok: '[]' };
  // IIS worker processes as an account that is not LocalSystem sees them: no command lines.
  if (script === `${PROC} -Filter "Name='w3wp' OR Name='w3wp.exe'"${PROC_FIELDS}`) return { ok: fixture('win-processes-w3wp-hidden.json') };
  if (script === `${PROC}${PROC_FIELDS}`) return { ok: fixture('win-processes-all.json') };
  const svc = SVC.exec(script);
  if (!svc) fail(`unexpected script ${script}`);
  switch (svc[1]) {
    case 'MSSQLSERVER': return { ok: fixture('win-service-running.json') };
    case 'Spooler': return { ok: fixture('win-service-stopped.json') };
    case 'HISUpdate': return { ok: fixture('win-service-pending.json') };
    case 'NoSuchSvc': return { ok: '[]' };
    case 'ErrSvc': return { err: 'Access denied' };
    case 'HangSvc': return { hang: true };
    case 'CrashSvc': return process.exit(1);
    default: return fail(`unknown service ${svc[1]}`);
  }
}

let first = true;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (log) appendFileSync(log, `${line}\n`);
  if (first) {
    first = false;
    if (line !== PREAMBLE) fail(`unexpected preamble ${line}`);
    return;
  }
  if (line === 'exit') process.exit(0);
  const m = FRAME.exec(line);
  if (!m || m[2] !== m[3]) fail(`unframed request ${line}`);
  const a = answer(m[1]);
  if (a.hang) return;
  const text = a.err !== undefined ? `<<ww:${m[2]}:err>>${a.err}` : `<<ww:${m[2]}:ok>>${a.ok}`;
  process.stdout.write('\r\nPS C:\\> \r\n');
  const half = Math.floor(text.length / 2);
  process.stdout.write(text.slice(0, half));
  setTimeout(() => process.stdout.write(`${text.slice(half)}\r\n`), 5);
});
