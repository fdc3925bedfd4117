// E-mail over SMTP with nodemailer: STARTTLS on 587 by default, implicit TLS on 465, an own CA
// for an internal mail server. SMTP's classes are the reverse of HTTP's: 4xx is temporary
// (retry), 5xx permanent.

import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Person } from '../../escalate/policy.js';
import type { ChannelSpec } from '../config.js';
import type { Channel, SendResult } from '../channel.js';
import { plainText, type Message } from '../message.js';
import { timeout } from './robots.js';

const CERTIFICATE_TROUBLE = /certificate|self[- ]signed|altname|ssl|tls/i;

export function emailChannel(name: string, spec: Extract<ChannelSpec, { type: 'email' }>): Channel {
  const tls = spec.tls ?? 'starttls';
  const transport: Transporter = nodemailer.createTransport({
    host: spec.host,
    port: spec.port ?? 587,
    secure: tls === 'implicit',
    requireTLS: tls === 'starttls',
    ignoreTLS: tls === 'none',
    ...(spec.username ? { auth: { user: spec.username, pass: spec.password ?? '' } } : {}),
    ...(spec.ca ? { tls: { ca: readFileSync(spec.ca) } } : {}),
    connectionTimeout: timeout(spec),
    greetingTimeout: timeout(spec),
    socketTimeout: timeout(spec),
  });
  return {
    name,
    type: 'email',
    personal: true,
    perMinute: spec.per_minute ?? 60,
    async send(m: Message, recipients: readonly Person[]): Promise<SendResult> {
      const to = recipients.map((p) => p.email).filter((x): x is string => !!x);
      if (to.length === 0) return { ok: false, retry: false, code: 'no-recipients', detail: 'nobody addressed has an e-mail address' };
      try {
        await transport.sendMail({ from: spec.from, to, subject: m.title, text: plainText(m, 100_000) });
        return { ok: true };
      } catch (err) {
        const e = err as Error & { responseCode?: number; code?: string };
        if (e.responseCode !== undefined && e.responseCode >= 500) return { ok: false, retry: false, code: 'smtp-permanent', detail: `${spec.host}: SMTP ${e.responseCode}` };
        if (e.responseCode !== undefined) return { ok: false, retry: true, code: 'smtp-temporary', detail: `${spec.host}: SMTP ${e.responseCode}` };
        // The socket's own words ("self-signed certificate", "ECONNREFUSED") tell the mail admin what to fix.
        const why = `${e.code ?? 'connection failed'}: ${e.message}`.slice(0, 200);
        return { ok: false, retry: true, code: CERTIFICATE_TROUBLE.test(e.message) ? 'tls' : 'network', detail: `${spec.host}: ${why}` };
      }
    },
    async close() {
      transport.close();
    },
  };
}
