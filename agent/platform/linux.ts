// Linux processes and systemd units for the process and service checks. Processes are read
// in-process from /proc/<pid>/{stat,cmdline,status} (no `ps`); systemd has no D-Bus-free
// interface for a unit's state, so the service check runs `systemctl show` once per run, at
// the check's own interval. Parsers are pure and tested on recorded files.

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Clock ticks per second (USER_HZ): 100 on every Linux architecture Node runs on. */
export const CLK_TCK = 100;

export interface PidStat {
  comm: string;
  state: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** Start time after boot, in clock ticks: with the pid, identifies one process across runs. */
  startTicks: number;
}

/** /proc/<pid>/stat: "pid (comm) state ppid … utime(14) stime(15) … starttime(22) …"; comm may hold spaces and parentheses. */
export function parsePidStat(text: string): PidStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const start = Number(rest[19]);
  if (!rest[0] || !Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(start)) return undefined;
  return { comm: text.slice(open + 1, close), state: rest[0], cpuTicks: utime + stime, startTicks: start };
}

/** /proc/<pid>/cmdline: arguments separated (and ended) by NUL; empty for kernel threads. */
export function parseCmdline(data: Buffer | string): string[] {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** VmRSS from /proc/<pid>/status, in bytes; undefined for kernel threads. */
export function parseVmRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

export interface LinuxProcess extends PidStat {
  pid: number;
}

// stat and status are read synchronously: they never wait on a process's memory lock, and a
// few hundred small sync reads cost a fifth of the CPU of as many promises (bench/check-costs).
// cmdline can block behind a process stuck in the kernel (the reason `ps` sometimes hangs), so
// it is read asynchronously and only for candidates.
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended between readdir and read
  }
}

/** Every process's stat line; processes that end while being read are skipped. */
export async function listProcesses(procRoot = '/proc'): Promise<LinuxProcess[]> {
  const out: LinuxProcess[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    const text = readText(`${procRoot}/${name}/stat`);
    const s = text === undefined ? undefined : parsePidStat(text);
    if (s) out.push({ pid: Number(name), ...s });
  }
  return out;
}

export async function readCmdline(pid: number, procRoot = '/proc'): Promise<string[] | undefined> {
  const data = await readFile(`${procRoot}/${pid}/cmdline`).catch(() => undefined);
  return data === undefined ? undefined : parseCmdline(data);
}

export async function readRss(pid: number, procRoot = '/proc'): Promise<number | undefined> {
  const text = readText(`${procRoot}/${pid}/status`);
  return text === undefined ? undefined : parseVmRss(text);
}

// ── systemd ─────────────────────────────────────────────────────────────────────────────

export const UNIT_PROPERTIES = ['LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'NRestarts', 'Result', 'MainPID'] as const;

/** `systemctl show -p …` output: KEY=VALUE lines, in systemd's own order. */
export function parseSystemctlShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return out;
}

export type SystemctlAnswer = { ok: true; properties: Record<string, string> } | { ok: false; reason: string };

/** Asks systemd for a unit's state. A systemctl that cannot reach systemd answers with why, never throws. */
export function systemctlShow(unit: string, signal: AbortSignal, command = 'systemctl'): Promise<SystemctlAnswer> {
  return new Promise((resolve) => {
    execFile(
      command,
      ['show', `--property=${UNIT_PROPERTIES.join(',')}`, '--', unit],
      { signal, timeout: 10_000, env: { ...process.env, LC_ALL: 'C', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' }, maxBuffer: 64 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, properties: parseSystemctlShow(stdout) });
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ ok: false, reason: `${command} not found` });
        if (signal.aborted) return resolve({ ok: false, reason: 'systemctl did not answer in time' });
        const first = String(stderr).split('\n').find((l) => l.trim()) ?? err.message;
        resolve({ ok: false, reason: first.trim().slice(0, 200) });
      },
    );
  });
}
