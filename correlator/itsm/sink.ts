// External ticket systems behind one small interface: open a ticket there, add a note, resolve
// it. The external id an open returns is stored against our ticket, so later updates find it.
// Outcomes are classified like channel outcomes: retry later, or give up (a 4xx will not heal).

import { classifyStatus, hostOf, httpRequest, type SendResult } from '../notify/channel.js';

export interface ItsmTicket {
  ticketId: number;
  ref: string;
  incident: string;
  priority: string;
  title: string;
  /** The fault report rendered for a person. */
  text: string;
  url?: string;
  root: string;
  service?: string;
  drill?: string;
  /** For update and resolve: what happened. */
  note?: string;
}

export type SinkResult = { ok: true; externalId?: string } | Extract<SendResult, { ok: false }>;

export interface TicketSink {
  readonly name: string;
  readonly type: 'webhook' | 'jira' | 'servicenow' | 'zammad';
  /** Whether drill tickets go to this system too. */
  readonly drills: boolean;
  open(t: ItsmTicket): Promise<SinkResult>;
  update(externalId: string, t: ItsmTicket): Promise<SinkResult>;
  resolve(externalId: string, t: ItsmTicket): Promise<SinkResult>;
}

/** One JSON request to an ITSM API; the answer's JSON when it is 2xx, a classified failure otherwise. */
export async function callJson(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  timeoutMs: number,
): Promise<{ ok: true; status: number; json: unknown } | Extract<SendResult, { ok: false }>> {
  const res = await httpRequest(url, {
    method,
    headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    timeoutMs,
  });
  if (!res.ok) return res;
  const bad = classifyStatus(hostOf(url), res.status, res.text);
  if (bad && !bad.ok) return bad;
  let json: unknown = null;
  if (res.text.trim() !== '') {
    try {
      json = JSON.parse(res.text);
    } catch {
      return { ok: false, retry: true, code: 'rejected', detail: `${hostOf(url)}: answer is not JSON` };
    }
  }
  return { ok: true, status: res.status, json };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
