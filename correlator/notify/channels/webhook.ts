// A generic JSON webhook, signed the Standard Webhooks way: headers webhook-id,
// webhook-timestamp (seconds) and webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>",
// so the receiver can check origin and freshness. The id is stable per message: a retry is
// recognisable as the same delivery.

import { createHash, createHmac } from 'node:crypto';
import type { Person } from '../../escalate/policy.js';
import type { ChannelSpec } from '../config.js';
import { postJson, type Channel } from '../channel.js';
import { plainText, type Message } from '../message.js';
import { timeout } from './robots.js';

/** The key bytes: "whsec_<base64>" as Standard Webhooks writes it, or the text itself. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function webhookSignature(secret: string, id: string, timestampS: number, body: string): string {
  return `v1,${createHmac('sha256', webhookKey(secret)).update(`${id}.${timestampS}.${body}`).digest('base64')}`;
}

export function webhookChannel(name: string, spec: Extract<ChannelSpec, { type: 'webhook' }>, clock: () => number = Date.now): Channel {
  return {
    name,
    type: 'webhook',
    personal: false,
    perMinute: spec.per_minute ?? 120,
    send(m: Message, recipients: readonly Person[]) {
      const id = `msg_${createHash('sha256').update(m.id).digest('hex').slice(0, 24)}`;
      const ts = Math.floor(clock() / 1000);
      const body = JSON.stringify({
        type: `ticket.${m.kind}`,
        timestamp: new Date(ts * 1000).toISOString(),
        data: {
          tickets: m.tickets,
          priority: m.priority,
          title: m.title,
          text: plainText(m, 8000),
          ...(m.url ? { url: m.url } : {}),
          ...(m.drill ? { drill: m.drill } : {}),
          recipients: recipients.map((p) => ({ id: p.id, name: p.name })),
        },
      });
      const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(ts) };
      if (spec.secret) headers['webhook-signature'] = webhookSignature(spec.secret, id, ts, body);
      return postJson(spec.url, body, { headers, timeoutMs: timeout(spec) });
    },
  };
}
