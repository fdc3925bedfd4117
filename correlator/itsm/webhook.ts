// A generic ticket webhook for in-house 运维工单 systems: one signed JSON POST per event (open,
// update, resolve), Standard Webhooks headers like the notification webhook. The answer may
// carry the other system's id as {"id": …}; our ticket reference is used otherwise.

import { createHash } from 'node:crypto';
import { durationMs } from '../../common/duration.js';
import { webhookSignature } from '../notify/channels/webhook.js';
import type { ItsmSpec } from './config.js';
import { callJson, type ItsmTicket, type SinkResult, type TicketSink } from './sink.js';

type HookSpec = Extract<ItsmSpec, { type: 'webhook' }>;

export function webhookSink(name: string, spec: HookSpec, clock: () => number = Date.now): TicketSink {
  const timeout = spec.timeout ? durationMs(spec.timeout) : 15_000;
  const post = async (event: string, t: ItsmTicket, externalId?: string) => {
    const body = JSON.stringify({ event, ticket: t, ...(externalId ? { externalId } : {}) });
    const ts = Math.floor(clock() / 1000);
    const id = `tkt_${createHash('sha256').update(`${event}:${t.ref}:${t.note ?? ''}`).digest('hex').slice(0, 24)}`;
    const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(ts), ...(spec.secret ? { 'webhook-signature': webhookSignature(spec.secret, id, ts, body) } : {}) };
    return callJson('POST', spec.url, headers, JSON.parse(body), timeout);
  };
  return {
    name,
    type: 'webhook',
    drills: spec.drills ?? false,
    async open(t: ItsmTicket): Promise<SinkResult> {
      const r = await post('open', t);
      if (!r.ok) return r;
      const id = (r.json as { id?: unknown } | null)?.id;
      return { ok: true, externalId: typeof id === 'string' || typeof id === 'number' ? String(id) : t.ref };
    },
    async update(externalId: string, t: ItsmTicket): Promise<SinkResult> {
      const r = await post('update', t, externalId);
      return r.ok ? { ok: true } : r;
    },
    async resolve(externalId: string, t: ItsmTicket): Promise<SinkResult> {
      const r = await post('resolve', t, externalId);
      return r.ok ? { ok: true } : r;
    },
  };
}
