// SMS through the hospital's own gateway (短信平台, an operator's HTTP API, a modem bridge):
// a template of URL, method, headers and body with placeholders, and a success predicate,
// rather than one vendor hard-coded. Text is short: approved SMS templates are.

import type { Person } from '../../escalate/policy.js';
import type { ChannelSpec } from '../config.js';
import { hostOf, httpRequest, type Channel, type SendResult } from '../channel.js';
import type { Message } from '../message.js';
import { timeout } from './robots.js';

type SmsSpec = Extract<ChannelSpec, { type: 'sms' }>;

const PLACEHOLDER = /\{\{(phone|phones|text|priority|ticket|title)\}\}/g;

function escape(value: string, how: 'json' | 'form' | 'none' | 'url'): string {
  if (how === 'json') return JSON.stringify(value).slice(1, -1);
  if (how === 'form' || how === 'url') return encodeURIComponent(value);
  return value;
}

export function fillTemplate(template: string, values: Record<string, string>, how: 'json' | 'form' | 'none' | 'url'): string {
  return template.replace(PLACEHOLDER, (_, key: string) => escape(values[key] ?? '', how));
}

function dig(json: unknown, path: string): unknown {
  let v: unknown = json;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** Short text: the title only, cut to the template's length. */
export function smsText(m: Message, max: number): string {
  const chars = [...m.title];
  return chars.length <= max ? m.title : chars.slice(0, max - 1).join('') + '…';
}

export function smsChannel(name: string, spec: SmsSpec): Channel {
  const how = spec.encode ?? 'json';
  const contentType = how === 'form' ? 'application/x-www-form-urlencoded; charset=utf-8' : how === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8';
  const judge = (host: string, status: number, text: string): SendResult => {
    const s = spec.success;
    if (status === 429) return { ok: false, retry: true, throttled: true, code: 'throttled', detail: `${host}: HTTP 429` };
    if (status >= 500) return { ok: false, retry: true, code: 'http-5xx', detail: `${host}: HTTP ${status}` };
    const good = s?.status ? s.status.includes(status) : status >= 200 && status < 300;
    if (!good) return { ok: false, retry: false, code: status >= 400 ? 'http-4xx' : 'rejected', detail: `${host}: HTTP ${status}` };
    if (s?.contains !== undefined && !text.includes(s.contains)) return { ok: false, retry: false, code: 'rejected', detail: `${host}: answer lacks "${s.contains}"` };
    if (s?.json_path !== undefined) {
      let got: unknown;
      try {
        got = dig(JSON.parse(text), s.json_path);
      } catch {
        return { ok: false, retry: false, code: 'rejected', detail: `${host}: answer is not JSON` };
      }
      if (s.equals !== undefined ? String(got) !== String(s.equals) : got === undefined) {
        return { ok: false, retry: false, code: 'rejected', detail: `${host}: ${s.json_path} is ${JSON.stringify(got)}${s.equals !== undefined ? `, not ${JSON.stringify(s.equals)}` : ''}` };
      }
    }
    return { ok: true };
  };
  const request = async (values: Record<string, string>): Promise<SendResult> => {
    const url = fillTemplate(spec.url, values, 'url');
    const res = await httpRequest(url, {
      method: spec.method ?? 'POST',
      headers: { 'content-type': contentType, ...(spec.headers ?? {}) },
      ...(spec.body !== undefined ? { body: fillTemplate(spec.body, values, how) } : {}),
      timeoutMs: timeout(spec),
    });
    return res.ok ? judge(hostOf(url), res.status, res.text) : res;
  };
  return {
    name,
    type: 'sms',
    personal: true,
    perMinute: spec.per_minute ?? 60,
    async send(m: Message, recipients: readonly Person[]): Promise<SendResult> {
      const reachable = recipients.filter((p): p is Person & { phone: string } => !!p.phone);
      const phones = reachable.map((p) => p.phone);
      if (phones.length === 0) return { ok: false, retry: false, code: 'no-recipients', detail: 'nobody addressed has a phone number' };
      const values = { phones: phones.join(','), text: smsText(m, spec.max_length ?? 70), priority: m.priority, ticket: m.tickets.map((t) => `T-${t}`).join(','), title: m.title, phone: phones[0] as string };
      if (!spec.per_recipient) return request(values);
      const reached: string[] = [];
      for (const person of reachable) {
        const r = await request({ ...values, phone: person.phone });
        if (!r.ok) return reached.length > 0 ? { ...r, detail: `${r.detail} (after ${reached.length} of ${reachable.length} recipients)`, reached } : r;
        reached.push(person.id);
      }
      return { ok: true };
    },
  };
}
