// The ticket stage's shell. After each commit it tells people (opened, reopened, root-cause
// updates, resolved: symptoms never notify) and external ticket systems; people act on tickets
// through it (acknowledge, hand over, note, resolve); a timer escalates unacknowledged tickets,
// records SLA breaches and closes resolved tickets, all derived from the stored ticket state so
// a restart loses no timer. Every change goes to onTicketEvent listeners (the time-series
// writer is one); a failing listener is logged and never stops the others.

import { RateLimiter, type Logger } from '../../common/log.js';
import type { Decision } from '../engine/engine.js';
import { dueSteps, nextStepAt, policyFor, resolveTargets, type Directory, type Person, type SlaSettings } from '../escalate/policy.js';
import type { DecisionSink } from '../ingest/pipeline.js';
import type { NotifyRequest } from '../notify/notifier.js';
import type { ActResult, CommitResult, Store } from '../store/store.js';
import type { TicketAction, TicketEventKind } from '../ticket/lifecycle.js';
import { SYSTEM_ACTOR, ticketRef, type Ticket, type TicketClock } from '../ticket/ticket.js';

export interface TicketEvent {
  type: TicketEventKind;
  ticket: Ticket;
  at: number;
  actor: string;
  detail: string;
  /** When the ticket must be acknowledged by (SLA response deadline). */
  responseDueAt?: number;
}

export type TicketListener = (event: TicketEvent) => void;

/** Where ticket changes go besides the store: the ITSM queue implements this. */
export interface TicketFollower {
  readonly name: string;
  follow(event: TicketEvent): void | Promise<void>;
}

export interface TicketServiceOptions {
  store: Store;
  log: Logger;
  sla: SlaSettings;
  directory: Directory;
  autoCloseAfterMs: number;
  notify?: (req: NotifyRequest) => void;
  followers?: TicketFollower[];
  clock?: () => number;
  /** Tickets read per query by the timer. */
  pageSize?: number;
}

export class TicketService implements DecisionSink {
  readonly name = 'tickets';
  private readonly listeners: TicketListener[] = [];
  private readonly limiter = new RateLimiter(30_000);
  private readonly clock: () => number;
  private ticking = false;

  constructor(private readonly opts: TicketServiceOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  onTicketEvent(listener: TicketListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private async emit(type: TicketEventKind, ticket: Ticket, at: number, actor: string, detail: string): Promise<void> {
    const event: TicketEvent = { type, ticket, at, actor, detail, ...(ticket.responseDueAt !== undefined ? { responseDueAt: ticket.responseDueAt } : {}) };
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        if (this.limiter.allow('listener') >= 0) this.opts.log.error('ticket event listener failed', { event: type, error: (err as Error).message });
      }
    }
    for (const f of this.opts.followers ?? []) {
      try {
        await f.follow(event);
      } catch (err) {
        if (this.limiter.allow(`follower:${f.name}`) >= 0) this.opts.log.error('ticket follower failed', { follower: f.name, error: (err as Error).message });
      }
    }
  }

  private people(targets: readonly string[], at: number): Person[] {
    return resolveTargets(targets, this.opts.directory, at);
  }

  private owner(ticket: Ticket): Person[] {
    return ticket.owner ? this.people([ticket.owner], this.clock()) : [];
  }

  private send(ticket: Ticket, kind: NotifyRequest['kind'], recipients: Person[], at: number, extra: Partial<NotifyRequest> = {}): void {
    if (!this.opts.notify) return;
    const page = ticket.report.drill !== undefined && ticket.report.drillPage === true;
    this.opts.notify({ kind, ticketId: ticket.id, report: ticket.report, recipients, at, priority: ticket.priority, ...(ticket.drill ? { drill: ticket.drill } : {}), ...(page ? { page } : {}), ...(ticket.owner ? { owner: ticket.owner } : {}), ...extra });
  }

  /** DecisionSink: runs after each commit. Never blocks ingest for long: sends are queued. */
  async deliver(decisions: readonly Decision[], result: CommitResult): Promise<void> {
    const touched = result.touched ?? result.opened.map((o) => ({ ...o, op: 'open' as const }));
    const byIncident = new Map(touched.map((t) => [t.incidentId, t.ticketId]));
    const opened = new Set(result.opened.map((o) => o.ticketId));
    const reopened = new Set((result.reopened ?? []).map((o) => o.ticketId));
    const at = this.clock();
    for (const c of result.carried ?? []) {
      const got = await this.opts.store.getTicket(c.ticketId);
      if (got) await this.emit('acknowledged', got.ticket, at, c.actor, c.detail);
    }
    for (const d of decisions) {
      if (d.type !== 'incident.opened' && d.type !== 'incident.updated' && d.type !== 'incident.resolved') continue;
      const ticketId = byIncident.get(d.incident.id);
      if (ticketId === undefined) continue;
      const raised = d.type === 'incident.updated' && d.incident.evidence.some((e) => e.event === 'priority' && e.at === d.incident.updatedAt);
      if (d.type === 'incident.updated') {
        const joined = d.incident.alerts.find((a) => a.id === d.alert);
        // Symptoms folding in never notify; a root-cause alert joining, a late root cause taking
        // the incident over, or a raised priority does.
        if (!((d.change === 'alert-joined' && joined?.role !== 'symptom') || d.change === 'root-changed' || raised)) continue;
      }
      const ticket = await this.opts.store.ticketForIncident(d.incident.id);
      if (!ticket || ticket.id !== ticketId) continue;
      if (d.type === 'incident.opened' && (opened.has(ticketId) || reopened.has(ticketId))) {
        const kind = opened.has(ticketId) ? 'opened' : 'reopened';
        const policy = policyFor(this.opts.sla, ticket.priority, ticket.policy);
        this.send(ticket, kind, this.people(policy?.notify ?? [], at), at);
        await this.emit(kind, ticket, at, SYSTEM_ACTOR, d.reason);
      } else if (d.type === 'incident.updated') {
        // A raised priority on a ticket nobody owns yet goes to whoever that priority's policy
        // tells first: they were not told when it opened at the lower one.
        const recipients = raised && !ticket.owner ? this.people(policyFor(this.opts.sla, ticket.priority, ticket.policy)?.notify ?? [], at) : this.owner(ticket);
        this.send(ticket, 'update', recipients, at);
      } else if (d.type === 'incident.resolved' && ticket.state === 'resolved' && ticket.incidentId === d.incident.id) {
        const into = d.incident.mergedInto !== undefined ? await this.opts.store.ticketForIncident(d.incident.mergedInto) : undefined;
        if (!into) this.send(ticket, 'resolved', this.owner(ticket), at);
        // Merged, not recovered: its owner hears where the fault is followed now, unless they own
        // that ticket and hear its own update.
        else if (ticket.owner && ticket.owner !== into.owner) this.send(into, 'update', this.owner(ticket), at);
        await this.emit('resolved', ticket, at, SYSTEM_ACTOR, d.reason);
      }
    }
  }

  /** A person's (or the API's) action on a ticket; committed before this resolves. */
  async act(ticketId: number, action: TicketAction): Promise<ActResult> {
    const at = this.clock();
    const r = await this.opts.store.act(ticketId, action, at);
    if (!r.ok) return r;
    if (r.event === 'handed-over' && r.ticket.owner) this.send(r.ticket, 'update', this.people([r.ticket.owner], at), at);
    await this.emit(r.event, r.ticket, at, r.entry.actor, r.entry.detail);
    return r;
  }

  /** Records a sent notification on each ticket's timeline. */
  async noteNotified(ticketIds: number[], detail: string): Promise<void> {
    for (const id of ticketIds) {
      const r = await this.opts.store.act(id, { kind: 'notified', detail }, this.clock());
      if (r.ok) await this.emit('notified', r.ticket, r.entry.at, SYSTEM_ACTOR, detail);
    }
  }

  /** Escalations, SLA breaches and auto-close, from stored state. Safe to call often. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.clock();
      for await (const ticket of this.every('active')) await this.timers(ticket, now);
      if (this.opts.autoCloseAfterMs > 0) {
        for await (const ticket of this.every('resolved')) {
          if (ticket.resolvedAt !== undefined && now - ticket.resolvedAt >= this.opts.autoCloseAfterMs) {
            await this.act(ticket.id, { kind: 'close', actor: SYSTEM_ACTOR, reason: 'closed automatically after resolution' });
          }
        }
      }
    } catch (err) {
      if (this.limiter.allow('tick') >= 0) this.opts.log.error('ticket timers failed; retrying next tick', { error: (err as Error).message });
    } finally {
      this.ticking = false;
    }
  }

  /** Every ticket in a state, a page at a time, so no ticket is beyond a listing limit. */
  private async *every(state: 'active' | 'resolved'): AsyncGenerator<TicketClock> {
    const limit = this.opts.pageSize ?? 500;
    let beforeId: number | undefined;
    for (;;) {
      const page = await this.opts.store.ticketClocks({ state, limit, ...(beforeId !== undefined ? { beforeId } : {}) });
      yield* page;
      if (page.length < limit) return;
      beforeId = page[page.length - 1]!.id;
    }
  }

  private async timers(ticket: TicketClock, now: number): Promise<void> {
    const due = dueSteps(ticket, this.opts.sla, now);
    for (const [i, d] of due.entries()) {
      const people = this.people(d.step.targets, now);
      const names = people.map((p) => p.name).join(', ') || d.step.targets.join(', ');
      const r = await this.opts.store.act(ticket.id, { kind: 'escalate', step: d.index, detail: `step ${d.index + 1}: not acknowledged; ${names} (${d.step.targets.join(', ')})` }, now);
      if (!r.ok) break;
      // After a long outage several steps may be due at once: all are recorded, the last is sent.
      if (i === due.length - 1) this.send(r.ticket, 'escalated', people, now, { step: d.index + 1, ...(d.step.channels ? { channels: d.step.channels } : {}) });
      await this.emit('escalated', r.ticket, now, SYSTEM_ACTOR, r.entry.detail);
    }
    if (ticket.state === 'open' && ticket.responseDueAt !== undefined && now >= ticket.responseDueAt && !ticket.breached.includes('response')) {
      const r = await this.opts.store.act(ticket.id, { kind: 'breach', which: 'response', detail: `not acknowledged within the ${ticket.priority} response time` }, now);
      if (r.ok) await this.emit('breached', r.ticket, now, SYSTEM_ACTOR, r.entry.detail);
    }
    if (ticket.resolutionDueAt !== undefined && now >= ticket.resolutionDueAt && !ticket.breached.includes('resolution')) {
      const r = await this.opts.store.act(ticket.id, { kind: 'breach', which: 'resolution', detail: `not resolved within the ${ticket.priority} resolution time` }, now);
      if (r.ok) await this.emit('breached', r.ticket, now, SYSTEM_ACTOR, r.entry.detail);
    }
  }

  /** When the ticket's next escalation step falls due, for display. */
  nextEscalation(ticket: Ticket): number | undefined {
    return nextStepAt(ticket, this.opts.sla);
  }

  describe(ticket: Ticket): string {
    return `${ticketRef(ticket.id)} ${ticket.priority} ${ticket.state}`;
  }
}
