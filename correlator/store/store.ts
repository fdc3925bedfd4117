// The correlator's persistent state behind one interface: SQLite embedded by default,
// PostgreSQL as the production option. A commit applies one engine step atomically: the
// decisions, the ticket operations they imply, and the sequence numbers consumed. What people
// and timers do to tickets (acknowledge, escalate, close) is one transaction each too, and
// is committed before anyone is told it happened.

import type { Decision, EngineSnapshot } from '../engine/engine.js';
import type { Incident } from '../correlate/incident.js';
import type { CommitBatch, CommitResult } from '../ingest/pipeline.js';
import type { Ticket, TicketClock, TicketState, TimelineEntry } from '../ticket/ticket.js';
import type { TicketAction, TicketEventKind } from '../ticket/lifecycle.js';

// The commit's shapes belong to the pipeline that makes the batches; the store implements its
// Committer, and re-exports them so its readers need one import.
export type { CommitBatch, CommitResult, SequenceMark } from '../ingest/pipeline.js';

export interface IncidentSummary {
  incident: Incident;
  ticket?: Pick<Ticket, 'id' | 'state' | 'owner'>;
}

export interface IncidentQuery {
  state?: 'open' | 'resolved' | 'all';
  limit?: number;
}

export interface TicketQuery {
  /** One state, "active" (open or acknowledged) or "all". */
  state?: TicketState | 'active' | 'all';
  limit?: number;
  /** Only tickets with a smaller id: the next page of the newest-first listing. */
  beforeId?: number;
}

export interface StoredState extends EngineSnapshot {
  sequences: Map<string, number>;
}

/**
 * A ticket's escalation policy and deadlines for a priority, counted from `from` (pure): when it
 * opens, and again from its clock start when its incident's priority rises.
 */
export type TicketTerms = (priority: string, from: number) => { policy?: string; responseDueAt?: number; resolutionDueAt?: number };

export interface TicketSettings {
  terms?: TicketTerms;
  /** A new incident on the same root with the same rules this soon after resolution reopens the old ticket. */
  reopenWithinMs?: number;
}

export type ActResult =
  | { ok: true; ticket: Ticket; entry: TimelineEntry; event: TicketEventKind }
  | { ok: false; code: 'not-found' | 'invalid-state' | 'not-owner' | 'bad-request'; message: string };

export interface NotificationRecord {
  id?: number;
  ticketId?: number;
  channel: string;
  /** opened, update, escalated, resolved, reopened, digest, test */
  kind: string;
  recipients: string[];
  status: 'sent' | 'dead' | 'recorded';
  attempts: number;
  at: number;
  detail: string;
  /** The message as it would have been sent; kept for dead letters so nothing is lost. */
  payload?: string;
}

export interface ItsmJob {
  id: number;
  sink: string;
  ticketId: number;
  op: 'open' | 'update' | 'resolve';
  payload: string;
  attempts: number;
  nextAt: number;
  lastError?: string;
}

export interface TokenRecord {
  id: number;
  name: string;
  role: 'viewer' | 'operator' | 'admin';
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
}

export interface Store {
  readonly kind: string;
  commit(batch: CommitBatch): Promise<CommitResult>;
  /** What the engine needs to continue after a restart. */
  load(): Promise<StoredState>;
  listIncidents(q?: IncidentQuery): Promise<IncidentSummary[]>;
  getIncident(id: number): Promise<IncidentSummary | undefined>;
  getTicket(id: number): Promise<{ ticket: Ticket; timeline: TimelineEntry[] } | undefined>;
  ticketForIncident(incidentId: number): Promise<Ticket | undefined>;
  listTickets(q?: TicketQuery): Promise<Ticket[]>;
  /** The same listing with only the clocks: what the timer reads every second. */
  ticketClocks(q: TicketQuery): Promise<TicketClock[]>;
  /** Applies one action to one ticket in a transaction (lifecycle.decide decides). */
  act(ticketId: number, action: TicketAction, at: number): Promise<ActResult>;
  /** Sets how tickets open (policy, deadlines, reopening); before the first commit. */
  configureTickets(settings: TicketSettings): void;
  /** Resolved tickets with what fixed them, newest first: the knowledge base's corpus. */
  resolvedTickets(limit: number): Promise<Ticket[]>;

  recordNotification(r: NotificationRecord): Promise<number>;
  notifications(q: { ticketId?: number; status?: NotificationRecord['status']; limit?: number }): Promise<NotificationRecord[]>;

  enqueueItsm(jobs: Array<Omit<ItsmJob, 'id' | 'attempts'>>): Promise<void>;
  /** Jobs due now, oldest first, at most one per (sink, ticket) so each ticket's order holds. */
  dueItsm(now: number, limit: number): Promise<ItsmJob[]>;
  finishItsm(id: number, outcome: { ok: true; externalId?: string } | { ok: false; error: string; nextAt: number | null }): Promise<void>;
  itsmLink(sink: string, ticketId: number): Promise<string | undefined>;

  createToken(t: { name: string; role: TokenRecord['role']; hash: string; at: number; expiresAt?: number }): Promise<TokenRecord>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(name: string, at: number): Promise<boolean>;
  close(): Promise<void>;
}
