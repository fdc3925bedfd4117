// Zammad through its REST API: tickets with an internal note as the first article, further
// notes as ticket_articles, and state "closed" on resolution. Token authentication.

import { durationMs } from '../../common/duration.js';
import type { ItsmSpec } from './config.js';
import { callJson, trimSlash, type ItsmTicket, type SinkResult, type TicketSink } from './sink.js';

type ZammadSpec = Extract<ItsmSpec, { type: 'zammad' }>;

const PRIORITIES: Record<string, string> = { P1: '3 high', P2: '3 high', P3: '2 normal', P4: '1 low' };

export function zammadSink(name: string, spec: ZammadSpec): TicketSink {
  const api = `${trimSlash(spec.url)}/api/v1`;
  const auth = { authorization: `Token token=${spec.token}` };
  const timeout = spec.timeout ? durationMs(spec.timeout) : 15_000;
  const note = (body: string) => ({ body, type: 'note', internal: true, content_type: 'text/plain' });
  return {
    name,
    type: 'zammad',
    drills: spec.drills ?? false,
    async open(t: ItsmTicket): Promise<SinkResult> {
      const r = await callJson(
        'POST',
        `${api}/tickets`,
        auth,
        { title: `${t.ref} ${t.priority} ${t.title}`.slice(0, 250), group: spec.group, customer: spec.customer, priority: PRIORITIES[t.priority] ?? '2 normal', article: { subject: t.title.slice(0, 250), ...note(`${t.text}${t.url ? `\n\n${t.url}` : ''}`) } },
        timeout,
      );
      if (!r.ok) return r;
      const id = (r.json as { id?: unknown })?.id;
      return typeof id === 'number' || typeof id === 'string' ? { ok: true, externalId: String(id) } : { ok: false, retry: false, code: 'rejected', detail: 'Zammad answered without id' };
    },
    async update(id: string, t: ItsmTicket): Promise<SinkResult> {
      const r = await callJson('POST', `${api}/ticket_articles`, auth, { ticket_id: Number(id), ...note(t.note ?? t.text) }, timeout);
      return r.ok ? { ok: true } : r;
    },
    async resolve(id: string, t: ItsmTicket): Promise<SinkResult> {
      const r = await callJson('PUT', `${api}/tickets/${encodeURIComponent(id)}`, auth, { state: 'closed', article: note(t.note ?? 'Resolved in Wardwatch') }, timeout);
      return r.ok ? { ok: true } : r;
    },
  };
}
