// The `sla` and `escalation` sections of the correlator config: schemas (written once; the
// TS types derive from them), cross-reference checks with key paths (the loader turns them
// into file:line errors), and the resolver into the frozen settings the shell runs with.

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN, durationMs } from '../../common/duration.js';
import type { Priority } from '../rules/schema.js';
import { BUILTIN_TIERS, DEFAULT_TIME_ZONE, HOURS_PATTERN, makeCalendar, parseHours, parseLocal, type Calendar, type Weekday } from './calendar.js';
import { parseRotationStart, type Schedule } from './oncall.js';
import { DEFAULT_RESPONSE, knownTarget, type Directory, type EscalationPolicy, type Person, type SlaSettings } from './policy.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "15m", "2h" or "1d"' } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', 'x-expected': 'a date like "2026-10-01"' } as const;
const localTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}$', 'x-expected': 'a local time like "2026-01-05T08:00"' } as const;
const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', 'x-expected': 'a name of lowercase letters, digits, ".", "_" and "-"' } as const;
const target = { type: 'string', minLength: 1, description: 'A person, a group, or "oncall:<schedule>".' } as const;
const priorities = ['P1', 'P2', 'P3', 'P4'] as const;

const priorityTerms = {
  type: 'object',
  additionalProperties: false,
  properties: {
    respond: { ...duration, description: 'Response deadline: acknowledged within this much calendar time.' },
    resolve: { ...duration, description: 'Optional resolution deadline.' },
    calendar: { type: 'string', description: 'Support tier whose hours the clock counts: 7x24, 7x12, 8x5 or one of `calendars`.' },
  },
} as const;

export const slaSectionSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Response and resolution deadlines per priority, counted on support-tier calendars.',
  properties: {
    timezone: { type: 'string', default: DEFAULT_TIME_ZONE, description: 'Time zone of office hours, hand-overs and holidays.' },
    holidays: { type: 'array', items: date, description: 'Dates business calendars do not run (7x24 always runs).' },
    workdays: { type: 'array', items: date, description: 'Make-up working days (调休): business calendars run although it is a weekend.' },
    calendars: {
      type: 'object',
      description: 'Own support tiers besides 7x24, 7x12 and 8x5 (08:00-12:00, 14:00-18:00 on weekdays).',
      propertyNames: { pattern: '^[a-z0-9][a-z0-9x._-]{0,31}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['days', 'hours'],
        properties: {
          days: { type: 'array', minItems: 1, items: { enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } },
          hours: { type: 'array', minItems: 1, items: { type: 'string', pattern: HOURS_PATTERN, 'x-expected': 'hours like "08:00-12:00"' } },
        },
      },
    },
    priorities: {
      type: 'object',
      additionalProperties: false,
      properties: { P1: priorityTerms, P2: priorityTerms, P3: priorityTerms, P4: priorityTerms },
      description: 'Defaults: respond P1 15m, P2 30m, P3 2h, P4 24h, all on 7x24, no resolution deadline.',
    },
  },
} as const;

const step = {
  type: 'object',
  additionalProperties: false,
  required: ['after', 'notify'],
  properties: {
    after: { ...duration, description: 'Since the ticket opened, counted on the priority calendar.' },
    notify: { type: 'array', minItems: 1, items: target },
    channels: { type: 'array', items: { type: 'string' }, description: 'Channels for this step; the priority route when absent.' },
  },
} as const;

export const escalationSectionSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Who is told when a ticket opens, and who next while nobody acknowledges it.',
  properties: {
    people: {
      type: 'object',
      propertyNames: id,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          phone: { type: 'string', pattern: '^\\+?[0-9]{5,20}$', 'x-expected': 'a phone number like "13800001111"' },
          email: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$', 'x-expected': 'an e-mail address' },
          wecom: { type: 'string', description: 'WeCom user id, for @mentions.' },
          dingtalk: { type: 'string', description: 'DingTalk mobile or user id, for @mentions.' },
          feishu: { type: 'string', description: 'Feishu open id, for @mentions.' },
        },
      },
    },
    groups: { type: 'object', propertyNames: id, additionalProperties: { type: 'array', minItems: 1, items: { type: 'string' } }, description: 'Named lines: second-line, vendor-his …' },
    oncall: {
      type: 'object',
      propertyNames: id,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['start', 'every', 'people'],
        properties: {
          start: { ...localTime, description: 'First hand-over (local time); later hand-overs happen at the same time of day.' },
          every: { type: 'string', pattern: '^[1-9][0-9]*[dw]$', 'x-expected': 'days or weeks like "1d" or "1w"' },
          people: { type: 'array', minItems: 1, items: { type: 'string' } },
          overrides: {
            type: 'array',
            items: { type: 'object', additionalProperties: false, required: ['from', 'to', 'person'], properties: { from: localTime, to: localTime, person: { type: 'string' } } },
          },
        },
      },
    },
    policies: {
      type: 'object',
      propertyNames: id,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['notify'],
        properties: { notify: { type: 'array', items: target, description: 'Told when the ticket opens (first line).' }, steps: { type: 'array', items: step } },
      },
    },
    default: { type: 'string', description: 'Policy of priorities not in by_priority.' },
    by_priority: { type: 'object', additionalProperties: false, properties: { P1: { type: 'string' }, P2: { type: 'string' }, P3: { type: 'string' }, P4: { type: 'string' } } },
  },
} as const;

export type SlaSection = FromSchema<typeof slaSectionSchema, { keepDefaultedPropertiesOptional: true }>;
export type EscalationSection = FromSchema<typeof escalationSectionSchema, { keepDefaultedPropertiesOptional: true }>;

export interface Problem {
  path: Array<string | number>;
  message: string;
}

export interface EscalationSettings {
  sla: SlaSettings;
  directory: Directory;
  timeZone: string;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Checks what a schema cannot: names that must refer to something, times that must exist. */
export function checkEscalationSections(sla: SlaSection | undefined, esc: EscalationSection | undefined, channels: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const tz = sla?.timezone ?? DEFAULT_TIME_ZONE;
  if (!validTimeZone(tz)) problems.push({ path: ['sla', 'timezone'], message: `unknown time zone "${tz}"; expected an IANA name like "Asia/Shanghai"` });
  const calendars = new Set([...Object.keys(BUILTIN_TIERS), ...Object.keys(sla?.calendars ?? {})]);
  for (const [name, c] of Object.entries(sla?.calendars ?? {})) {
    c.hours.forEach((h, i) => parseHours(h) === undefined && problems.push({ path: ['sla', 'calendars', name, 'hours', i], message: `"${h}" ends before it starts` }));
  }
  for (const p of priorities) {
    const cal = sla?.priorities?.[p]?.calendar;
    if (cal !== undefined && !calendars.has(cal)) problems.push({ path: ['sla', 'priorities', p, 'calendar'], message: `unknown calendar "${cal}"; expected one of ${[...calendars].join(', ')}` });
  }
  const dir = { people: new Map(Object.entries(esc?.people ?? {})), groups: new Map(Object.entries(esc?.groups ?? {})), schedules: new Map(Object.entries(esc?.oncall ?? {})) };
  const person = (path: Array<string | number>, name: string) => dir.people.has(name) || problems.push({ path, message: `unknown person "${name}"; define it under escalation.people` });
  for (const [g, members] of dir.groups) members.forEach((m, i) => person(['escalation', 'groups', g, i], m));
  for (const [s, o] of dir.schedules) {
    o.people.forEach((m, i) => person(['escalation', 'oncall', s, 'people', i], m));
    if (validTimeZone(tz) && !parseRotationStart(o.start, tz)) problems.push({ path: ['escalation', 'oncall', s, 'start'], message: `"${o.start}" is not a valid local time` });
    (o.overrides ?? []).forEach((x, i) => {
      person(['escalation', 'oncall', s, 'overrides', i, 'person'], x.person);
      if (x.to <= x.from) problems.push({ path: ['escalation', 'oncall', s, 'overrides', i, 'to'], message: `override ends (${x.to}) before it starts (${x.from})` });
    });
  }
  const target = (path: Array<string | number>, t: string) =>
    knownTarget(t, dir) || problems.push({ path, message: `unknown target "${t}"; expected a person, a group or "oncall:<schedule>"` });
  for (const [name, pol] of Object.entries(esc?.policies ?? {})) {
    pol.notify.forEach((t, i) => target(['escalation', 'policies', name, 'notify', i], t));
    let last = 0;
    (pol.steps ?? []).forEach((s, i) => {
      s.notify.forEach((t, j) => target(['escalation', 'policies', name, 'steps', i, 'notify', j], t));
      (s.channels ?? []).forEach((c, j) => channels.includes(c) || problems.push({ path: ['escalation', 'policies', name, 'steps', i, 'channels', j], message: `unknown channel "${c}"; define it under notify.channels` }));
      const ms = durationMs(s.after);
      if (ms < last) problems.push({ path: ['escalation', 'policies', name, 'steps', i, 'after'], message: `steps must come in order: ${s.after} is before the previous step` });
      last = ms;
    });
  }
  const policyNames = Object.keys(esc?.policies ?? {});
  const policyRef = (path: Array<string | number>, name: string | undefined) =>
    name === undefined || policyNames.includes(name) || problems.push({ path, message: `unknown policy "${name}"; expected one of ${policyNames.join(', ') || '(none defined)'}` });
  policyRef(['escalation', 'default'], esc?.default);
  for (const p of priorities) policyRef(['escalation', 'by_priority', p], esc?.by_priority?.[p]);
  return problems;
}

function calendarFor(name: string, sla: SlaSection | undefined, tz: string): Calendar {
  const spec = sla?.calendars?.[name] ?? BUILTIN_TIERS[name] ?? 'always';
  const days = spec === 'always' ? 'always' : { days: spec.days as Weekday[], hours: spec.hours };
  return makeCalendar(name, days, { timeZone: tz, holidays: sla?.holidays ?? [], workdays: sla?.workdays ?? [] });
}

function schedules(esc: EscalationSection | undefined, tz: string): Map<string, Schedule> {
  const out = new Map<string, Schedule>();
  for (const [name, o] of Object.entries(esc?.oncall ?? {})) {
    const start = parseRotationStart(o.start, tz);
    if (!start) continue;
    const n = Number(o.every.slice(0, -1));
    const overrides = (o.overrides ?? []).map((x) => ({ from: parseLocal(x.from, tz) ?? Number.NaN, to: parseLocal(x.to, tz) ?? Number.NaN, person: x.person }));
    out.set(name, { name, timeZone: tz, rotation: { ...start, everyDays: o.every.endsWith('w') ? n * 7 : n, people: o.people }, overrides });
  }
  return out;
}

export function resolveEscalationSections(sla: SlaSection | undefined, esc: EscalationSection | undefined): EscalationSettings {
  const tz = sla?.timezone ?? DEFAULT_TIME_ZONE;
  const terms = {} as Record<Priority, SlaSettings['priorities'][Priority]>;
  for (const p of priorities) {
    const spec = sla?.priorities?.[p];
    terms[p] = {
      respondMs: durationMs(spec?.respond ?? DEFAULT_RESPONSE[p]),
      ...(spec?.resolve ? { resolveMs: durationMs(spec.resolve) } : {}),
      calendar: calendarFor(spec?.calendar ?? '7x24', sla, tz),
    };
  }
  const people = new Map<string, Person>(Object.entries(esc?.people ?? {}).map(([id, p]) => [id, { id, ...p }]));
  const policies = new Map<string, EscalationPolicy>(
    Object.entries(esc?.policies ?? {}).map(([name, p]) => [name, { name, notify: p.notify, steps: (p.steps ?? []).map((s) => ({ afterMs: durationMs(s.after), targets: s.notify, ...(s.channels ? { channels: s.channels } : {}) })) }]),
  );
  const defaultPolicy = esc?.default ?? [...policies.keys()][0] ?? '';
  return {
    timeZone: tz,
    sla: { priorities: terms, policies, byPriority: { ...(esc?.by_priority ?? {}) }, defaultPolicy },
    directory: { people, groups: new Map(Object.entries(esc?.groups ?? {})), schedules: schedules(esc, tz) },
  };
}
