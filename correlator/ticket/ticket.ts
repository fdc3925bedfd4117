// Tickets: the unit of work for people. One per incident, opened automatically. The ticket
// stage turns incident decisions into ticket operations (pure); the store applies them in the
// same transaction as the decisions, so a crash can never leave an incident without its
// ticket or open the same ticket twice. What people do to a ticket (acknowledge, hand over,
// resolve) is decided by lifecycle.ts and stored the same way.

import type { Decision } from '../engine/engine.js';
import type { Incident } from '../correlate/incident.js';
import { drillOf, faultReport, type FaultReport } from './report.js';

export { drillOf };

export type TicketState = 'open' | 'acknowledged' | 'resolved' | 'closed';

export type TicketOp =
  | { op: 'open'; incident: Incident; report: FaultReport; at: number }
  | { op: 'note'; incidentId: number; action: string; detail: string; report: FaultReport; at: number; rules?: string[]; quiet?: boolean }
  /** `mergedInto`: the incident this one folded into (a late root cause), not a recovery. */
  | { op: 'resolve'; incidentId: number; detail: string; report: FaultReport; at: number; mergedInto?: number };

export type Breach = 'response' | 'resolution';

/** What the timer needs of a ticket: its clocks, without the report it would have to parse. */
export type TicketClock = Pick<Ticket, 'id' | 'state' | 'priority' | 'policy' | 'stepsDone' | 'responseDueAt' | 'resolutionDueAt' | 'breached' | 'resolvedAt' | 'clockFrom'>;

export interface Ticket {
  id: number;
  incidentId: number;
  state: TicketState;
  priority: string;
  title: string;
  openedAt: number;
  acknowledgedAt?: number;
  resolvedAt?: number;
  closedAt?: number;
  /** The first person to acknowledge; stays until they hand the ticket over (首问负责制). */
  owner?: string;
  report: FaultReport;
  /** Root node and the rules of its root alerts: what "the same fault again" is compared on. */
  root: string;
  rules: string[];
  /** Escalation policy chosen at opening, and how many of its steps have run. */
  policy?: string;
  stepsDone: number;
  responseDueAt?: number;
  resolutionDueAt?: number;
  breached: Breach[];
  /** What fixed it, written by the person who resolved it (the knowledge base reads this). */
  resolution?: string;
  drill?: string;
  reopened: number;
  updatedAt: number;
  /** When the SLA and escalation clocks started: opening, or the last reopening. */
  clockFrom: number;
}

export interface TimelineEntry {
  ticketId: number;
  at: number;
  actor: string;
  action: string;
  detail: string;
}

export const SYSTEM_ACTOR = 'wardwatch';

export function ticketRef(id: number): string {
  return `T-${id}`;
}

/** Parses "T-12" or "12"; undefined for anything else. */
export function parseTicketRef(text: string): number | undefined {
  const m = /^(?:T-)?([1-9][0-9]{0,14})$/i.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

/** Rules of the root-cause alerts (symptoms on dependent nodes do not define the fault). */
export function rootRules(incident: Incident): string[] {
  return [...new Set(incident.alerts.filter((a) => a.role !== 'symptom').map((a) => a.rule))].sort();
}

export function planTickets(decisions: readonly Decision[]): TicketOp[] {
  const ops: TicketOp[] = [];
  for (const d of decisions) {
    switch (d.type) {
      case 'incident.opened':
        ops.push({ op: 'open', incident: d.incident, report: faultReport(d.incident), at: d.incident.openedAt });
        break;
      case 'incident.updated': {
        // Symptoms folding in update the report but are not worth a timeline line each: a storm
        // would bury the entries people need.
        const alert = d.incident.alerts.find((a) => a.id === d.alert);
        const quiet = alert?.role === 'symptom';
        ops.push({ op: 'note', incidentId: d.incident.id, action: 'updated', detail: d.reason, report: faultReport(d.incident), at: d.incident.updatedAt, rules: rootRules(d.incident), quiet });
        break;
      }
      case 'incident.resolved':
        ops.push({
          op: 'resolve',
          incidentId: d.incident.id,
          detail: d.reason,
          report: faultReport(d.incident),
          at: d.incident.resolvedAt ?? d.incident.updatedAt,
          ...(d.incident.mergedInto !== undefined ? { mergedInto: d.incident.mergedInto } : {}),
        });
        break;
      default:
        break;
    }
  }
  return ops;
}
