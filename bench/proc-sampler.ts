// Reads a process's CPU time and memory from /proc, the way the agent footprint figures in the
// README were taken: utime+stime (+ reaped children) in clock ticks, VmRSS in kB.

import { readFileSync } from 'node:fs';

export const CLK_TCK = 100;

export interface ProcReading {
  at: number;
  cpuTicks: number;
  rssBytes: number;
}

export function readProc(pid: number): ProcReading {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11..14] = utime stime cutime cstime (fields are counted from "state" as 0)
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  return { at: Date.now(), cpuTicks: ticks, rssBytes: rss };
}

export function cpuPercent(a: ProcReading, b: ProcReading): number {
  return ((b.cpuTicks - a.cpuTicks) / CLK_TCK / ((b.at - a.at) / 1000)) * 100;
}

/** A progress line that rewrites itself on a terminal and prints every `everyS` seconds otherwise. */
export function progress(label: string, doneS: number, totalS: number, extra = ''): void {
  const text = `${label}: ${doneS}/${totalS} s${extra ? `  ${extra}` : ''}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${text}   `);
  else if (doneS % 30 === 0) process.stderr.write(text + '\n');
}
