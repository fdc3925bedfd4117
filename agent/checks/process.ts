// Is the program running, and what is it costing: processes matched by name and/or a
// command-line regex, counted, with their CPU (between two runs) and memory. "The HIS client
// is not even running on this workstation" and "the PACS archiver is spinning at 100 %" are
// both answered here. Linux reads /proc in-process; Windows asks the shared PowerShell session.

import { basename } from 'node:path';
import { platform } from 'node:os';
import type { FromSchema } from 'json-schema-to-ts';
import { UserError } from '../../common/errors.js';
import { CLK_TCK, listProcesses, readCmdline, readRss } from '../platform/linux.js';
import { acquirePowerShell, releasePowerShell, windowsProcesses, type PowerShellSession } from '../platform/windows.js';
import { commonCheckProperties, type Check, type CheckContext, type CheckOutcome, type CheckType } from './check.js';
import { bytes } from './format.js';
import { compileRegex } from './http-expect.js';

export const processCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'process', description: 'Processes matched by name and/or command line: count, CPU, memory.' },
    process: { type: 'string', minLength: 1, maxLength: 128, description: 'Program name: "postgres", "HISClient.exe" (".exe" optional on Windows).' },
    cmdline: { type: 'string', minLength: 1, description: 'Regular expression the whole command line must match: "-jar .*his-server\\.jar".' },
    min: { type: 'integer', minimum: 0, default: 1, description: 'Fewer matching processes than this is critical.' },
  },
} as const;

export type ProcessCheckSpec = FromSchema<typeof processCheckSchema, { keepDefaultedPropertiesOptional: true }>;

/** What a check may be told about the host instead of asking (tests, and Windows paths tested on Linux). */
export interface PlatformHooks {
  os?: NodeJS.Platform;
  powershell?: PowerShellSession;
}

/** One matching process, whatever the platform. */
export interface Matched {
  /** Identifies one process across runs (pid plus start time, so a reused pid is not mistaken for it). */
  key: string;
  cpuSeconds: number;
  rssBytes: number;
}

export interface Matcher {
  name?: string;
  cmdline?: RegExp;
}

/**
 * Command lines by process (pid and start time), kept between runs: a process's arguments are
 * read once, not every run, which is most of the cost of matching by command line.
 */
export type CmdlineCache = Map<string, string[]>;

/** Linux: a name is the kernel's comm (15 characters at most) or the program file's name. */
export async function linuxMatches(m: Matcher, procRoot = '/proc', cache: CmdlineCache = new Map()): Promise<Matched[]> {
  const out: Matched[] = [];
  const live = new Set<string>();
  for (const p of await listProcesses(procRoot)) {
    if (p.pid === process.pid || p.state === 'Z') continue;
    const truncated = m.name !== undefined && p.comm.length === 15 && m.name.length > 15 && m.name.startsWith(p.comm);
    if (m.name !== undefined && p.comm !== m.name && !truncated) continue;
    if (truncated || m.cmdline) {
      const key = `${p.pid}/${p.startTicks}`;
      live.add(key);
      const args = cache.get(key) ?? (await readCmdline(p.pid, procRoot));
      if (args && args.length > 0) cache.set(key, args);
      if (!args || args.length === 0) continue;
      if (truncated && basename(args[0] as string) !== m.name) continue;
      if (m.cmdline && !m.cmdline.test(args.join(' '))) continue;
    }
    const rss = await readRss(p.pid, procRoot);
    if (rss === undefined) continue; // ended meanwhile, or a kernel thread
    out.push({ key: `${p.pid}/${p.startTicks}`, cpuSeconds: p.cpuTicks / CLK_TCK, rssBytes: rss });
  }
  for (const key of cache.keys()) if (!live.has(key)) cache.delete(key);
  return out;
}

/**
 * `unreadable`: processes with the wanted name whose command line WMI left empty, because the
 * agent's account may not open them (another user's, and the agent not LocalSystem).
 */
export async function windowsMatches(session: PowerShellSession, m: Matcher): Promise<{ matched: Matched[]; unreadable: number }> {
  const name = m.name?.replace(/\.exe$/i, '');
  const named = await windowsProcesses(session, name);
  const unreadable = m.cmdline && name !== undefined ? named.filter((p) => p.commandLine === '').length : 0;
  const matched = named.filter((p) => !m.cmdline || m.cmdline.test(p.commandLine)).map((p) => ({ key: `${p.pid}/${p.name}`, cpuSeconds: p.cpuSeconds, rssBytes: p.workingSetBytes }));
  return { matched, unreadable };
}

/** CPU as a share of one core over the time between two runs, from processes seen both times. */
export function cpuPercent(prev: ReadonlyMap<string, number> | undefined, now: Matched[], elapsedS: number): number | undefined {
  if (!prev || elapsedS <= 0) return undefined;
  let used = 0;
  for (const p of now) {
    const before = prev.get(p.key);
    if (before !== undefined && p.cpuSeconds >= before) used += p.cpuSeconds - before;
  }
  return Math.round((used / elapsedS) * 10_000) / 100;
}

// `satisfies`, not a type annotation: tests call create with the third argument (the host).
export const processCheck = {
  schema: processCheckSchema,
  create(spec: ProcessCheckSpec, _ctx: CheckContext, host: PlatformHooks = {}): Check {
    if (spec.process === undefined && spec.cmdline === undefined) throw new UserError(`check ${spec.name}: give process, cmdline or both`);
    const matcher: Matcher = { ...(spec.process !== undefined ? { name: spec.process } : {}), ...(spec.cmdline !== undefined ? { cmdline: compileRegex(spec.cmdline, `check ${spec.name}: cmdline`) } : {}) };
    const min = spec.min ?? 1;
    const what = [spec.process !== undefined ? `process ${spec.process}` : '', spec.cmdline !== undefined ? `cmdline /${spec.cmdline}/` : ''].filter(Boolean).join(', ');
    const session = (host.os ?? platform()) === 'win32' ? (host.powershell ?? acquirePowerShell()) : undefined;
    let prev: { at: number; cpu: Map<string, number> } | undefined;
    const cmdlines: CmdlineCache = new Map();
    return {
      name: spec.name,
      type: 'process',
      async run(): Promise<CheckOutcome> {
        const { matched, unreadable } = session ? await windowsMatches(session, matcher) : { matched: await linuxMatches(matcher, '/proc', cmdlines), unreadable: 0 };
        const at = performance.now();
        const cpu = cpuPercent(prev?.cpu, matched, prev ? (at - prev.at) / 1000 : 0);
        prev = { at, cpu: new Map(matched.map((p) => [p.key, p.cpuSeconds])) };
        const rss = matched.reduce((s, p) => s + p.rssBytes, 0);
        const fields: Record<string, number> = { count: matched.length, rss_bytes: rss, ...(cpu !== undefined ? { cpu_percent: cpu } : {}) };
        if (matched.length < min && unreadable > 0) {
          // Not "the HIS is down": the agent cannot tell, and a false P1 is worse than a question.
          const summary = `${unreadable} ${spec.process} process${unreadable === 1 ? '' : 'es'} whose command line this account may not read: run the agent as LocalSystem to match cmdline`;
          return { status: 'unknown', summary, target: what, fields };
        }
        if (matched.length < min) {
          const summary = matched.length === 0 ? `no process matches ${what}` : `${matched.length} of at least ${min} processes running (${what})`;
          return { status: 'critical', summary, target: what, fields };
        }
        const cpuText = cpu !== undefined ? `, ${cpu} % CPU` : '';
        return { status: 'ok', summary: `${matched.length} process${matched.length === 1 ? '' : 'es'} running${cpuText}, ${bytes(rss)}`, target: what, fields };
      },
      async close() {
        if (session && !host.powershell) releasePowerShell();
      },
    };
  },
} satisfies CheckType<ProcessCheckSpec>;
