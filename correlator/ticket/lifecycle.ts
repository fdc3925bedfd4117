// What may happen to a ticket, decided without I/O: open → acknowledged → resolved → closed,
// back to open when the same fault returns. The first person to acknowledge owns the ticket
// until they hand it over by name (首问负责制): a second acknowledgement is recorded and
// changes nothing. The store runs `decide` inside its transaction and writes the result.

import type { Breach, Ticket, TicketState } from './ticket.js';
import { SYSTEM_ACTOR } from './ticket.js';

export type TicketAction =
  | { kind: 'acknowledge'; actor: string; note?: string }
  | { kind: 'handover'; actor: string; to: string; note?: string; asAdmin?: boolean }
  | { kind: 'note'; actor: string; text: string }
  | { kind: 'resolve'; actor: string; note: string }
  | { kind: 'close'; actor: string; reason: string }
  | { kind: 'escalate'; step: number; detail: string }
  | { kind: 'breach'; which: Breach; detail: string }
  | { kind: 'notified'; detail: string };

export type TicketEventKind = 'opened' | 'acknowledged' | 'handed-over' | 'noted' | 'resolved' | 'closed' | 'reopened' | 'escalated' | 'breached' | 'notified';

/** Columns an action may change. */
export interface TicketPatch {
  state?: TicketState;
  owner?: string;
  acknowledgedAt?: number;
  resolvedAt?: number;
  closedAt?: number;
  resolution?: string;
  stepsDone?: number;
  breached?: Breach[];
}

export type ActionErrorCode = 'invalid-state' | 'not-owner' | 'bad-request';

export type Decided =
  | { ok: true; patch: TicketPatch; entry: { actor: string; action: string; detail: string }; event: TicketEventKind }
  | { ok: false; code: ActionErrorCode; message: string };

const FINISHED: readonly TicketState[] = ['resolved', 'closed'];

function refuse(code: ActionErrorCode, message: string): Decided {
  return { ok: false, code, message };
}

function withNote(text: string, note: string | undefined): string {
  return note && note.trim() ? `${text}: ${note.trim()}` : text;
}

export function decide(ticket: Ticket, action: TicketAction, at: number): Decided {
  switch (action.kind) {
    case 'acknowledge': {
      if (FINISHED.includes(ticket.state)) return refuse('invalid-state', `ticket is ${ticket.state}; only open tickets can be acknowledged`);
      if (ticket.owner && ticket.owner !== action.actor) {
        // First responder keeps it; the second acknowledgement is on record, nothing more.
        return { ok: true, patch: ticket.state === 'open' ? { state: 'acknowledged', acknowledgedAt: at } : {}, entry: { actor: action.actor, action: 'acknowledged', detail: withNote(`also acknowledged; owner stays ${ticket.owner}`, action.note) }, event: 'acknowledged' };
      }
      if (ticket.owner === action.actor && ticket.state === 'acknowledged') return refuse('invalid-state', `already acknowledged by ${action.actor}`);
      const patch: TicketPatch = { state: 'acknowledged', owner: action.actor };
      if (ticket.acknowledgedAt === undefined || ticket.state === 'open') patch.acknowledgedAt = at;
      return { ok: true, patch, entry: { actor: action.actor, action: 'acknowledged', detail: withNote(`owner ${action.actor}`, action.note) }, event: 'acknowledged' };
    }
    case 'handover': {
      if (ticket.state === 'closed') return refuse('invalid-state', 'ticket is closed');
      if (!action.to.trim()) return refuse('bad-request', 'hand-over needs the name of the person who takes over');
      if (!ticket.owner) return refuse('invalid-state', 'nobody owns this ticket yet; acknowledge it first');
      if (ticket.owner !== action.actor && !action.asAdmin) return refuse('not-owner', `only the owner (${ticket.owner}) or an admin can hand this ticket over`);
      if (ticket.owner === action.to) return refuse('invalid-state', `${action.to} already owns this ticket`);
      return { ok: true, patch: { owner: action.to }, entry: { actor: action.actor, action: 'handed-over', detail: withNote(`${ticket.owner} → ${action.to}`, action.note) }, event: 'handed-over' };
    }
    case 'note':
      if (!action.text.trim()) return refuse('bad-request', 'a note needs text');
      return { ok: true, patch: {}, entry: { actor: action.actor, action: 'note', detail: action.text.trim() }, event: 'noted' };
    case 'resolve': {
      if (ticket.state === 'closed') return refuse('invalid-state', 'ticket is closed');
      if (!action.note.trim()) return refuse('bad-request', 'resolving needs a note saying what fixed it');
      // Resolving an auto-resolved ticket records what fixed it (for the knowledge base).
      const patch: TicketPatch = { state: 'resolved', resolution: action.note.trim() };
      if (ticket.state !== 'resolved') patch.resolvedAt = at;
      return { ok: true, patch, entry: { actor: action.actor, action: 'resolved', detail: action.note.trim() }, event: 'resolved' };
    }
    case 'close':
      if (ticket.state === 'closed') return refuse('invalid-state', 'ticket is already closed');
      if (ticket.state !== 'resolved' && action.actor === SYSTEM_ACTOR) return refuse('invalid-state', 'only resolved tickets close by themselves');
      return { ok: true, patch: { state: 'closed', closedAt: at, ...(ticket.resolvedAt === undefined ? { resolvedAt: at } : {}) }, entry: { actor: action.actor, action: 'closed', detail: action.reason }, event: 'closed' };
    case 'escalate':
      if (ticket.state !== 'open') return refuse('invalid-state', `ticket is ${ticket.state}; only unacknowledged tickets escalate`);
      if (action.step !== ticket.stepsDone) return refuse('invalid-state', `step ${action.step + 1} is not the next step (${ticket.stepsDone} done)`);
      return { ok: true, patch: { stepsDone: ticket.stepsDone + 1 }, entry: { actor: SYSTEM_ACTOR, action: 'escalated', detail: action.detail }, event: 'escalated' };
    case 'breach':
      if (ticket.breached.includes(action.which)) return refuse('invalid-state', `${action.which} deadline breach already recorded`);
      return { ok: true, patch: { breached: [...ticket.breached, action.which] }, entry: { actor: SYSTEM_ACTOR, action: 'sla-breached', detail: action.detail }, event: 'breached' };
    case 'notified':
      return { ok: true, patch: {}, entry: { actor: SYSTEM_ACTOR, action: 'notified', detail: action.detail }, event: 'notified' };
  }
}

/**
 * Whether a new incident is the old fault coming back: same root node, its root rules all among
 * the old ticket's, and the old ticket resolved (not closed) no longer ago than the window.
 */
export function comesBack(
  old: Pick<Ticket, 'root' | 'rules' | 'state' | 'resolvedAt'>,
  incoming: { root: string; rules: readonly string[]; at: number },
  windowMs: number,
): boolean {
  if (windowMs <= 0 || old.state !== 'resolved' || old.resolvedAt === undefined) return false;
  if (old.root !== incoming.root || incoming.rules.length === 0) return false;
  if (incoming.at - old.resolvedAt > windowMs || incoming.at < old.resolvedAt) return false;
  return incoming.rules.every((r) => old.rules.includes(r));
}
