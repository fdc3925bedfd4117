// Error-rate growth in a log file: lines matching a pattern since the last run, per minute, and
// compared with the previous window. "Error logs growing" is the inspection item; the check
// follows the file like `tail -F` (the read position is kept in the data directory, so a
// restart neither recounts nor skips), survives rotation by rename (the rest of the old file is
// read first) and by truncation. Only counts leave the agent, never line contents: application
// logs can hold patient data.

import type { Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { commonCheckProperties, type CheckOutcome, type CheckType } from './check.js';
import { compileRegex } from './http-expect.js';
import { loadJson, saveJson } from './state-file.js';

export const logErrorsCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'path', 'pattern'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'log_errors', description: 'Lines matching a pattern in a log file: rate per minute and growth.' },
    path: { type: 'string', minLength: 1 },
    pattern: { type: 'string', minLength: 1, description: 'Regular expression a counted line matches: " ERROR | FATAL ".' },
    ignore_case: { type: 'boolean', default: false },
    warn_per_minute: { type: 'number', minimum: 0, description: 'More errors per minute than this is a warning.' },
    critical_per_minute: { type: 'number', minimum: 0, description: 'More errors per minute than this is critical.' },
    growth: { type: 'number', exclusiveMinimum: 1, default: 2, description: 'A rate this many times the previous window\'s is a warning.' },
    min_errors: { type: 'integer', minimum: 1, default: 10, description: 'Growth is only judged from this many errors in the window.' },
  },
} as const;

export type LogErrorsCheckSpec = FromSchema<typeof logErrorsCheckSchema, { keepDefaultedPropertiesOptional: true }>;

export interface FollowState {
  dev: number;
  ino: number;
  offset: number;
  /** When the position was taken (ms since the epoch). */
  at: number;
  /** Errors per minute of the previous window. */
  rate?: number;
}

const CHUNK = 256 * 1024;
/** At most this much is read per run; a log that grew more is skipped to its last MAX_READ bytes. */
export const MAX_READ = 64 * 1024 * 1024;

export interface Counted {
  lines: number;
  matches: number;
  /** Where the next read starts: after the last complete line. */
  offset: number;
  skipped: number;
}

/** Counts complete lines matching `re` from `from` to the end of the file. */
export async function countFrom(path: string, from: number, re: RegExp): Promise<Counted> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const start = size - from > MAX_READ ? size - MAX_READ : from;
    const buf = Buffer.alloc(CHUNK);
    let pos = start;
    let carry = Buffer.alloc(0);
    let lines = 0;
    let matches = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      const lastNl = data.lastIndexOf(10);
      if (lastNl < 0 && data.length < 1 << 20) {
        carry = Buffer.from(data);
        continue;
      }
      const end = lastNl < 0 ? data.length : lastNl + 1; // a line over 1 MiB without a newline counts as one
      for (const line of data.subarray(0, end).toString('utf8').split('\n')) {
        if (line === '') continue;
        lines++;
        if (re.test(line)) matches++;
      }
      carry = Buffer.from(data.subarray(end));
    }
    return { lines, matches, offset: pos - carry.length, skipped: start - from };
  } finally {
    await fh.close();
  }
}

/** After a rotation by rename, the old file (same device and inode) next to the log, if still there. */
export async function findRotated(path: string, state: FollowState): Promise<string | undefined> {
  const dir = dirname(path);
  const base = basename(path);
  const stem = base.replace(/\.log$/, '');
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name === base || !name.startsWith(stem)) continue;
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s && s.ino === state.ino && s.dev === state.dev) return join(dir, name);
  }
  return undefined;
}

/** Reads what was appended since `state`, across a rotation or a truncation. */
export async function readSince(path: string, now: Stats, state: FollowState, re: RegExp): Promise<Counted & { note: string }> {
  let lines = 0;
  let matches = 0;
  let note = '';
  let from = state.offset;
  if (now.ino !== state.ino || now.dev !== state.dev) {
    const old = await findRotated(path, state);
    if (old) {
      const rest = await countFrom(old, state.offset, re);
      lines += rest.lines;
      matches += rest.matches;
    } else note = ' (rotated; the end of the old file was not found)';
    from = 0;
  } else if (now.size < state.offset) {
    note = ' (truncated)';
    from = 0;
  }
  const c = await countFrom(path, from, re);
  if (c.skipped > 0) note += ` (skipped ${Math.round(c.skipped / 1048576)} MB: more than ${MAX_READ / 1048576} MB written since the last run)`;
  return { lines: lines + c.lines, matches: matches + c.matches, offset: c.offset, skipped: c.skipped, note };
}

export interface Judgement {
  status: CheckOutcome['status'];
  why: string;
  rate: number;
  growth?: number;
}

/** Rate thresholds first; then growth against the previous window, once there are enough errors to mean something. */
export function judge(errors: number, minutes: number, prevRate: number | undefined, spec: Pick<LogErrorsCheckSpec, 'warn_per_minute' | 'critical_per_minute' | 'growth' | 'min_errors'>): Judgement {
  const rate = minutes > 0 ? errors / minutes : 0;
  const growth = prevRate !== undefined && prevRate > 0 ? rate / prevRate : undefined;
  const g = growth !== undefined ? { growth } : {};
  if (spec.critical_per_minute !== undefined && rate > spec.critical_per_minute) return { status: 'critical', why: `over ${spec.critical_per_minute}/min`, rate, ...g };
  if (spec.warn_per_minute !== undefined && rate > spec.warn_per_minute) return { status: 'warning', why: `over ${spec.warn_per_minute}/min`, rate, ...g };
  if (prevRate !== undefined && errors >= (spec.min_errors ?? 10) && (growth === undefined || growth >= (spec.growth ?? 2))) {
    return { status: 'warning', why: growth === undefined ? 'up from none in the previous window' : `${growth.toFixed(1)}× the previous window`, rate, ...g };
  }
  return { status: 'ok', why: growth !== undefined && errors > 0 ? `${growth.toFixed(1)}× the previous window` : '', rate, ...g };
}

async function loadState(file: string): Promise<FollowState | undefined> {
  const s = (await loadJson(file)) as FollowState | undefined;
  return s && [s.dev, s.ino, s.offset, s.at].every((n) => typeof n === 'number') ? s : undefined;
}

export const logErrorsCheck: CheckType<LogErrorsCheckSpec> = {
  schema: logErrorsCheckSchema,
  create(spec, ctx) {
    const checked = compileRegex(spec.pattern, `check ${spec.name}: pattern`);
    const regex = spec.ignore_case ? new RegExp(checked.source, 'i') : checked;
    const file = join(ctx.dataDir, 'logs', `${spec.name}.json`);
    const target = `file:${spec.path}`;
    return {
      name: spec.name,
      type: 'log_errors',
      async run(): Promise<CheckOutcome> {
        const at = Date.now();
        let now: Stats;
        try {
          now = await stat(spec.path);
        } catch (err) {
          return { status: 'unknown', summary: `cannot read ${spec.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, target };
        }
        const state = await loadState(file);
        if (!state) {
          await saveJson(file, { dev: now.dev, ino: now.ino, offset: now.size, at } satisfies FollowState);
          return { status: 'ok', summary: `following ${spec.path} from its end; counting starts with the next run`, target };
        }
        const c = await readSince(spec.path, now, state, regex);
        const minutes = (at - state.at) / 60_000;
        const j = judge(c.matches, minutes, state.rate, spec);
        await saveJson(file, { dev: now.dev, ino: now.ino, offset: c.offset, at, rate: j.rate } satisfies FollowState);
        const fields: Record<string, number> = { errors: c.matches, lines: c.lines, errors_per_minute: Math.round(j.rate * 1000) / 1000, ...(j.growth !== undefined ? { growth_ratio: Math.round(j.growth * 100) / 100 } : {}) };
        const window = minutes >= 1 ? `${Math.round(minutes)} min` : `${Math.round(minutes * 60)} s`;
        const head = c.matches === 0 ? `no errors in ${window}` : `${c.matches} error${c.matches === 1 ? '' : 's'} in ${window} (${j.rate.toFixed(2)}/min)`;
        return { status: j.status, summary: `${head}${j.why ? `, ${j.why}` : ''}${c.note}`, target, fields };
      },
    };
  },
};
