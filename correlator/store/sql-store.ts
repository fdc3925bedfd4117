// The store's logic once, on any SqlDriver (SQLite, PostgreSQL). Every write is one
// transaction, and write transactions run one at a time (one correlator writes its store),
// so the engine's commits and people's actions through the API never interleave.

import type { Alert } from '../evaluate/alert.js';
import type { AgentRecord } from '../evaluate/fleet.js';
import type { Incident } from '../correlate/incident.js';
import type { Silence } from '../correlate/silence.js';
import type { TicketAction } from '../ticket/lifecycle.js';
import type { Ticket, TicketClock, TicketState, TimelineEntry } from '../ticket/ticket.js';
import { finishItsmJob, insertItsmJobs, insertNotification, insertToken, selectDueItsm, selectItsmLink, selectNotifications, selectTokenByHash, selectTokens } from './records.js';
import { Mutex, type Sql, type SqlDriver } from './sql.js';
import type {
  ActResult,
  CommitBatch,
  CommitResult,
  IncidentQuery,
  IncidentSummary,
  ItsmJob,
  NotificationRecord,
  Store,
  StoredState,
  TicketQuery,
  TicketSettings,
  TokenRecord,
} from './store.js';
import { actOnTicket, applyTicketOps, CLOCK_COLUMNS, clockFromRow, ticketFromRow, timelineOf, type TicketRow } from './ticket-rows.js';

const UPSERT_ALERT = `INSERT INTO alerts (id, rule, node, state, fired_at, resolved_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET state = excluded.state, fired_at = excluded.fired_at, resolved_at = excluded.resolved_at, data = excluded.data`;
const UPSERT_INCIDENT = `INSERT INTO incidents (id, state, priority, title, root, site, opened_at, resolved_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET state = excluded.state, priority = excluded.priority, title = excluded.title, root = excluded.root,
    resolved_at = excluded.resolved_at, updated_at = excluded.updated_at, data = excluded.data`;
const UPSERT_AGENT = `INSERT INTO agents (id, site, online, session, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET site = excluded.site, online = excluded.online, session = excluded.session, data = excluded.data, updated_at = excluded.updated_at`;
const RETIRE_AGENT = `UPDATE agents SET site = '', data = '{}' WHERE id = ?`;
const UPSERT_SILENCE = `INSERT INTO silences (id, starts_at, ends_at, expired_at, created_by, data) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, expired_at = excluded.expired_at, data = excluded.data`;
const MARK_SEQUENCE = `INSERT INTO agents (id, site, online, session, last_seq, data, updated_at) VALUES (?, '', 1, 0, ?, '{}', 0)
  ON CONFLICT (id) DO UPDATE SET last_seq = CASE WHEN excluded.last_seq > agents.last_seq THEN excluded.last_seq ELSE agents.last_seq END`;

export class SqlStore implements Store {
  private readonly writes = new Mutex();
  private settings: TicketSettings = {};

  constructor(
    readonly kind: string,
    protected readonly driver: SqlDriver,
  ) {}

  configureTickets(settings: TicketSettings): void {
    this.settings = settings;
  }

  protected write<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.writes.lock(() => this.driver.transaction(fn));
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    const result: Required<CommitResult> = { opened: [], reopened: [], touched: [], carried: [] };
    await this.write(async (tx) => {
      for (const d of batch.decisions) {
        if (d.type === 'alert.firing' || d.type === 'alert.resolved') {
          const a: Alert = d.alert;
          await tx.run(UPSERT_ALERT, [a.id, a.rule, a.node, a.state, a.firedAt, a.resolvedAt ?? null, JSON.stringify(a)]);
        } else if (d.type === 'agent.online' || d.type === 'agent.offline') {
          const a: AgentRecord = d.agent;
          await tx.run(UPSERT_AGENT, [a.id, a.site, a.online ? 1 : 0, a.session, JSON.stringify(a), d.at]);
        } else if (d.type === 'agent.retired') {
          // Forgotten, but its sequence mark stays (the row without a site is not an agent).
          await tx.run(RETIRE_AGENT, [d.agent.id]);
        } else if (d.type === 'silence.set' || d.type === 'silence.expired') {
          const x = d.silence;
          const expired = x.expiredAt ?? (d.type === 'silence.expired' ? Math.min(x.endsAt, x.expiredAt ?? x.endsAt) : null);
          await tx.run(UPSERT_SILENCE, [x.id, x.startsAt, x.endsAt, expired, x.createdBy, JSON.stringify(x)]);
        } else if (d.type === 'incident.opened' || d.type === 'incident.updated' || d.type === 'incident.resolved') {
          const i: Incident = d.incident;
          await tx.run(UPSERT_INCIDENT, [i.id, i.state, i.priority, i.title, i.root, i.site, i.openedAt, i.resolvedAt ?? null, i.updatedAt, JSON.stringify(i)]);
        }
      }
      await applyTicketOps(tx, batch.tickets, this.settings, result);
      for (const s of batch.sequences) await tx.run(MARK_SEQUENCE, [s.agent, s.seq]);
    });
    return result;
  }

  async load(): Promise<StoredState> {
    const db = this.driver;
    const agents = (await db.all<{ data: string }>(`SELECT data FROM agents WHERE site != ''`)).map((r) => JSON.parse(r.data) as AgentRecord);
    const alerts = (await db.all<{ data: string }>(`SELECT data FROM alerts WHERE state = 'firing'`)).map((r) => JSON.parse(r.data) as Alert);
    const open = (await db.all<{ data: string }>(`SELECT data FROM incidents WHERE state = 'open' ORDER BY id`)).map((r) => JSON.parse(r.data) as Incident);
    const maxId = Number((await db.get<{ m: number | null }>('SELECT max(id) AS m FROM incidents'))?.m ?? 0);
    const sequences = new Map<string, number>();
    for (const r of await db.all<{ id: string; last_seq: number }>('SELECT id, last_seq FROM agents')) sequences.set(r.id, Number(r.last_seq));
    const silences = (await db.all<{ data: string }>('SELECT data FROM silences WHERE expired_at IS NULL ORDER BY starts_at')).map((r) => JSON.parse(r.data) as Silence);
    return { agents, alerts, incidents: { nextId: maxId + 1, open, silences }, sequences };
  }

  private summary(r: { data: string; tid: number | null; tstate: TicketState | null; owner: string | null }): IncidentSummary {
    return {
      incident: JSON.parse(r.data) as Incident,
      ...(r.tid !== null ? { ticket: { id: Number(r.tid), state: r.tstate as TicketState, ...(r.owner ? { owner: r.owner } : {}) } } : {}),
    };
  }

  async listIncidents(q: IncidentQuery = {}): Promise<IncidentSummary[]> {
    const state = q.state ?? 'all';
    const rows = await this.driver.all<{ data: string; tid: number | null; tstate: TicketState | null; owner: string | null }>(
      `SELECT i.data, t.id AS tid, t.state AS tstate, t.owner FROM incidents i
       LEFT JOIN ticket_incidents ti ON ti.incident_id = i.id LEFT JOIN tickets t ON t.id = ti.ticket_id
       WHERE (? = 'all' OR i.state = ?) ORDER BY i.id DESC LIMIT ?`,
      [state, state, q.limit ?? 200],
    );
    return rows.map((r) => this.summary(r));
  }

  async getIncident(id: number): Promise<IncidentSummary | undefined> {
    const row = await this.driver.get<{ data: string; tid: number | null; tstate: TicketState | null; owner: string | null }>(
      `SELECT i.data, t.id AS tid, t.state AS tstate, t.owner FROM incidents i
       LEFT JOIN ticket_incidents ti ON ti.incident_id = i.id LEFT JOIN tickets t ON t.id = ti.ticket_id WHERE i.id = ?`,
      [id],
    );
    return row ? this.summary(row) : undefined;
  }

  async getTicket(id: number): Promise<{ ticket: Ticket; timeline: TimelineEntry[] } | undefined> {
    const row = await this.driver.get<TicketRow>('SELECT * FROM tickets WHERE id = ?', [id]);
    if (!row) return undefined;
    return { ticket: ticketFromRow(row), timeline: await timelineOf(this.driver, id) };
  }

  async ticketForIncident(incidentId: number): Promise<Ticket | undefined> {
    const row = await this.driver.get<TicketRow>('SELECT t.* FROM ticket_incidents ti JOIN tickets t ON t.id = ti.ticket_id WHERE ti.incident_id = ?', [incidentId]);
    return row ? ticketFromRow(row) : undefined;
  }

  async listTickets(q: TicketQuery = {}): Promise<Ticket[]> {
    return (await this.selectTickets('*', q)).map(ticketFromRow);
  }

  async ticketClocks(q: TicketQuery): Promise<TicketClock[]> {
    return (await this.selectTickets(CLOCK_COLUMNS, q)).map(clockFromRow);
  }

  /** Newest first, in a state ("active": open or acknowledged), before an id. */
  private selectTickets(columns: string, q: TicketQuery): Promise<TicketRow[]> {
    const state = q.state ?? 'all';
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (state === 'active') conditions.push(`state IN ('open', 'acknowledged')`);
    else if (state !== 'all') {
      conditions.push('state = ?');
      params.push(state);
    }
    if (q.beforeId !== undefined) {
      conditions.push('id < ?');
      params.push(q.beforeId);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    return this.driver.all<TicketRow>(`SELECT ${columns} FROM tickets ${where} ORDER BY id DESC LIMIT ?`, [...params, q.limit ?? 200]);
  }

  act(ticketId: number, action: TicketAction, at: number): Promise<ActResult> {
    return this.write((tx) => actOnTicket(tx, ticketId, action, at));
  }

  async resolvedTickets(limit: number): Promise<Ticket[]> {
    const rows = await this.driver.all<TicketRow>(`SELECT * FROM tickets WHERE state IN ('resolved', 'closed') AND resolution IS NOT NULL ORDER BY resolved_at DESC LIMIT ?`, [limit]);
    return rows.map(ticketFromRow);
  }

  recordNotification(r: NotificationRecord): Promise<number> {
    return this.write((tx) => insertNotification(tx, r));
  }

  notifications(q: { ticketId?: number; status?: NotificationRecord['status']; limit?: number }): Promise<NotificationRecord[]> {
    return selectNotifications(this.driver, q);
  }

  enqueueItsm(jobs: Array<Omit<ItsmJob, 'id' | 'attempts'>>): Promise<void> {
    return this.write((tx) => insertItsmJobs(tx, jobs));
  }

  dueItsm(now: number, limit: number): Promise<ItsmJob[]> {
    return selectDueItsm(this.driver, now, limit);
  }

  finishItsm(id: number, outcome: { ok: true; externalId?: string } | { ok: false; error: string; nextAt: number | null }): Promise<void> {
    return this.write((tx) => finishItsmJob(tx, id, outcome));
  }

  itsmLink(sink: string, ticketId: number): Promise<string | undefined> {
    return selectItsmLink(this.driver, sink, ticketId);
  }

  createToken(t: { name: string; role: TokenRecord['role']; hash: string; at: number; expiresAt?: number }): Promise<TokenRecord> {
    return this.write((tx) => insertToken(tx, t));
  }

  tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return selectTokenByHash(this.driver, hash);
  }

  listTokens(): Promise<TokenRecord[]> {
    return selectTokens(this.driver);
  }

  revokeToken(name: string, at: number): Promise<boolean> {
    return this.write(async (tx) => (await tx.run('UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL', [at, name])) > 0);
  }

  async close(): Promise<void> {
    await this.writes.lock(async () => undefined);
    await this.driver.close();
  }
}
