// When will this filesystem be full? Each run takes one statfs reading and keeps it in the
// agent's data directory; a least-squares line through the readings of the last `history`
// gives the growth per hour and the hours left. A PACS archive or a database volume that fills
// in 30 hours is a ticket for today, long before any used-percent threshold fires.

import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import { commonCheckProperties, type CheckOutcome, type CheckType } from './check.js';
import { bytes, hours } from './format.js';
import { loadJson, saveJson } from './state-file.js';

const duration = { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "3d"' } as const;

export const fsForecastCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'path'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'fs_forecast', description: 'Hours until a filesystem is full, from the trend of its use.' },
    path: { type: 'string', minLength: 1, description: 'Mount point, or any directory on the filesystem ("D:\\\\" on Windows).' },
    history: { ...duration, default: '3d', description: 'Readings older than this are dropped: the trend follows recent behaviour.' },
    min_span: { ...duration, default: '1h', description: 'No forecast until the readings span this long.' },
    warn_within: { ...duration, default: '7d', description: 'Full within this is a warning.' },
    critical_within: { ...duration, default: '1d', description: 'Full within this is critical.' },
  },
} as const;

export type FsForecastCheckSpec = FromSchema<typeof fsForecastCheckSchema, { keepDefaultedPropertiesOptional: true }>;

/** One reading: [unix seconds, used bytes, bytes still available to users]. */
export type Reading = [number, number, number];

/** Least-squares slope of used bytes over time, in bytes per hour; undefined with fewer than 2 distinct times. */
export function growthPerHour(readings: readonly Reading[]): number | undefined {
  const n = readings.length;
  if (n < 2) return undefined;
  const t0 = readings[0]![0];
  let st = 0;
  let su = 0;
  let stt = 0;
  let stu = 0;
  for (const [t, u] of readings) {
    const x = (t - t0) / 3600;
    st += x;
    su += u;
    stt += x * x;
    stu += x * u;
  }
  const denom = n * stt - st * st;
  if (denom <= 0) return undefined;
  return (n * stu - st * su) / denom;
}

export interface Forecast {
  growthPerHour?: number;
  /** Hours until full at the current growth; undefined when not growing. */
  hoursToFull?: number;
  spanHours: number;
}

export function forecast(readings: readonly Reading[]): Forecast {
  const spanHours = readings.length > 1 ? (readings[readings.length - 1]![0] - readings[0]![0]) / 3600 : 0;
  const g = growthPerHour(readings);
  const last = readings[readings.length - 1];
  if (g === undefined || !last) return { spanHours };
  return { growthPerHour: g, ...(g > 0 ? { hoursToFull: last[2] / g } : {}), spanHours };
}

/** Keeps readings inside the history window and at most `max` of them (thinning the oldest half). */
export function prune(readings: Reading[], nowS: number, historyS: number, max = 2_000): Reading[] {
  let kept = readings.filter((r) => r[0] > nowS - historyS && r[0] <= nowS);
  if (kept.length > max) {
    const half = Math.floor(kept.length / 2);
    kept = [...kept.slice(0, half).filter((_, i) => i % 2 === 0), ...kept.slice(half)];
  }
  return kept;
}

async function loadReadings(file: string): Promise<Reading[]> {
  const v = (await loadJson(file)) as { readings?: unknown } | undefined;
  const list = Array.isArray(v?.readings) ? (v.readings as unknown[]) : [];
  return list.filter((r): r is Reading => Array.isArray(r) && r.length === 3 && r.every((x) => typeof x === 'number'));
}

export const fsForecastCheck: CheckType<FsForecastCheckSpec> = {
  schema: fsForecastCheckSchema,
  create(spec, ctx) {
    const file = join(ctx.dataDir, 'forecast', `${spec.name}.json`);
    const historyS = durationMs(spec.history ?? '3d') / 1000;
    const minSpanH = durationMs(spec.min_span ?? '1h') / 3_600_000;
    const warnH = durationMs(spec.warn_within ?? '7d') / 3_600_000;
    const critH = durationMs(spec.critical_within ?? '1d') / 3_600_000;
    const target = `fs:${spec.path}`;
    return {
      name: spec.name,
      type: 'fs_forecast',
      async run(): Promise<CheckOutcome> {
        let s;
        try {
          s = await statfs(spec.path);
        } catch (err) {
          return { status: 'critical', summary: `cannot stat ${spec.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, target };
        }
        const used = (s.blocks - s.bfree) * s.bsize;
        const avail = s.bavail * s.bsize;
        const nowS = Math.round(Date.now() / 1000);
        const readings = prune([...(await loadReadings(file)), [nowS, used, avail]], nowS, historyS);
        await saveJson(file, { path: spec.path, readings });
        const f = forecast(readings);
        const usedPercent = used + avail > 0 ? Math.round((10_000 * used) / (used + avail)) / 100 : 0;
        const fields: Record<string, number> = { used_percent: usedPercent, samples: readings.length };
        if (f.spanHours < minSpanH || f.growthPerHour === undefined) {
          return { status: 'ok', summary: `${spec.path}: ${usedPercent} % used; collecting (${readings.length} readings over ${hours(f.spanHours)}, forecast after ${hours(minSpanH)})`, target, fields };
        }
        fields.growth_bytes_per_hour = Math.round(f.growthPerHour);
        if (f.hoursToFull === undefined) return { status: 'ok', summary: `${spec.path}: ${usedPercent} % used, not growing (${bytes(f.growthPerHour * 24)}/day)`, target, fields };
        fields.hours_to_full = Math.round(f.hoursToFull * 10) / 10;
        const status = f.hoursToFull < critH ? 'critical' : f.hoursToFull < warnH ? 'warning' : 'ok';
        const at = f.hoursToFull < 1e6 ? ` (${new Date(Date.now() + f.hoursToFull * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')} UTC)` : '';
        return { status, summary: `${spec.path}: ${usedPercent} % used, growing ${bytes(f.growthPerHour)}/h; full in about ${hours(f.hoursToFull)}${at}`, target, fields };
      },
    };
  },
};
