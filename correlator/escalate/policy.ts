// Escalation policies and SLA deadlines, pure. A policy names who is told when a ticket opens
// (first line) and the steps that follow while nobody acknowledges (second line, vendor, or
// named people), each `after` a delay from opening counted on the priority's calendar. Which
// steps are due is derived from the ticket's stored state (clock start, steps done), never
// from timers in memory, so a restart loses nothing.

import type { Priority } from '../rules/schema.js';
import { dueAt, type Calendar } from './calendar.js';
import { onCallAt, type Schedule } from './oncall.js';

export interface Person {
  id: string;
  name: string;
  phone?: string;
  email?: string;
  wecom?: string;
  dingtalk?: string;
  feishu?: string;
}

export interface Directory {
  people: ReadonlyMap<string, Person>;
  groups: ReadonlyMap<string, readonly string[]>;
  schedules: ReadonlyMap<string, Schedule>;
}

export interface EscalationStep {
  afterMs: number;
  targets: readonly string[];
  /** Channels for this step; the priority's route when absent. */
  channels?: readonly string[];
}

export interface EscalationPolicy {
  name: string;
  /** Told when the ticket opens. */
  notify: readonly string[];
  steps: readonly EscalationStep[];
}

export interface PriorityTerms {
  respondMs: number;
  resolveMs?: number;
  calendar: Calendar;
}

export interface SlaSettings {
  priorities: Readonly<Record<Priority, PriorityTerms>>;
  policies: ReadonlyMap<string, EscalationPolicy>;
  /** Policy by priority; `default` for the rest. */
  byPriority: Readonly<Partial<Record<Priority, string>>>;
  defaultPolicy: string;
}

export const DEFAULT_RESPONSE: Record<Priority, string> = { P1: '15m', P2: '30m', P3: '2h', P4: '24h' };

export function policyFor(sla: SlaSettings, priority: string, stored?: string): EscalationPolicy | undefined {
  return (stored ? sla.policies.get(stored) : undefined) ?? sla.policies.get(sla.byPriority[priority as Priority] ?? sla.defaultPolicy);
}

function termsOf(sla: SlaSettings, priority: string): PriorityTerms {
  return sla.priorities[priority as Priority] ?? sla.priorities.P4;
}

/** Policy and deadlines of a ticket opening now. */
export function openingTerms(sla: SlaSettings, priority: string, at: number): { policy?: string; responseDueAt: number; resolutionDueAt?: number } {
  const t = termsOf(sla, priority);
  const policy = policyFor(sla, priority);
  return {
    ...(policy ? { policy: policy.name } : {}),
    responseDueAt: dueAt(at, t.respondMs, t.calendar),
    ...(t.resolveMs !== undefined ? { resolutionDueAt: dueAt(at, t.resolveMs, t.calendar) } : {}),
  };
}

export interface DueStep {
  index: number;
  dueAt: number;
  step: EscalationStep;
}

/** Steps of an unacknowledged ticket that are due at `now` and not yet done, in order. */
export function dueSteps(
  ticket: { state: string; priority: string; clockFrom: number; stepsDone: number; policy?: string },
  sla: SlaSettings,
  now: number,
): DueStep[] {
  if (ticket.state !== 'open') return [];
  const policy = policyFor(sla, ticket.priority, ticket.policy);
  if (!policy) return [];
  const cal = termsOf(sla, ticket.priority).calendar;
  const out: DueStep[] = [];
  for (let i = ticket.stepsDone; i < policy.steps.length; i++) {
    const step = policy.steps[i] as EscalationStep;
    const at = dueAt(ticket.clockFrom, step.afterMs, cal);
    if (at > now) break;
    out.push({ index: i, dueAt: at, step });
  }
  return out;
}

/** When the next step of a ticket falls due (for display); undefined when none is left. */
export function nextStepAt(ticket: { state: string; priority: string; clockFrom: number; stepsDone: number; policy?: string }, sla: SlaSettings): number | undefined {
  if (ticket.state !== 'open') return undefined;
  const policy = policyFor(sla, ticket.priority, ticket.policy);
  const step = policy?.steps[ticket.stepsDone];
  return step ? dueAt(ticket.clockFrom, step.afterMs, termsOf(sla, ticket.priority).calendar) : undefined;
}

/**
 * People behind targets at an instant: "oncall:first-line" is whoever is on call, a group is
 * its members, a person is themself. Unknown names are skipped (config validation reports them).
 */
export function resolveTargets(targets: readonly string[], dir: Directory, at: number): Person[] {
  const ids: string[] = [];
  for (const t of targets) {
    if (t.startsWith('oncall:')) {
      const schedule = dir.schedules.get(t.slice('oncall:'.length));
      const who = schedule ? onCallAt(schedule, at) : undefined;
      if (who) ids.push(who);
    } else if (dir.groups.has(t)) ids.push(...(dir.groups.get(t) as string[]));
    else ids.push(t);
  }
  const out: Person[] = [];
  for (const id of new Set(ids)) {
    const p = dir.people.get(id);
    if (p) out.push(p);
  }
  return out;
}

/** Whether a target names something the directory knows. */
export function knownTarget(t: string, dir: Record<'people' | 'groups' | 'schedules', { has(key: string): boolean }>): boolean {
  if (t.startsWith('oncall:')) return dir.schedules.has(t.slice('oncall:'.length));
  return dir.groups.has(t) || dir.people.has(t);
}
