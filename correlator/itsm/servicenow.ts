// ServiceNow through the Table API on `incident`: created with correlation_id "wardwatch:T-12"
// (looked up first, so a create whose answer was lost is not repeated), work notes for updates,
// state 6 (Resolved) with a close code for resolution.

import { durationMs } from '../../common/duration.js';
import type { ItsmSpec } from './config.js';
import { basic, callJson, trimSlash, type ItsmTicket, type SinkResult, type TicketSink } from './sink.js';

type SnowSpec = Extract<ItsmSpec, { type: 'servicenow' }>;

const URGENCY_IMPACT: Record<string, [string, string]> = { P1: ['1', '1'], P2: ['1', '2'], P3: ['2', '2'], P4: ['3', '3'] };

export function servicenowSink(name: string, spec: SnowSpec): TicketSink {
  const table = `${trimSlash(spec.url)}/api/now/table/incident`;
  const auth = { authorization: spec.username ? basic(spec.username, spec.password ?? '') : `Bearer ${spec.token ?? ''}` };
  const timeout = spec.timeout ? durationMs(spec.timeout) : 15_000;
  const correlation = (t: ItsmTicket) => `wardwatch:${t.ref}`;
  return {
    name,
    type: 'servicenow',
    drills: spec.drills ?? false,
    async open(t: ItsmTicket): Promise<SinkResult> {
      const query = new URLSearchParams({ sysparm_query: `correlation_id=${correlation(t)}^active=true`, sysparm_limit: '1', sysparm_fields: 'sys_id,number' });
      const found = await callJson('GET', `${table}?${query}`, auth, undefined, timeout);
      if (!found.ok) return found;
      const existing = (found.json as { result?: Array<{ sys_id?: string }> })?.result?.[0]?.sys_id;
      if (existing) return { ok: true, externalId: existing };
      const [urgency, impact] = URGENCY_IMPACT[t.priority] ?? ['2', '2'];
      const r = await callJson(
        'POST',
        `${table}?sysparm_fields=sys_id,number`,
        auth,
        {
          short_description: `${t.priority} ${t.title}`.slice(0, 160),
          description: `${t.text}${t.url ? `\n\n${t.url}` : ''}`,
          urgency,
          impact,
          correlation_id: correlation(t),
          correlation_display: 'Wardwatch',
          ...(spec.caller_id ? { caller_id: spec.caller_id } : {}),
          ...(spec.assignment_group ? { assignment_group: spec.assignment_group } : {}),
          ...(spec.category ? { category: spec.category } : {}),
          ...(t.root ? { cmdb_ci: t.root } : {}),
        },
        timeout,
      );
      if (!r.ok) return r;
      const id = (r.json as { result?: { sys_id?: unknown } })?.result?.sys_id;
      return typeof id === 'string' ? { ok: true, externalId: id } : { ok: false, retry: false, code: 'rejected', detail: 'ServiceNow answered without result.sys_id' };
    },
    async update(sysId: string, t: ItsmTicket): Promise<SinkResult> {
      const r = await callJson('PATCH', `${table}/${encodeURIComponent(sysId)}`, auth, { work_notes: t.note ?? t.text }, timeout);
      return r.ok ? { ok: true } : r;
    },
    async resolve(sysId: string, t: ItsmTicket): Promise<SinkResult> {
      const r = await callJson('PATCH', `${table}/${encodeURIComponent(sysId)}`, auth, { state: '6', close_code: spec.close_code ?? 'Solution provided', close_notes: t.note ?? 'Resolved in Wardwatch' }, timeout);
      return r.ok ? { ok: true } : r;
    },
  };
}
