// The store's side records, for every backend: notifications sent and dead letters, the queue
// of operations for external ticket systems (so a down ITSM loses nothing), and API tokens
// (hashes only).

import { json, type Sql } from './sql.js';
import type { ItsmJob, NotificationRecord, TokenRecord } from './store.js';

interface NotificationRow {
  id: number;
  ticket_id: number | null;
  channel: string;
  kind: string;
  recipients: string;
  status: NotificationRecord['status'];
  attempts: number;
  at: number;
  detail: string;
  payload: string | null;
}

export async function insertNotification(db: Sql, r: NotificationRecord): Promise<number> {
  const row = await db.get<{ id: number }>(
    'INSERT INTO notifications (ticket_id, channel, kind, recipients, status, attempts, at, detail, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [r.ticketId ?? null, r.channel, r.kind, JSON.stringify(r.recipients), r.status, r.attempts, r.at, r.detail, r.payload ?? null],
  );
  return Number(row?.id);
}

export async function selectNotifications(db: Sql, q: { ticketId?: number; status?: NotificationRecord['status']; limit?: number }): Promise<NotificationRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.ticketId !== undefined) {
    where.push('ticket_id = ?');
    params.push(q.ticketId);
  }
  if (q.status !== undefined) {
    where.push('status = ?');
    params.push(q.status);
  }
  const rows = await db.all<NotificationRow>(`SELECT * FROM notifications ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`, [...params, q.limit ?? 500]);
  return rows.map((r) => ({
    id: Number(r.id),
    ...(r.ticket_id !== null ? { ticketId: Number(r.ticket_id) } : {}),
    channel: r.channel,
    kind: r.kind,
    recipients: json<string[]>(r.recipients, []),
    status: r.status,
    attempts: Number(r.attempts),
    at: Number(r.at),
    detail: r.detail,
    ...(r.payload !== null ? { payload: r.payload } : {}),
  }));
}

interface ItsmRow {
  id: number;
  sink: string;
  ticket_id: number;
  op: ItsmJob['op'];
  payload: string;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

export async function insertItsmJobs(db: Sql, jobs: Array<Omit<ItsmJob, 'id' | 'attempts'>>): Promise<void> {
  for (const j of jobs) {
    await db.run(`INSERT INTO itsm_queue (sink, ticket_id, op, payload, attempts, next_at, state) VALUES (?, ?, ?, ?, 0, ?, 'pending')`, [j.sink, j.ticketId, j.op, j.payload, j.nextAt]);
  }
}

export async function selectDueItsm(db: Sql, now: number, limit: number): Promise<ItsmJob[]> {
  // The oldest pending job of each (sink, ticket), if it is due: later ones wait their turn.
  const rows = await db.all<ItsmRow>(
    `SELECT q.* FROM itsm_queue q
     WHERE q.state = 'pending' AND q.next_at <= ?
       AND q.id = (SELECT min(p.id) FROM itsm_queue p WHERE p.state = 'pending' AND p.sink = q.sink AND p.ticket_id = q.ticket_id)
     ORDER BY q.id LIMIT ?`,
    [now, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    sink: r.sink,
    ticketId: Number(r.ticket_id),
    op: r.op,
    payload: r.payload,
    attempts: Number(r.attempts),
    nextAt: Number(r.next_at),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  }));
}

export async function finishItsmJob(tx: Sql, id: number, outcome: { ok: true; externalId?: string } | { ok: false; error: string; nextAt: number | null }): Promise<void> {
  if (outcome.ok) {
    const job = await tx.get<ItsmRow>('SELECT * FROM itsm_queue WHERE id = ?', [id]);
    await tx.run(`UPDATE itsm_queue SET state = 'done', attempts = attempts + 1, last_error = NULL WHERE id = ?`, [id]);
    if (job && outcome.externalId !== undefined) {
      await tx.run(
        `INSERT INTO itsm_links (sink, ticket_id, external_id) VALUES (?, ?, ?) ON CONFLICT (sink, ticket_id) DO UPDATE SET external_id = excluded.external_id`,
        [job.sink, job.ticket_id, outcome.externalId],
      );
    }
    return;
  }
  if (outcome.nextAt === null) await tx.run(`UPDATE itsm_queue SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`, [outcome.error, id]);
  else await tx.run('UPDATE itsm_queue SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?', [outcome.error, outcome.nextAt, id]);
}

export async function selectItsmLink(db: Sql, sink: string, ticketId: number): Promise<string | undefined> {
  return (await db.get<{ external_id: string }>('SELECT external_id FROM itsm_links WHERE sink = ? AND ticket_id = ?', [sink, ticketId]))?.external_id;
}

interface TokenRow {
  id: number;
  name: string;
  role: TokenRecord['role'];
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

function tokenFromRow(r: TokenRow): TokenRecord {
  return {
    id: Number(r.id),
    name: r.name,
    role: r.role,
    createdAt: Number(r.created_at),
    ...(r.expires_at !== null ? { expiresAt: Number(r.expires_at) } : {}),
    ...(r.revoked_at !== null ? { revokedAt: Number(r.revoked_at) } : {}),
  };
}

export async function insertToken(db: Sql, t: { name: string; role: TokenRecord['role']; hash: string; at: number; expiresAt?: number }): Promise<TokenRecord> {
  const row = await db.get<TokenRow>('INSERT INTO api_tokens (name, role, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id, name, role, created_at, expires_at, revoked_at', [
    t.name,
    t.role,
    t.hash,
    t.at,
    t.expiresAt ?? null,
  ]);
  return tokenFromRow(row as TokenRow);
}

export async function selectTokenByHash(db: Sql, hash: string): Promise<TokenRecord | undefined> {
  const row = await db.get<TokenRow>('SELECT id, name, role, created_at, expires_at, revoked_at FROM api_tokens WHERE hash = ?', [hash]);
  return row ? tokenFromRow(row) : undefined;
}

export async function selectTokens(db: Sql): Promise<TokenRecord[]> {
  return (await db.all<TokenRow>('SELECT id, name, role, created_at, expires_at, revoked_at FROM api_tokens ORDER BY id')).map(tokenFromRow);
}
