// Everything Windows-specific the checks need: processes (with command lines and CPU times)
// and services, asked of WMI through ONE persistent PowerShell session per agent.
//
// Why a persistent session, not `tasklist /fo csv` and `sc.exe query`: tasklist has no command
// lines (HIS and PACS servers on Windows are java.exe or w3wp.exe told apart only by their
// arguments) and its CPU time has one-second resolution; both tools print localized text
// (Chinese Windows: "映像名称", "12,345 K", translated errors), while ConvertTo-Json is the same
// everywhere. Why not a PowerShell per run: starting powershell.exe costs far more CPU than the
// query itself (systeminformation moved to a persistent session for that reason). The session
// is started on first use (never on an agent whose checks do not need it), shared by all
// checks, asked one question at a time, and restarted after a crash or a hang.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface WinProcess {
  pid: number;
  name: string;
  commandLine: string;
  workingSetBytes: number;
  /** User + kernel time in seconds. */
  cpuSeconds: number;
}

export interface WinService {
  name: string;
  displayName: string;
  /** Win32_Service.State: Running, Stopped, Start Pending, Stop Pending, Paused, … */
  state: string;
  /** Auto, Manual, Disabled, Boot, System. */
  startMode: string;
  exitCode: number;
}

/** Names are checked by the config schema; this is the second fence before they enter a WQL filter. */
function wqlLiteral(value: string): string {
  if (!/^[A-Za-z0-9 ._$@-]{1,256}$/.test(value)) throw new Error(`not a Windows process or service name: ${JSON.stringify(value)}`);
  return value;
}

/** The PowerShell line that lists processes (filtered by image name in WMI when one is given). */
export function processQuery(name?: string): string {
  const filter = name === undefined ? '' : ` -Filter "Name='${wqlLiteral(name)}' OR Name='${wqlLiteral(name)}.exe'"`;
  return `ConvertTo-Json -Compress -InputObject @(Get-CimInstance -ClassName Win32_Process${filter} | Select-Object ProcessId,Name,CommandLine,WorkingSetSize,UserModeTime,KernelModeTime)`;
}

export function serviceQuery(name: string): string {
  return `ConvertTo-Json -Compress -InputObject @(Get-CimInstance -ClassName Win32_Service -Filter "Name='${wqlLiteral(name)}'" | Select-Object Name,DisplayName,State,StartMode,ExitCode)`;
}

function list(json: string): Array<Record<string, unknown>> {
  const v = JSON.parse(json.trim() || '[]') as unknown;
  return (Array.isArray(v) ? v : [v]).filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object');
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);

export function parseProcesses(json: string): WinProcess[] {
  return list(json).map((p) => ({
    pid: num(p.ProcessId),
    name: String(p.Name ?? ''),
    commandLine: typeof p.CommandLine === 'string' ? p.CommandLine : '',
    workingSetBytes: num(p.WorkingSetSize),
    cpuSeconds: (num(p.UserModeTime) + num(p.KernelModeTime)) / 1e7, // 100 ns units
  }));
}

/** The service, or undefined when none by that name is installed. */
export function parseService(json: string): WinService | undefined {
  const s = list(json)[0];
  if (!s) return undefined;
  return { name: String(s.Name ?? ''), displayName: String(s.DisplayName ?? ''), state: String(s.State ?? 'Unknown'), startMode: String(s.StartMode ?? ''), exitCode: num(s.ExitCode) };
}

// ── the session ─────────────────────────────────────────────────────────────────────────

export const POWERSHELL_ARGS = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-InputFormat', 'Text', '-Command', '-'];
/** First line of every session: UTF-8 out (the console default on Chinese Windows is GBK), no progress bars, errors stop. */
export const POWERSHELL_PREAMBLE = "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; $ProgressPreference = 'SilentlyContinue'; $ErrorActionPreference = 'Stop'";

/** One request as one input line; the answer is one output line starting with <<ww:id:ok>> or <<ww:id:err>>. */
export function frameRequest(id: number, script: string): string {
  return `try { $r = (${script}); [Console]::Out.WriteLine('<<ww:${id}:ok>>' + $r) } catch { [Console]::Out.WriteLine('<<ww:${id}:err>>' + ($_.Exception.Message -replace '\\s+', ' ')) }; [Console]::Out.Flush()`;
}

export function parseResponseLine(line: string): { id: number; ok: boolean; payload: string } | undefined {
  const m = /^<<ww:(\d+):(ok|err)>>(.*)$/.exec(line.replace(/\r$/, ''));
  return m ? { id: Number(m[1]), ok: m[2] === 'ok', payload: m[3] as string } : undefined;
}

export interface SessionOptions {
  command?: string;
  args?: string[];
  /** A question not answered in this time kills the session (a wedged WMI provider); the next one starts afresh. */
  timeoutMs?: number;
  /** Extra time for the first question of a new session: powershell.exe takes a second or more to start. */
  startupMs?: number;
}

export class PowerShellSession {
  private child: ChildProcessWithoutNullStreams | undefined;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private waiting: { id: number; resolve: (v: string) => void; reject: (e: Error) => void } | undefined;
  private buffered = '';
  starts = 0;

  constructor(private readonly opts: SessionOptions = {}) {}

  /** Runs one PowerShell expression that yields a string; questions are answered one at a time. */
  ask(script: string): Promise<string> {
    const answer = this.queue.then(() => this.send(script));
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.opts.command ?? 'powershell.exe', this.opts.args ?? POWERSHELL_ARGS, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.starts++;
    this.buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => this.onData(d));
    child.stderr.resume(); // errors come back framed; anything else on stderr is noise
    child.on('error', (err) => this.drop(child, `PowerShell could not start: ${err.message}`));
    child.on('exit', (code) => this.drop(child, `PowerShell exited (code ${code})`));
    child.stdin.on('error', () => undefined);
    child.stdin.write(POWERSHELL_PREAMBLE + '\n');
    this.child = child;
    return child;
  }

  private send(script: string): Promise<string> {
    const fresh = !this.child;
    const child = this.ensure();
    const id = this.nextId++;
    const limit = this.opts.timeoutMs ?? 15_000;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.drop(child, `PowerShell did not answer within ${limit} ms`);
        child.kill();
      }, limit + (fresh ? (this.opts.startupMs ?? 10_000) : 0));
      this.waiting = {
        id,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      child.stdin.write(frameRequest(id, script) + '\n');
    });
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const r = parseResponseLine(line);
      const w = this.waiting;
      if (!r || !w || r.id !== w.id) continue; // prompts, warnings, answers to questions given up on
      this.waiting = undefined;
      if (r.ok) w.resolve(r.payload);
      else w.reject(new Error(r.payload.slice(0, 300)));
    }
    if (this.buffered.length > 4 << 20) this.buffered = ''; // no sane answer is this long without a newline
  }

  private drop(child: ChildProcessWithoutNullStreams, why: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(new Error(why));
  }

  close(): void {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.stdin.end('exit\n');
    setTimeout(() => child.kill(), 2_000).unref();
  }
}

// One session per agent process, opened by the first check that needs it, closed by the last.
let shared: { session: PowerShellSession; users: number } | undefined;

export function acquirePowerShell(opts?: SessionOptions): PowerShellSession {
  shared ??= { session: new PowerShellSession(opts), users: 0 };
  shared.users++;
  return shared.session;
}

export function releasePowerShell(): void {
  if (!shared) return;
  if (--shared.users <= 0) {
    shared.session.close();
    shared = undefined;
  }
}

export async function windowsProcesses(session: PowerShellSession, name?: string): Promise<WinProcess[]> {
  return parseProcesses(await session.ask(processQuery(name)));
}

export async function windowsService(session: PowerShellSession, name: string): Promise<WinService | undefined> {
  return parseService(await session.ask(serviceQuery(name)));
}
