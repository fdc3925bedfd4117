// A channel is a small adapter: one message in, one classified outcome out. It never throws
// and never puts a secret (robot key, token, password) into its outcome: the URLs it reports
// are reduced to their host.

import { request as plainRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Person } from '../escalate/policy.js';
import type { Message } from './message.js';

/** Stable outcome codes, counted in metrics and stored with dead letters. */
export type SendCode = 'http-4xx' | 'http-5xx' | 'throttled' | 'rejected' | 'timeout' | 'network' | 'tls' | 'smtp-temporary' | 'smtp-permanent' | 'no-recipients' | 'bad-template';

/** `reached`: ids of the people a partly failed send did reach, so a retry spares them a second copy. */
export type SendResult = { ok: true } | { ok: false; retry: boolean; throttled?: boolean; code: SendCode; detail: string; reached?: readonly string[] };

export interface Channel {
  readonly name: string;
  readonly type: 'webhook' | 'wecom' | 'dingtalk' | 'feishu' | 'email' | 'sms';
  /** Personal channels (SMS, e-mail) reach people; group channels reach a chat group and @mention them. */
  readonly personal: boolean;
  /** Messages per minute the far end accepts. */
  readonly perMinute: number;
  send(message: Message, recipients: readonly Person[]): Promise<SendResult>;
  close?(): Promise<void>;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad url)';
  }
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/**
 * One HTTP request; a transport failure comes back classified, an answer as status and text.
 * node:http rather than fetch: its first request costs no lazy start-up (fetch compiles its
 * parser on first use, ~100 ms that the first P1 message would wait).
 */
export function httpRequest(url: string, opts: HttpOptions): Promise<{ ok: true; status: number; text: string } | Extract<SendResult, { ok: false }>> {
  const host = hostOf(url);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return resolve({ ok: false, retry: false, code: 'http-4xx', detail: 'bad URL' });
    }
    const body = opts.body !== undefined && opts.method !== 'GET' ? Buffer.from(opts.body, 'utf8') : undefined;
    const send = u.protocol === 'https:' ? httpsRequest : plainRequest;
    const req = send(u, { method: opts.method ?? 'POST', headers: { ...opts.headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        // An answer is a status word; a megabyte of it is a misbehaving peer.
        if ((size += c.length) <= 1_048_576) chunks.push(c);
      });
      res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ ok: false, retry: true, code: 'network', detail: `${host}: ${e.message}` }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_WARDWATCH' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ETIMEDOUT_WARDWATCH') resolve({ ok: false, retry: true, code: 'timeout', detail: `${host}: no answer within ${timeoutMs} ms` });
      else resolve({ ok: false, retry: true, code: 'network', detail: `${host}: ${e.code ?? e.message}` });
    });
    req.end(body);
  });
}

/** The HTTP status as an outcome: 429 throttled, 5xx retried, other 4xx given up. */
export function classifyStatus(host: string, status: number, text: string): SendResult | undefined {
  if (status === 429) return { ok: false, retry: true, throttled: true, code: 'throttled', detail: `${host}: HTTP 429` };
  if (status >= 500) return { ok: false, retry: true, code: 'http-5xx', detail: `${host}: HTTP ${status}` };
  if (status >= 400) return { ok: false, retry: false, code: 'http-4xx', detail: `${host}: HTTP ${status} ${text.slice(0, 120)}` };
  return undefined;
}

/** POSTs JSON and classifies the outcome; `check` looks into a 2xx body (errcode and the like). */
export async function postJson(url: string, body: string, opts: { headers?: Record<string, string>; timeoutMs?: number; check?: (json: unknown) => SendResult } = {}): Promise<SendResult> {
  const res = await httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...opts.headers }, body, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  if (!res.ok) return res;
  const host = hostOf(url);
  const bad = classifyStatus(host, res.status, res.text);
  if (bad) return bad;
  if (!opts.check) return { ok: true };
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    return { ok: false, retry: true, code: 'rejected', detail: `${host}: answer is not JSON` };
  }
  return opts.check(json);
}
