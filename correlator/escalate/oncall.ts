// On-call schedules: who "first line" is at a given moment. A rotation hands over at a local
// time of day (08:00) every N days, through its people in order; an override (a swap, sick
// leave) names someone else for a window and wins over the rotation. Pure, time passed in;
// days are counted on the local calendar, so a hand-over stays at 08:00 across DST changes.

import { dateKey, localParts, parseLocal } from './calendar.js';

export interface Rotation {
  /** First hand-over, local date (the rotation's first person starts then). */
  startDate: { year: number; month: number; day: number };
  /** Hand-over time, minutes after local midnight. */
  handoverMinute: number;
  everyDays: number;
  people: readonly string[];
}

export interface Override {
  from: number;
  to: number;
  person: string;
}

export interface Schedule {
  name: string;
  timeZone: string;
  rotation: Rotation;
  overrides: readonly Override[];
}

function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
}

/** Who is on call at `at`; undefined before the rotation starts. */
export function onCallAt(schedule: Schedule, at: number): string | undefined {
  // The override defined last wins when two overlap.
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const o = schedule.overrides[i] as Override;
    if (at >= o.from && at < o.to) return o.person;
  }
  const r = schedule.rotation;
  if (r.people.length === 0) return undefined;
  const l = localParts(at, schedule.timeZone);
  let today = dayNumber(l.year, l.month, l.day);
  // Before the hand-over time the previous day's shift is still on.
  if (l.hour * 60 + l.minute < r.handoverMinute) today -= 1;
  const elapsed = today - dayNumber(r.startDate.year, r.startDate.month, r.startDate.day);
  if (elapsed < 0) return undefined;
  return r.people[Math.floor(elapsed / r.everyDays) % r.people.length];
}

/** "2026-01-05T08:00" → start date and hand-over minute; undefined when malformed. */
export function parseRotationStart(text: string, timeZone: string): Pick<Rotation, 'startDate' | 'handoverMinute'> | undefined {
  const at = parseLocal(text, timeZone);
  if (at === undefined) return undefined;
  const l = localParts(at, timeZone);
  if (dateKey(l.year, l.month, l.day) !== text.slice(0, 10)) return undefined;
  return { startDate: { year: l.year, month: l.month, day: l.day }, handoverMinute: l.hour * 60 + l.minute };
}
