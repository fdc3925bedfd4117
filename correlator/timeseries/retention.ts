// Retention policies and the continuous queries that downsample into them, created on start
// when missing. Four policies:
//
//   raw        (default)  samples and gauges as written          days      (7d)
//   rollup_1m             1-minute mean and max of every field   months    (13w)
//   rollup_1h             1-hour mean and max                    years     (104w)
//   events                incident, alert, agent, ticket events  ≥ 26w     (52w)
//
// A rollup keeps each field's name for the mean and adds "<field>_max" for the maximum, so a
// dashboard query works on any policy. Continuous queries recompute the last `late` minutes
// (RESAMPLE … FOR) so samples arriving late after an outage still count. Each query's name
// carries a hash of its text: when the catalogue gains a field the definition changes, the
// old query is dropped and the new one created.

import { createHash } from 'node:crypto';
import type { InfluxDB } from 'influx';
import type { InfluxSettings } from './config.js';
import { numericFields, type RetentionName, type SeriesSpec } from './schema.js';

export interface PolicySpec {
  name: RetentionName;
  duration: string;
  isDefault: boolean;
}

export interface ContinuousQuery {
  name: string;
  measurement: string;
  /** The full CREATE CONTINUOUS QUERY statement. */
  statement: string;
  /** The SELECT … INTO alone, for backfilling a time range after an outage. */
  select: string;
}

export const CQ_PREFIX = 'ww_';

export function policies(s: InfluxSettings): PolicySpec[] {
  return [
    { name: 'raw', duration: s.retention.raw, isDefault: true },
    { name: 'rollup_1m', duration: s.retention.rollup1m, isDefault: false },
    { name: 'rollup_1h', duration: s.retention.rollup1h, isDefault: false },
    { name: 'events', duration: s.retention.events, isDefault: false },
  ];
}

const q = (name: string) => `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** An exact InfluxQL duration literal in the largest unit that divides it: 7d, 91d, 90s, 1500ms. */
export function influxDuration(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.max(1, Math.round(ms))}ms`;
}

function rollupSelect(db: string, measurement: string, fields: string[], from: RetentionName, into: RetentionName, group: string): string {
  const cols = fields.map((f) => (from === 'raw' ? `mean(${q(f)}) AS ${q(f)}, max(${q(f)}) AS ${q(f + '_max')}` : `mean(${q(f)}) AS ${q(f)}, max(${q(f + '_max')}) AS ${q(f + '_max')}`));
  return `SELECT ${cols.join(', ')} INTO ${q(db)}.${q(into)}.${q(measurement)} FROM ${q(db)}.${q(from)}.${q(measurement)} GROUP BY time(${group}), *`;
}

export function continuousQueries(s: InfluxSettings, schema: ReadonlyMap<string, SeriesSpec>): ContinuousQuery[] {
  const out: ContinuousQuery[] = [];
  const levels = [
    { suffix: '1m', group: '1m', from: 'raw', into: 'rollup_1m', everyMs: 60_000, forMs: Math.max(s.rollupLateMs, 120_000) },
    { suffix: '1h', group: '1h', from: 'rollup_1m', into: 'rollup_1h', everyMs: 3_600_000, forMs: Math.max(s.rollupLateMs, 7_200_000) },
  ] as const;
  for (const [measurement, spec] of [...schema].sort(([a], [b]) => a.localeCompare(b))) {
    const fields = numericFields(spec);
    if (!spec.rollup || fields.length === 0) continue;
    for (const level of levels) {
      const select = rollupSelect(s.database, measurement, fields, level.from, level.into, level.group);
      const resample = `RESAMPLE EVERY ${influxDuration(s.rollupEveryMs ?? level.everyMs)} FOR ${influxDuration(level.forMs)}`;
      const hash = createHash('sha1').update(`${resample} ${select}`).digest('hex').slice(0, 8);
      const name = `${CQ_PREFIX}${measurement}_${level.suffix}_${hash}`;
      const statement = `CREATE CONTINUOUS QUERY ${q(name)} ON ${q(s.database)} ${resample} BEGIN ${select} END`;
      out.push({ name, measurement, statement, select });
    }
  }
  return out;
}

/**
 * Statements that recompute the rollups of some measurements from a time on (CQs never
 * backfill on their own). Ranges start on the hour, so whole 1-hour buckets are recomputed.
 */
export function backfillStatements(cqs: readonly ContinuousQuery[], from: ReadonlyMap<string, number>, toMs: number): string[] {
  const out: string[] = [];
  // The 1-minute rollups first: the 1-hour ones are computed from them.
  for (const level of ['_1m_', '_1h_']) {
    for (const cq of cqs) {
      const start = from.get(cq.measurement);
      if (start === undefined || !cq.name.includes(level)) continue;
      const where = `WHERE time >= ${Math.floor(start / 3_600_000) * 3_600_000}ms AND time < ${toMs}ms`;
      out.push(cq.select.replace(/ GROUP BY time\(/, ` ${where} GROUP BY time(`));
    }
  }
  return out;
}

interface PolicyRow {
  name: string;
  duration: string;
  default: boolean;
}

/** "168h0m0s" → ms, for comparing what the server has with what the config asks for. */
function parseInfluxDuration(text: string): number {
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(h|m|s)/g)) ms += Number(m[1]) * ({ h: 3_600_000, m: 60_000, s: 1_000 } as const)[m[2] as 'h' | 'm' | 's'];
  return ms;
}

export interface SetupReport {
  created: string[];
  altered: string[];
  dropped: string[];
}

/** Creates the database, policies and continuous queries that are missing; fixes changed ones. */
export async function ensureRetention(influx: InfluxDB, s: InfluxSettings, schema: ReadonlyMap<string, SeriesSpec>, toMs: (d: string) => number): Promise<SetupReport> {
  const report: SetupReport = { created: [], altered: [], dropped: [] };
  const dbs = await influx.getDatabaseNames();
  if (!dbs.includes(s.database)) {
    await influx.createDatabase(s.database);
    report.created.push(`database ${s.database}`);
  }
  const existing = (await influx.showRetentionPolicies(s.database)) as unknown as PolicyRow[];
  for (const p of policies(s)) {
    const have = existing.find((e) => e.name === p.name);
    const duration = influxDuration(toMs(p.duration));
    if (!have) {
      await influx.query(`CREATE RETENTION POLICY ${q(p.name)} ON ${q(s.database)} DURATION ${duration} REPLICATION 1${p.isDefault ? ' DEFAULT' : ''}`);
      report.created.push(`retention policy ${p.name} (${p.duration})`);
    } else if (parseInfluxDuration(have.duration) !== toMs(p.duration) || have.default !== p.isDefault) {
      await influx.query(`ALTER RETENTION POLICY ${q(p.name)} ON ${q(s.database)} DURATION ${duration}${p.isDefault ? ' DEFAULT' : ''}`);
      report.altered.push(`retention policy ${p.name} (${p.duration})`);
    }
  }
  const wanted = continuousQueries(s, schema);
  const present = await influx.showContinousQueries(s.database);
  const presentNames = new Set(present.map((r) => (r as { name: string }).name));
  for (const name of presentNames) {
    if (name.startsWith(CQ_PREFIX) && !wanted.some((w) => w.name === name)) {
      await influx.query(`DROP CONTINUOUS QUERY ${q(name)} ON ${q(s.database)}`);
      report.dropped.push(`continuous query ${name}`);
    }
  }
  for (const cq of wanted) {
    if (presentNames.has(cq.name)) continue;
    await influx.query(cq.statement);
    report.created.push(`continuous query ${cq.name}`);
  }
  return report;
}
