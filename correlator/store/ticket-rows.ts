// Tickets in SQL, for every backend: opening (or reopening) one per incident, notes and
// resolution from incident decisions, and people's and timers' actions through
// lifecycle.decide, all inside the caller's transaction.

import type { Incident } from '../correlate/incident.js';
import { comesBack, decide, type TicketAction, type TicketPatch } from '../ticket/lifecycle.js';
import { drillOf, rootRules, SYSTEM_ACTOR, type Breach, type Ticket, type TicketClock, type TicketOp, type TicketState, type TimelineEntry } from '../ticket/ticket.js';
import { json, type Sql } from './sql.js';
import type { ActResult, CommitResult, TicketSettings } from './store.js';

export interface TicketRow {
  id: number;
  incident_id: number;
  state: TicketState;
  priority: string;
  title: string;
  owner: string | null;
  opened_at: number;
  acknowledged_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  report: string;
  root: string;
  rules: string;
  policy: string | null;
  steps_done: number;
  response_due_at: number | null;
  resolution_due_at: number | null;
  breached: string;
  resolution: string | null;
  drill: string | null;
  reopened: number;
  updated_at: number;
  clock_from: number;
}

const opt = <K extends string, V>(key: K, v: V | null | undefined): Partial<Record<K, V>> => (v === null || v === undefined ? {} : ({ [key]: v } as Record<K, V>));

export const CLOCK_COLUMNS = 'id, state, priority, policy, steps_done, response_due_at, resolution_due_at, breached, resolved_at, clock_from';

/** A row of CLOCK_COLUMNS (PostgreSQL returns BIGINT columns as strings). */
export function clockFromRow(r: Pick<TicketRow, 'id' | 'state' | 'priority' | 'policy' | 'steps_done' | 'response_due_at' | 'resolution_due_at' | 'breached' | 'resolved_at' | 'clock_from'>): TicketClock {
  return {
    id: Number(r.id),
    state: r.state,
    priority: r.priority,
    stepsDone: Number(r.steps_done),
    breached: r.breached ? (r.breached.split(',') as Breach[]) : [],
    clockFrom: Number(r.clock_from),
    ...opt('policy', r.policy),
    ...opt('responseDueAt', r.response_due_at === null ? null : Number(r.response_due_at)),
    ...opt('resolutionDueAt', r.resolution_due_at === null ? null : Number(r.resolution_due_at)),
    ...opt('resolvedAt', r.resolved_at === null ? null : Number(r.resolved_at)),
  };
}

export function ticketFromRow(r: TicketRow): Ticket {
  return {
    ...clockFromRow(r),
    incidentId: Number(r.incident_id),
    title: r.title,
    openedAt: Number(r.opened_at),
    report: JSON.parse(r.report),
    root: r.root,
    rules: json<string[]>(r.rules, []),
    reopened: Number(r.reopened),
    updatedAt: Number(r.updated_at),
    ...opt('owner', r.owner),
    ...opt('acknowledgedAt', r.acknowledged_at === null ? null : Number(r.acknowledged_at)),
    ...opt('closedAt', r.closed_at === null ? null : Number(r.closed_at)),
    ...opt('resolution', r.resolution),
    ...opt('drill', r.drill),
  };
}

export const TIMELINE_INSERT = 'INSERT INTO ticket_events (ticket_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)';

async function ticketByIncident(tx: Sql, incidentId: number): Promise<TicketRow | undefined> {
  return tx.get<TicketRow>('SELECT t.* FROM ticket_incidents ti JOIN tickets t ON t.id = ti.ticket_id WHERE ti.incident_id = ?', [incidentId]);
}

async function openTicket(tx: Sql, op: Extract<TicketOp, { op: 'open' }>, settings: TicketSettings, result: Required<CommitResult>): Promise<void> {
  const i: Incident = op.incident;
  if (await tx.get('SELECT ticket_id FROM ticket_incidents WHERE incident_id = ?', [i.id])) return;
  const rules = rootRules(i);
  const terms = settings.terms?.(i.priority, op.at) ?? {};
  const window = settings.reopenWithinMs ?? 0;
  if (window > 0) {
    const candidates = await tx.all<TicketRow>(`SELECT * FROM tickets WHERE root = ? AND state = 'resolved' AND resolved_at >= ? ORDER BY resolved_at DESC LIMIT 5`, [i.root, op.at - window]);
    const old = candidates.map(ticketFromRow).find((c) => comesBack(c, { root: i.root, rules, at: op.at }, window));
    if (old) {
      await tx.run(
        `UPDATE tickets SET state = 'open', incident_id = ?, priority = ?, title = ?, report = ?, resolved_at = NULL, acknowledged_at = NULL,
           steps_done = 0, policy = ?, response_due_at = ?, resolution_due_at = ?, breached = '', reopened = reopened + 1, updated_at = ?, clock_from = ? WHERE id = ?`,
        [i.id, i.priority, i.title, JSON.stringify(op.report), terms.policy ?? old.policy ?? null, terms.responseDueAt ?? null, terms.resolutionDueAt ?? null, op.at, op.at, old.id],
      );
      await tx.run('INSERT INTO ticket_incidents (incident_id, ticket_id) VALUES (?, ?)', [i.id, old.id]);
      await tx.run(TIMELINE_INSERT, [old.id, op.at, SYSTEM_ACTOR, 'reopened', `the same fault came back as ${op.report.incident} (${i.priority})`]);
      result.reopened.push({ ticketId: old.id, incidentId: i.id });
      result.touched.push({ ticketId: old.id, incidentId: i.id, op: 'open' });
      return;
    }
  }
  const row = await tx.get<{ id: number }>(
    `INSERT INTO tickets (incident_id, state, priority, title, opened_at, report, root, rules, policy, steps_done, response_due_at, resolution_due_at, breached, drill, reopened, updated_at, clock_from)
     VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, '', ?, 0, ?, ?) ON CONFLICT (incident_id) DO NOTHING RETURNING id`,
    [i.id, i.priority, i.title, op.at, JSON.stringify(op.report), i.root, JSON.stringify(rules), terms.policy ?? null, terms.responseDueAt ?? null, terms.resolutionDueAt ?? null, drillOf(i) ?? null, op.at, op.at],
  );
  if (!row) return;
  const ticketId = Number(row.id);
  await tx.run('INSERT INTO ticket_incidents (incident_id, ticket_id) VALUES (?, ?)', [i.id, ticketId]);
  await tx.run(TIMELINE_INSERT, [ticketId, op.at, SYSTEM_ACTOR, 'opened', `opened for ${op.report.incident}: ${op.report.what} (${i.priority})`]);
  result.opened.push({ ticketId, incidentId: i.id });
  result.touched.push({ ticketId, incidentId: i.id, op: 'open' });
}

export async function applyTicketOps(tx: Sql, ops: readonly TicketOp[], settings: TicketSettings, result: Required<CommitResult>): Promise<void> {
  for (const op of ops) {
    if (op.op === 'open') {
      await openTicket(tx, op, settings, result);
      continue;
    }
    const row = await ticketByIncident(tx, op.incidentId);
    // Only the incident the ticket follows now may change it (not an older one it reopened from).
    if (!row || Number(row.incident_id) !== op.incidentId) continue;
    const ticketId = Number(row.id);
    result.touched.push({ ticketId, incidentId: op.incidentId, op: op.op });
    if (op.op === 'note') {
      const rules = [...new Set([...json<string[]>(row.rules, []), ...(op.rules ?? [])])].sort();
      await tx.run('UPDATE tickets SET report = ?, priority = ?, rules = ?, updated_at = ? WHERE id = ?', [JSON.stringify(op.report), op.report.priority, JSON.stringify(rules), op.at, ticketId]);
      if (!op.quiet) await tx.run(TIMELINE_INSERT, [ticketId, op.at, SYSTEM_ACTOR, op.action, op.detail]);
      if (op.report.priority < row.priority && (row.state === 'open' || row.state === 'acknowledged')) await raiseTerms(tx, row, op.report.priority, settings, op.at);
    } else if (row.state !== 'resolved' && row.state !== 'closed') {
      const into = op.mergedInto !== undefined ? await ticketByIncident(tx, op.mergedInto) : undefined;
      await tx.run(`UPDATE tickets SET state = 'resolved', resolved_at = ?, report = ?, updated_at = ? WHERE id = ?`, [op.at, JSON.stringify(op.report), op.at, ticketId]);
      await tx.run(TIMELINE_INSERT, [ticketId, op.at, SYSTEM_ACTOR, 'resolved', into ? `${op.detail}; followed on T-${into.id}` : op.detail]);
      // Whoever answered the merged ticket keeps working the fault: first to respond, they own
      // the ticket it folded into unless someone already does (then it is on record there).
      if (into && row.owner) {
        const carried = await actOnTicket(tx, Number(into.id), { kind: 'acknowledge', actor: row.owner, note: `carried over from T-${ticketId}, merged into this ticket` }, op.at);
        if (carried.ok) result.carried.push({ ticketId: Number(into.id), actor: row.owner, detail: carried.entry.detail });
      }
    } else {
      await tx.run('UPDATE tickets SET report = ?, updated_at = ? WHERE id = ?', [JSON.stringify(op.report), op.at, ticketId]);
    }
  }
}

/**
 * A running ticket whose incident's priority rose ("P1" < "P3") gets the stricter deadlines,
 * counted from its clock start as if it had opened at that priority, and that priority's
 * escalation policy; steps of the new policy already due fire on the next timer tick. A met
 * response deadline (acknowledged) stays met. Priority never lowers a deadline's urgency.
 */
async function raiseTerms(tx: Sql, row: TicketRow, priority: string, settings: TicketSettings, at: number): Promise<void> {
  const terms = settings.terms?.(priority, Number(row.clock_from));
  if (!terms) return;
  // PostgreSQL returns BIGINT columns as strings.
  const num = (v: number | null): number | null => (v === null ? null : Number(v));
  const earlier = (a: number | null, b: number | undefined): number | null => (b === undefined ? a : a === null ? b : Math.min(a, b));
  const [responseWas, resolutionWas] = [num(row.response_due_at), num(row.resolution_due_at)];
  const responseDue = row.state === 'open' ? earlier(responseWas, terms.responseDueAt) : responseWas;
  const resolutionDue = earlier(resolutionWas, terms.resolutionDueAt);
  const newPolicy = terms.policy !== undefined && terms.policy !== row.policy;
  await tx.run('UPDATE tickets SET policy = ?, steps_done = ?, response_due_at = ?, resolution_due_at = ? WHERE id = ?', [
    newPolicy ? terms.policy : row.policy,
    newPolicy ? 0 : Number(row.steps_done),
    responseDue,
    resolutionDue,
    row.id,
  ]);
  const parts = [`${row.priority} → ${priority}`];
  if (responseDue !== responseWas && responseDue !== null) parts.push(`respond by ${new Date(responseDue).toISOString()}`);
  if (resolutionDue !== resolutionWas && resolutionDue !== null) parts.push(`resolve by ${new Date(resolutionDue).toISOString()}`);
  if (newPolicy) parts.push(`escalation policy ${terms.policy}`);
  await tx.run(TIMELINE_INSERT, [row.id, at, SYSTEM_ACTOR, 'priority-raised', parts.join('; ')]);
}

const PATCH_COLUMNS: Record<keyof TicketPatch, string> = {
  state: 'state',
  owner: 'owner',
  acknowledgedAt: 'acknowledged_at',
  resolvedAt: 'resolved_at',
  closedAt: 'closed_at',
  resolution: 'resolution',
  stepsDone: 'steps_done',
  breached: 'breached',
};

export async function actOnTicket(tx: Sql, ticketId: number, action: TicketAction, at: number): Promise<ActResult> {
  const row = await tx.get<TicketRow>('SELECT * FROM tickets WHERE id = ?', [ticketId]);
  if (!row) return { ok: false, code: 'not-found', message: `no ticket T-${ticketId}` };
  const ticket = ticketFromRow(row);
  const d = decide(ticket, action, at);
  if (!d.ok) return d;
  const sets: string[] = ['updated_at = ?'];
  const params: unknown[] = [at];
  for (const [key, value] of Object.entries(d.patch) as Array<[keyof TicketPatch, unknown]>) {
    sets.push(`${PATCH_COLUMNS[key]} = ?`);
    params.push(key === 'breached' ? (value as string[]).join(',') : value);
  }
  await tx.run(`UPDATE tickets SET ${sets.join(', ')} WHERE id = ?`, [...params, ticketId]);
  await tx.run(TIMELINE_INSERT, [ticketId, at, d.entry.actor, d.entry.action, d.entry.detail]);
  const updated = ticketFromRow((await tx.get<TicketRow>('SELECT * FROM tickets WHERE id = ?', [ticketId])) as TicketRow);
  return { ok: true, ticket: updated, entry: { ticketId, at, ...d.entry }, event: d.event };
}

export async function timelineOf(db: Sql, ticketId: number): Promise<TimelineEntry[]> {
  const rows = await db.all<{ ticket_id: number; at: number; actor: string; action: string; detail: string }>('SELECT ticket_id, at, actor, action, detail FROM ticket_events WHERE ticket_id = ? ORDER BY id', [ticketId]);
  return rows.map((e) => ({ ticketId: Number(e.ticket_id), at: Number(e.at), actor: e.actor, action: e.action, detail: e.detail }));
}
