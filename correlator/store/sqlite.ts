// The embedded store: one SQLite file in WAL mode. Commits that change incidents or tickets
// are synchronous=FULL; sequence high-water marks of messages that changed nothing are
// batched by the caller, so a quiet fleet costs no fsync per message.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Alert } from '../evaluate/alert.js';
import type { AgentRecord } from '../evaluate/fleet.js';
import type { Incident } from '../correlate/incident.js';
import type { Silence } from '../correlate/silence.js';
import { SYSTEM_ACTOR, type Ticket, type TicketState, type TimelineEntry } from '../ticket/ticket.js';
import type { CommitBatch, CommitResult, IncidentQuery, IncidentSummary, Store, StoredState } from './store.js';

const MIGRATIONS: string[] = [
  `CREATE TABLE agents (
     id TEXT PRIMARY KEY, site TEXT NOT NULL, online INTEGER NOT NULL, session INTEGER NOT NULL,
     last_seq INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE alerts (
     id TEXT PRIMARY KEY, rule TEXT NOT NULL, node TEXT NOT NULL, state TEXT NOT NULL,
     fired_at INTEGER NOT NULL, resolved_at INTEGER, data TEXT NOT NULL);
   CREATE INDEX alerts_state ON alerts(state);
   CREATE TABLE incidents (
     id INTEGER PRIMARY KEY, state TEXT NOT NULL, priority TEXT NOT NULL, title TEXT NOT NULL,
     root TEXT NOT NULL, site TEXT NOT NULL, opened_at INTEGER NOT NULL, resolved_at INTEGER,
     updated_at INTEGER NOT NULL, data TEXT NOT NULL);
   CREATE INDEX incidents_state ON incidents(state);
   CREATE TABLE tickets (
     id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents(id),
     state TEXT NOT NULL, priority TEXT NOT NULL, title TEXT NOT NULL, owner TEXT,
     opened_at INTEGER NOT NULL, acknowledged_at INTEGER, resolved_at INTEGER, closed_at INTEGER,
     report TEXT NOT NULL);
   CREATE TABLE ticket_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
     at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);`,
  `CREATE TABLE silences (
     id TEXT PRIMARY KEY, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, expired_at INTEGER,
     created_by TEXT NOT NULL, data TEXT NOT NULL);`,
];

interface TicketRow {
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
}

function ticketFromRow(r: TicketRow): Ticket {
  return {
    id: r.id,
    incidentId: r.incident_id,
    state: r.state,
    priority: r.priority,
    title: r.title,
    openedAt: r.opened_at,
    report: JSON.parse(r.report),
    ...(r.owner ? { owner: r.owner } : {}),
    ...(r.acknowledged_at !== null ? { acknowledgedAt: r.acknowledged_at } : {}),
    ...(r.resolved_at !== null ? { resolvedAt: r.resolved_at } : {}),
    ...(r.closed_at !== null ? { closedAt: r.closed_at } : {}),
  };
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly db: Database.Database;

  constructor(readonly path: string, opts: { readonly?: boolean } = {}) {
    if (path !== ':memory:' && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.migrate();
    }
    this.db.pragma('busy_timeout = 5000');
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] as string);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    return this.commitSync(batch);
  }

  commitSync(batch: CommitBatch): CommitResult {
    const db = this.db;
    const result: CommitResult = { opened: [] };
    db.transaction(() => {
      const upsertAlert = db.prepare(
        `INSERT INTO alerts (id, rule, node, state, fired_at, resolved_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, fired_at = excluded.fired_at, resolved_at = excluded.resolved_at, data = excluded.data`,
      );
      const upsertIncident = db.prepare(
        `INSERT INTO incidents (id, state, priority, title, root, site, opened_at, resolved_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, priority = excluded.priority, title = excluded.title, root = excluded.root,
           resolved_at = excluded.resolved_at, updated_at = excluded.updated_at, data = excluded.data`,
      );
      const upsertAgent = db.prepare(
        `INSERT INTO agents (id, site, online, session, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET site = excluded.site, online = excluded.online, session = excluded.session, data = excluded.data, updated_at = excluded.updated_at`,
      );
      const upsertSilence = db.prepare(
        `INSERT INTO silences (id, starts_at, ends_at, expired_at, created_by, data) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, expired_at = excluded.expired_at, data = excluded.data`,
      );
      for (const d of batch.decisions) {
        if (d.type === 'alert.firing' || d.type === 'alert.resolved') {
          const a: Alert = d.alert;
          upsertAlert.run(a.id, a.rule, a.node, a.state, a.firedAt, a.resolvedAt ?? null, JSON.stringify(a));
        } else if (d.type === 'agent.online' || d.type === 'agent.offline') {
          const a: AgentRecord = d.agent;
          upsertAgent.run(a.id, a.site, a.online ? 1 : 0, a.session, JSON.stringify(a), d.at);
        } else if (d.type === 'silence.set' || d.type === 'silence.expired') {
          const x = d.silence;
          upsertSilence.run(x.id, x.startsAt, x.endsAt, x.expiredAt ?? (d.type === 'silence.expired' ? Math.min(x.endsAt, x.expiredAt ?? x.endsAt) : null), x.createdBy, JSON.stringify(x));
        } else if (d.type === 'incident.opened' || d.type === 'incident.updated' || d.type === 'incident.resolved') {
          const i: Incident = d.incident;
          upsertIncident.run(i.id, i.state, i.priority, i.title, i.root, i.site, i.openedAt, i.resolvedAt ?? null, i.updatedAt, JSON.stringify(i));
        }
      }
      this.applyTickets(batch, result);
      const mark = db.prepare(
        `INSERT INTO agents (id, site, online, session, last_seq, data, updated_at) VALUES (?, '', 1, 0, ?, '{}', 0)
         ON CONFLICT(id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)`,
      );
      for (const s of batch.sequences) mark.run(s.agent, s.seq);
    })();
    return result;
  }

  private applyTickets(batch: CommitBatch, result: CommitResult): void {
    const db = this.db;
    const event = db.prepare('INSERT INTO ticket_events (ticket_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)');
    const byIncident = db.prepare<[number], { id: number; state: TicketState }>('SELECT id, state FROM tickets WHERE incident_id = ?');
    for (const op of batch.tickets) {
      if (op.op === 'open') {
        const i = op.incident;
        const inserted = db
          .prepare(
            `INSERT INTO tickets (incident_id, state, priority, title, opened_at, report) VALUES (?, 'open', ?, ?, ?, ?)
             ON CONFLICT(incident_id) DO NOTHING`,
          )
          .run(i.id, i.priority, i.title, op.at, JSON.stringify(op.report));
        if (inserted.changes === 1) {
          const ticketId = Number(inserted.lastInsertRowid);
          event.run(ticketId, op.at, SYSTEM_ACTOR, 'opened', `opened for ${op.report.incident}: ${op.report.what} (${i.priority})`);
          result.opened.push({ ticketId, incidentId: i.id });
        }
        continue;
      }
      const ticket = byIncident.get(op.incidentId);
      if (!ticket) continue;
      if (op.op === 'note') {
        db.prepare('UPDATE tickets SET report = ?, priority = ? WHERE id = ?').run(JSON.stringify(op.report), op.report.priority, ticket.id);
        event.run(ticket.id, op.at, SYSTEM_ACTOR, op.action, op.detail);
      } else if (ticket.state !== 'resolved' && ticket.state !== 'closed') {
        db.prepare(`UPDATE tickets SET state = 'resolved', resolved_at = ?, report = ? WHERE id = ?`).run(op.at, JSON.stringify(op.report), ticket.id);
        event.run(ticket.id, op.at, SYSTEM_ACTOR, 'resolved', op.detail);
      }
    }
  }

  async load(): Promise<StoredState> {
    const agents = this.db
      .prepare<[], { data: string; site: string }>(`SELECT data, site FROM agents WHERE site != ''`)
      .all()
      .map((r) => JSON.parse(r.data) as AgentRecord);
    const alerts = this.db
      .prepare<[], { data: string }>(`SELECT data FROM alerts WHERE state = 'firing'`)
      .all()
      .map((r) => JSON.parse(r.data) as Alert);
    const open = this.db
      .prepare<[], { data: string }>(`SELECT data FROM incidents WHERE state = 'open' ORDER BY id`)
      .all()
      .map((r) => JSON.parse(r.data) as Incident);
    const maxId = (this.db.prepare('SELECT max(id) AS m FROM incidents').get() as { m: number | null }).m ?? 0;
    const sequences = new Map<string, number>();
    for (const r of this.db.prepare<[], { id: string; last_seq: number }>('SELECT id, last_seq FROM agents').all()) sequences.set(r.id, r.last_seq);
    const silences = this.db
      .prepare<[], { data: string }>('SELECT data FROM silences WHERE expired_at IS NULL ORDER BY starts_at')
      .all()
      .map((r) => JSON.parse(r.data) as Silence);
    return { agents, alerts, incidents: { nextId: maxId + 1, open, silences }, sequences };
  }

  async listIncidents(q: IncidentQuery = {}): Promise<IncidentSummary[]> {
    const state = q.state ?? 'all';
    const rows = this.db
      .prepare<{ state: string; limit: number }, { data: string; tid: number | null; tstate: TicketState | null; owner: string | null }>(
        `SELECT i.data, t.id AS tid, t.state AS tstate, t.owner FROM incidents i LEFT JOIN tickets t ON t.incident_id = i.id
         WHERE (@state = 'all' OR i.state = @state) ORDER BY i.id DESC LIMIT @limit`,
      )
      .all({ state, limit: q.limit ?? 200 });
    return rows.map((r) => ({
      incident: JSON.parse(r.data) as Incident,
      ...(r.tid !== null ? { ticket: { id: r.tid, state: r.tstate as TicketState, ...(r.owner ? { owner: r.owner } : {}) } } : {}),
    }));
  }

  async getTicket(id: number): Promise<{ ticket: Ticket; timeline: TimelineEntry[] } | undefined> {
    const row = this.db.prepare<[number], TicketRow>('SELECT * FROM tickets WHERE id = ?').get(id);
    if (!row) return undefined;
    const timeline = this.db
      .prepare<[number], { ticket_id: number; at: number; actor: string; action: string; detail: string }>('SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id')
      .all(id)
      .map((e) => ({ ticketId: e.ticket_id, at: e.at, actor: e.actor, action: e.action, detail: e.detail }));
    return { ticket: ticketFromRow(row), timeline };
  }

  async ticketForIncident(incidentId: number): Promise<Ticket | undefined> {
    const row = this.db.prepare<[number], TicketRow>('SELECT * FROM tickets WHERE incident_id = ?').get(incidentId);
    return row ? ticketFromRow(row) : undefined;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
