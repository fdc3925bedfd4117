// Support-tier calendars: when an SLA clock runs. 7×24 always; 8×5 on working days in office
// hours; 7×12 every day in the day shift; holidays stop business calendars and make-up
// working days (调休) start them on a weekend. Wall-clock times are in the hospital's time
// zone (Asia/Shanghai by default). Pure: time is an argument, the Intl tables are the only
// source of time-zone rules.

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface Calendar {
  name: string;
  /** Runs all the time (7×24): no windows, no holidays. */
  always: boolean;
  /** Days of the week it runs, 0 = Sunday. */
  days: readonly number[];
  /** Minutes after local midnight, [start, end), in order. */
  windows: ReadonlyArray<readonly [number, number]>;
  timeZone: string;
  /** Local dates (YYYY-MM-DD) it does not run although the weekday says so. */
  holidays: ReadonlySet<string>;
  /** Local dates it runs although the weekday says not (make-up working days). */
  workdays: ReadonlySet<string>;
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** The built-in support tiers; 8×5 is eight office hours, 08:00–12:00 and 14:00–18:00. */
export const BUILTIN_TIERS: Record<string, { days: Weekday[]; hours: string[] } | 'always'> = {
  '7x24': 'always',
  '7x12': { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], hours: ['08:00-20:00'] },
  '8x5': { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: ['08:00-12:00', '14:00-18:00'] },
};

export const HOURS_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 60 + (m as number);
}

/** "08:00-12:00" → [480, 720]; undefined when malformed or empty. */
export function parseHours(text: string): [number, number] | undefined {
  if (!new RegExp(HOURS_PATTERN).test(text)) return undefined;
  const [a, b] = text.split('-') as [string, string];
  const w: [number, number] = [minutes(a), minutes(b)];
  return w[1] > w[0] ? w : undefined;
}

export function makeCalendar(
  name: string,
  spec: { days: readonly Weekday[]; hours: readonly string[] } | 'always',
  opts: { timeZone?: string; holidays?: readonly string[]; workdays?: readonly string[] } = {},
): Calendar {
  const timeZone = opts.timeZone ?? DEFAULT_TIME_ZONE;
  if (spec === 'always') return { name, always: true, days: [0, 1, 2, 3, 4, 5, 6], windows: [[0, 1440]], timeZone, holidays: new Set(), workdays: new Set() };
  const windows = spec.hours.map((h) => parseHours(h)).filter((w): w is [number, number] => w !== undefined);
  windows.sort((a, b) => a[0] - b[0]);
  return { name, always: false, days: spec.days.map((d) => WEEKDAYS.indexOf(d)), windows, timeZone, holidays: new Set(opts.holidays ?? []), workdays: new Set(opts.workdays ?? []) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localParts(ms: number, timeZone: string): LocalTime {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { year: out.year as number, month: out.month as number, day: out.day as number, hour: out.hour as number, minute: out.minute as number, second: out.second as number };
}

/** Offset of the zone from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
function offsetAt(ms: number, timeZone: string): number {
  const l = localParts(ms, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant a local wall-clock time happens in a zone (the later one across a DST change). */
export function zonedTime(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day) + minuteOfDay * 60_000;
  let guess = naive - offsetAt(naive, timeZone);
  guess = naive - offsetAt(guess, timeZone);
  return guess;
}

/** "2026-01-05T08:00" read as local time in the zone. */
export function parseLocal(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0'] = m.slice(1) as string[];
  return zonedTime(Number(y), Number(mo), Number(d), Number(h) * 60 + Number(mi), timeZone);
}

export function dateKey(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function runsOn(cal: Calendar, year: number, month: number, day: number): boolean {
  const key = dateKey(year, month, day);
  if (cal.workdays.has(key)) return true;
  if (cal.holidays.has(key)) return false;
  return cal.days.includes(new Date(Date.UTC(year, month - 1, day)).getUTCDay());
}

/**
 * When a clock of `durationMs` started at `start` runs out, counting only the calendar's time:
 * a P3 (2 h) opened Friday 17:50 under 8×5 is due Monday 09:50.
 */
export function dueAt(start: number, durationMs: number, cal: Calendar): number {
  if (cal.always || durationMs <= 0) return start + Math.max(0, durationMs);
  let remaining = durationMs;
  let { year, month, day } = localParts(start, cal.timeZone);
  for (let guard = 0; guard < 800; guard++) {
    if (runsOn(cal, year, month, day)) {
      for (const [from, to] of cal.windows) {
        const ws = zonedTime(year, month, day, from, cal.timeZone);
        const we = zonedTime(year, month, day, to, cal.timeZone);
        if (start >= we) continue;
        const s = Math.max(start, ws);
        if (remaining <= we - s) return s + remaining;
        remaining -= we - s;
      }
    }
    const next = new Date(Date.UTC(year, month - 1, day + 1));
    year = next.getUTCFullYear();
    month = next.getUTCMonth() + 1;
    day = next.getUTCDate();
  }
  throw new Error(`calendar ${cal.name} never runs`);
}

/** Whether the calendar's clock runs at this instant. */
export function runsAt(at: number, cal: Calendar): boolean {
  if (cal.always) return true;
  const l = localParts(at, cal.timeZone);
  if (!runsOn(cal, l.year, l.month, l.day)) return false;
  const m = l.hour * 60 + l.minute;
  return cal.windows.some(([from, to]) => m >= from && m < to);
}
