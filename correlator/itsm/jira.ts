// Jira Service Management through its customer-request API (/rest/servicedeskapi): create a
// request in a service desk, comment on it, and resolve it through the transition named in the
// config. Cloud authenticates with e-mail and API token (Basic), Data Center with a personal
// access token (Bearer).

import { durationMs } from '../../common/duration.js';
import type { ItsmSpec } from './config.js';
import { basic, callJson, trimSlash, type ItsmTicket, type SinkResult, type TicketSink } from './sink.js';

type JiraSpec = Extract<ItsmSpec, { type: 'jira' }>;

const PRIORITY_NAMES: Record<string, string> = { P1: 'Highest', P2: 'High', P3: 'Medium', P4: 'Low' };

export function jiraSink(name: string, spec: JiraSpec): TicketSink {
  const base = `${trimSlash(spec.url)}/rest/servicedeskapi`;
  const auth = { authorization: spec.email ? basic(spec.email, spec.token) : `Bearer ${spec.token}` };
  const timeout = spec.timeout ? durationMs(spec.timeout) : 15_000;
  const call = (method: string, path: string, body?: unknown) => callJson(method, `${base}${path}`, auth, body, timeout);
  return {
    name,
    type: 'jira',
    drills: spec.drills ?? false,
    async open(t: ItsmTicket): Promise<SinkResult> {
      const r = await call('POST', '/request', {
        serviceDeskId: spec.service_desk_id,
        requestTypeId: spec.request_type_id,
        requestFieldValues: {
          summary: `${t.ref} ${t.priority} ${t.title}`.slice(0, 250),
          description: `${t.text}${t.url ? `\n\n${t.url}` : ''}`,
          ...(spec.set_priority !== false ? { priority: { name: spec.priorities?.[t.priority as 'P1'] ?? PRIORITY_NAMES[t.priority] ?? 'Medium' } } : {}),
        },
      });
      if (!r.ok) return r;
      const key = (r.json as { issueKey?: unknown })?.issueKey;
      return typeof key === 'string' ? { ok: true, externalId: key } : { ok: false, retry: false, code: 'rejected', detail: 'Jira answered without issueKey' };
    },
    async update(key: string, t: ItsmTicket): Promise<SinkResult> {
      const r = await call('POST', `/request/${encodeURIComponent(key)}/comment`, { body: t.note ?? t.text, public: false });
      return r.ok ? { ok: true } : r;
    },
    async resolve(key: string, t: ItsmTicket): Promise<SinkResult> {
      const list = await call('GET', `/request/${encodeURIComponent(key)}/transition`);
      if (!list.ok) return list;
      const wanted = (spec.resolve_transition ?? 'Resolve').toLowerCase();
      const values = ((list.json as { values?: Array<{ id?: unknown; name?: unknown }> })?.values ?? []).filter((v) => typeof v.id === 'string');
      const transition = values.find((v) => String(v.name).toLowerCase() === wanted);
      if (!transition) return { ok: false, retry: false, code: 'rejected', detail: `no transition "${spec.resolve_transition ?? 'Resolve'}" (has: ${values.map((v) => String(v.name)).join(', ') || 'none'})` };
      const r = await call('POST', `/request/${encodeURIComponent(key)}/transition`, { id: transition.id, additionalComment: { body: t.note ?? 'Resolved in Wardwatch' } });
      return r.ok ? { ok: true } : r;
    },
  };
}
