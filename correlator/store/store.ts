// The correlator's persistent state behind one interface: SQLite embedded by default, other
// databases as production options. A commit applies one engine step atomically: the
// decisions, the ticket operations they imply, and the sequence numbers consumed.

import type { Decision, EngineSnapshot } from '../engine/engine.js';
import type { Incident } from '../correlate/incident.js';
import type { Ticket, TicketOp, TimelineEntry } from '../ticket/ticket.js';

export interface SequenceMark {
  agent: string;
  seq: number;
}

export interface CommitBatch {
  decisions: readonly Decision[];
  tickets: readonly TicketOp[];
  sequences: readonly SequenceMark[];
}

export interface CommitResult {
  /** Tickets created by this commit (not ones that already existed). */
  opened: Array<{ ticketId: number; incidentId: number }>;
}

export interface IncidentSummary {
  incident: Incident;
  ticket?: Pick<Ticket, 'id' | 'state' | 'owner'>;
}

export interface IncidentQuery {
  state?: 'open' | 'resolved' | 'all';
  limit?: number;
}

export interface StoredState extends EngineSnapshot {
  sequences: Map<string, number>;
}

export interface Store {
  readonly kind: string;
  commit(batch: CommitBatch): Promise<CommitResult>;
  /** What the engine needs to continue after a restart. */
  load(): Promise<StoredState>;
  listIncidents(q?: IncidentQuery): Promise<IncidentSummary[]>;
  getTicket(id: number): Promise<{ ticket: Ticket; timeline: TimelineEntry[] } | undefined>;
  ticketForIncident(incidentId: number): Promise<Ticket | undefined>;
  close(): Promise<void>;
}
