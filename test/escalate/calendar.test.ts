// SLA clocks on support-tier calendars, as tables: when does a clock started at a local time
// run out, in Asia/Shanghai unless the row says otherwise.

import t from 'tap';
import { BUILTIN_TIERS, dueAt, localParts, makeCalendar, parseLocal, runsAt } from '../../correlator/escalate/calendar.js';

const TZ = 'Asia/Shanghai';
const local = (text: string, tz = TZ) => parseLocal(text, tz) as number;
const show = (ms: number, tz = TZ) => {
  const l = localParts(ms, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${l.year}-${p(l.month)}-${p(l.day)}T${p(l.hour)}:${p(l.minute)}`;
};
const cal = (tier: string, opts: { holidays?: string[]; workdays?: string[]; timeZone?: string } = {}) => makeCalendar(tier, BUILTIN_TIERS[tier] as never, opts);
const H = 3_600_000;
const M = 60_000;

t.test('dueAt on the built-in tiers', async (t) => {
  const cases: Array<{ name: string; tier: string; start: string; ms: number; want: string; holidays?: string[]; workdays?: string[] }> = [
    { name: '7x24 counts every minute', tier: '7x24', start: '2026-11-20T17:50', ms: 2 * H, want: '2026-11-20T19:50' },
    { name: 'P3 opened Friday 17:50 under 8x5 is due Monday 09:50', tier: '8x5', start: '2026-11-20T17:50', ms: 2 * H, want: '2026-11-23T09:50' },
    { name: '8x5 pauses over lunch', tier: '8x5', start: '2026-11-19T11:30', ms: 1 * H, want: '2026-11-19T14:30' },
    { name: '8x5 opened at night starts next morning', tier: '8x5', start: '2026-11-18T23:00', ms: 15 * M, want: '2026-11-19T08:15' },
    { name: '8x5 opened Saturday waits for Monday', tier: '8x5', start: '2026-11-21T10:00', ms: 30 * M, want: '2026-11-23T08:30' },
    { name: 'ends exactly at the end of a window', tier: '8x5', start: '2026-11-19T16:00', ms: 2 * H, want: '2026-11-19T18:00' },
    { name: '24h under 8x5 is three working days', tier: '8x5', start: '2026-11-16T08:00', ms: 24 * H, want: '2026-11-18T18:00' },
    { name: 'holiday is skipped', tier: '8x5', start: '2026-09-30T17:00', ms: 2 * H, want: '2026-10-02T09:00', holidays: ['2026-10-01'] },
    { name: 'make-up working Sunday runs', tier: '8x5', start: '2026-09-26T10:00', ms: 1 * H, want: '2026-09-27T09:00', workdays: ['2026-09-27'] },
    { name: '7x12 overnight', tier: '7x12', start: '2026-11-21T19:30', ms: 1 * H, want: '2026-11-22T08:30' },
    { name: '7x24 ignores holidays', tier: '7x24', start: '2026-10-01T01:00', ms: 15 * M, want: '2026-10-01T01:15', holidays: ['2026-10-01'] },
  ];
  for (const c of cases) {
    const got = dueAt(local(c.start), c.ms, cal(c.tier, { ...(c.holidays ? { holidays: c.holidays } : {}), ...(c.workdays ? { workdays: c.workdays } : {}) }));
    t.equal(show(got), c.want, c.name);
  }
});

t.test('a time zone with daylight saving keeps office hours local', async (t) => {
  const tz = 'Europe/Berlin';
  // Sunday 29 March 2026 clocks go forward; Monday 08:00 local is 06:00 UTC (not 07:00).
  const due = dueAt(local('2026-03-27T17:30', tz), 1 * H, cal('8x5', { timeZone: tz }));
  t.equal(show(due, tz), '2026-03-30T08:30');
  t.equal(new Date(due).toISOString(), '2026-03-30T06:30:00.000Z');
});

t.test('runsAt says whether the clock runs', async (t) => {
  const c = cal('8x5', { holidays: ['2026-10-01'] });
  const rows: Array<[string, boolean]> = [
    ['2026-11-20T09:00', true],
    ['2026-11-20T12:30', false],
    ['2026-11-21T09:00', false],
    ['2026-10-01T09:00', false],
    ['2026-11-20T18:00', false],
  ];
  for (const [at, want] of rows) t.equal(runsAt(local(at), c), want, at);
});
