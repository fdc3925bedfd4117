// The system `ping` as an ICMP probe. Node has no ICMP sockets and native raw-socket modules
// would tie the agent to a compiler and a Node ABI, so a probe spawns iputils' ping once per
// target and run (a probe's job; terminals never run ICMP checks) and reads its summary lines.
// ping needs CAP_NET_RAW (a file capability on Debian) or a net.ipv4.ping_group_range that
// includes the agent's group; see the icmp section of README.md for the systemd settings.

import { spawn } from 'node:child_process';

export interface PingStats {
  transmitted: number;
  received: number;
  lossPercent: number;
  /** Round trips in ms; absent when nothing came back. */
  min?: number;
  avg?: number;
  max?: number;
}

export interface PingOptions {
  count: number;
  intervalMs: number;
  /** How long to wait for each reply. */
  waitMs: number;
  /** Hard end of the whole ping, whole seconds (iputils' -w takes integers). */
  deadlineS: number;
}

/** Reads the statistics lines of iputils, BusyBox and BSD ping. */
export function parsePing(output: string): PingStats | undefined {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output);
  if (!counts) return undefined;
  const transmitted = Number(counts[1]);
  const received = Number(counts[2]);
  const stats: PingStats = { transmitted, received, lossPercent: transmitted > 0 ? Math.round((1000 * (transmitted - received)) / transmitted) / 10 : 100 };
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(output);
  if (rtt && received > 0) Object.assign(stats, { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]) });
  return stats;
}

export function pingArgs(host: string, o: PingOptions): string[] {
  const s = (msv: number) => (msv / 1000).toFixed(3).replace(/\.?0+$/, '');
  return ['-n', '-q', '-c', String(o.count), '-i', s(o.intervalMs), '-W', s(o.waitMs), '-w', String(o.deadlineS), '--', host];
}

export type PingResult =
  | { kind: 'stats'; stats: PingStats }
  /** The target could not be pinged: name unknown, no route. The target's problem. */
  | { kind: 'unreachable'; why: string; errorClass: 'dns' | 'unreachable' | 'timeout' | 'other' }
  /** ping itself could not run: not installed, no permission. The probe's problem. */
  | { kind: 'broken'; why: string };

/** Words for what ping printed on stderr when it produced no statistics. */
export function pingFailure(stderr: string): PingResult {
  const line = stderr.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  if (/Operation not permitted|Permission denied|socket:|capability/i.test(line)) return { kind: 'broken', why: `ping may not open an ICMP socket (needs CAP_NET_RAW): ${line}`.slice(0, 200) };
  if (/Name or service not known|Temporary failure in name resolution|unknown host|cannot resolve/i.test(line)) return { kind: 'unreachable', why: 'cannot resolve the host name', errorClass: 'dns' };
  if (/unreachable/i.test(line)) return { kind: 'unreachable', why: 'network unreachable', errorClass: 'unreachable' };
  if (/invalid argument|usage/i.test(line)) return { kind: 'broken', why: `ping refused its arguments: ${line}`.slice(0, 200) };
  return { kind: 'unreachable', why: line ? line.replace(/^ping:\s*/, '').slice(0, 120) : 'ping gave no statistics', errorClass: 'other' };
}

/** Runs one ping; never rejects. The signal kills it. */
export function ping(host: string, o: PingOptions, signal: AbortSignal, command = 'ping'): Promise<PingResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, pingArgs(host, o), { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, signal });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') resolve({ kind: 'broken', why: `${command} is not installed (Debian: iputils-ping)` });
      else if (err.name === 'AbortError') resolve({ kind: 'unreachable', why: 'aborted', errorClass: 'timeout' });
      else resolve({ kind: 'broken', why: `cannot run ${command}: ${err.code ?? err.message}` });
    });
    child.once('close', () => {
      const stats = parsePing(stdout);
      resolve(stats ? { kind: 'stats', stats } : pingFailure(stderr));
    });
  });
}

/** Runs fn over items with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
