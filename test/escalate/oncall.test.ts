// Who is on call, as a table: a weekly rotation handing over at 08:00, and an override.

import t from 'tap';
import { parseLocal } from '../../correlator/escalate/calendar.js';
import { onCallAt, parseRotationStart, type Schedule } from '../../correlator/escalate/oncall.js';

const TZ = 'Asia/Shanghai';
const at = (text: string) => parseLocal(text, TZ) as number;

const schedule = (every: number, overrides: Schedule['overrides'] = []): Schedule => ({
  name: 'first-line',
  timeZone: TZ,
  rotation: { ...(parseRotationStart('2026-11-16T08:00', TZ) as NonNullable<ReturnType<typeof parseRotationStart>>), everyDays: every, people: ['zhang.wei', 'li.na', 'wang.fang'] },
  overrides,
});

t.test('daily rotation hands over at 08:00', async (t) => {
  const s = schedule(1);
  const rows: Array<[string, string | undefined]> = [
    ['2026-11-16T07:59', undefined],
    ['2026-11-16T08:00', 'zhang.wei'],
    ['2026-11-17T07:59', 'zhang.wei'],
    ['2026-11-17T08:00', 'li.na'],
    ['2026-11-18T03:00', 'li.na'],
    ['2026-11-18T08:00', 'wang.fang'],
    ['2026-11-19T08:00', 'zhang.wei'],
  ];
  for (const [when, who] of rows) t.equal(onCallAt(s, at(when)), who, when);
});

t.test('weekly rotation and an override that wins', async (t) => {
  const s = schedule(7, [{ from: at('2026-11-25T20:00'), to: at('2026-11-26T08:00'), person: 'wang.fang' }]);
  const rows: Array<[string, string | undefined]> = [
    ['2026-11-22T23:00', 'zhang.wei'],
    ['2026-11-23T07:59', 'zhang.wei'],
    ['2026-11-23T08:00', 'li.na'],
    ['2026-11-25T19:59', 'li.na'],
    ['2026-11-25T20:00', 'wang.fang'],
    ['2026-11-26T07:59', 'wang.fang'],
    ['2026-11-26T08:00', 'li.na'],
    ['2026-11-30T08:00', 'wang.fang'],
  ];
  for (const [when, who] of rows) t.equal(onCallAt(s, at(when)), who, when);
});

t.test('rotation start must be a real local time', async (t) => {
  t.ok(parseRotationStart('2026-01-05T08:00', TZ));
  t.equal(parseRotationStart('2026-02-30T08:00', TZ), undefined);
  t.equal(parseRotationStart('tomorrow', TZ), undefined);
});
