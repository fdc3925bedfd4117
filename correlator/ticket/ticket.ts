// Tickets: the unit of work for people. One per incident, opened automatically. The ticket
// stage turns incident decisions into ticket operations (pure); the store applies them in the
// same transaction as the decisions, so a crash can never leave an incident without its
// ticket or open the same ticket twice.

import type { Decision } from '../engine/engine.js';
import type { Incident } from '../correlate/incident.js';
import { faultReport, type FaultReport } from './report.js';

export type TicketState = 'open' | 'acknowledged' | 'resolved' | 'closed';

export type TicketOp =
  | { op: 'open'; incident: Incident; report: FaultReport; at: number }
  | { op: 'note'; incidentId: number; action: string; detail: string; report: FaultReport; at: number }
  | { op: 'resolve'; incidentId: number; detail: string; report: FaultReport; at: number };

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
  owner?: string;
  report: FaultReport;
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

export function planTickets(decisions: readonly Decision[]): TicketOp[] {
  const ops: TicketOp[] = [];
  for (const d of decisions) {
    switch (d.type) {
      case 'incident.opened':
        ops.push({ op: 'open', incident: d.incident, report: faultReport(d.incident), at: d.incident.openedAt });
        break;
      case 'incident.updated':
        ops.push({ op: 'note', incidentId: d.incident.id, action: 'updated', detail: d.reason, report: faultReport(d.incident), at: d.incident.updatedAt });
        break;
      case 'incident.resolved':
        ops.push({ op: 'resolve', incidentId: d.incident.id, detail: d.reason, report: faultReport(d.incident), at: d.incident.resolvedAt ?? d.incident.updatedAt });
        break;
      default:
        break;
    }
  }
  return ops;
}
