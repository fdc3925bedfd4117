// HTTP(S) endpoint: status, latency (time to first byte and total), body assertions, and for
// https the days left on the certificate. The HIS web portal's health page, the lab system's
// API, the insurance front-end processor: "is it up, is it right, is it slow" in one run.

import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import { UserError } from '../../common/errors.js';
import type { CheckStatus, ErrorClass } from '../../protocol/schema.js';
import { expiryOutcome, type CertInfo } from './certificate.js';
import { commonCheckProperties, ms, type CheckOutcome, type CheckType } from './check.js';
import { HttpFailure, httpExchange } from './http-client.js';
import { errorClassOf } from './error-class.js';
import { compileExpect, expectSchema } from './http-expect.js';
import { safeUrl, Scrubber, isSecretName } from './secrets.js';
import { peerCertificates, sniName } from './tls.js';

const duration = { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "2s"' } as const;

export const headersSchema = {
  type: 'object',
  description: 'Request headers; values of Authorization, Cookie and *token*/*key* headers are treated as secrets.',
  propertyNames: { pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]{1,64}$' },
  additionalProperties: { type: 'string' },
} as const;

export const httpCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'url'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'http', description: 'HTTP(S) request: status, latency, body assertions, certificate expiry.' },
    url: { type: 'string', pattern: '^https?://[^\\s]+$', 'x-expected': 'a URL like "https://his.hospital.local/health"' },
    method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], default: 'GET' },
    headers: headersSchema,
    body: { type: 'string', description: 'Request body, sent as is.' },
    basic_auth: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'password'],
      properties: { username: { type: 'string' }, password: { type: 'string', description: 'Write ${env:NAME} or ${file:/path}.' } },
    },
    follow_redirects: { type: 'boolean', default: true, description: 'Follow up to 5 redirects; false checks the redirect itself.' },
    expect: expectSchema,
    warn_after: { ...duration, description: 'A response slower than this (total) is a warning.' },
    cert_warning_days: { type: 'number', minimum: 0, default: 30, description: 'https: fewer days left on the certificate is a warning.' },
    cert_critical_days: { type: 'number', minimum: 0, default: 7, description: 'https: fewer days left is critical.' },
  },
} as const;

export type HttpCheckSpec = FromSchema<typeof httpCheckSchema, { keepDefaultedPropertiesOptional: true }>;

const RANK: Record<CheckStatus, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

export function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  return RANK[b] > RANK[a] ? b : a;
}

/** Headers as sent, and the secrets among them registered with the scrubber. */
export function requestHeaders(headers: Record<string, string> | undefined, basic: { username: string; password: string } | undefined, scrubber: Scrubber): Record<string, string> {
  const out: Record<string, string> = { 'user-agent': 'wardwatch-agent', ...headers };
  if (basic) {
    out.authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
    scrubber.add(basic.password);
  }
  for (const [k, v] of Object.entries(out)) if (isSecretName(k)) scrubber.add(v.replace(/^(Basic|Bearer|Token)\s+/i, ''));
  return out;
}

const CERT_REFRESH_MS = 3_600_000;

export const httpCheck: CheckType<HttpCheckSpec> = {
  schema: httpCheckSchema,
  create(spec) {
    const where = `check ${spec.name}`;
    const expect = compileExpect(spec.expect, where);
    const scrubber = new Scrubber();
    // fetch refuses URLs with user:password; they become a Basic Authorization header.
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      throw new UserError(`${where}: url ${JSON.stringify(safeUrl(spec.url))} is not a valid URL`);
    }
    const fromUrl = url.username ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
    scrubber.add(fromUrl?.password);
    url.username = '';
    url.password = '';
    const headers = requestHeaders(spec.headers, spec.basic_auth ?? fromUrl, scrubber);
    const target = scrubber.scrub(safeUrl(spec.url));
    const warnMs = spec.warn_after ? durationMs(spec.warn_after) : Infinity;
    const thresholds = { warningDays: spec.cert_warning_days ?? 30, criticalDays: spec.cert_critical_days ?? 7 };
    let certs: { at: number; chain: CertInfo[] } | undefined;

    // The certificate changes on renewal only: one extra handshake an hour is plenty.
    async function certificate(signal: AbortSignal): Promise<CertInfo[] | undefined> {
      if (url.protocol !== 'https:') return undefined;
      if (certs && Date.now() - certs.at < CERT_REFRESH_MS) return certs.chain;
      const port = Number(url.port || 443);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const chain = await peerCertificates(host, port, sniName(host), signal).catch(() => undefined);
      if (chain) certs = { at: Date.now(), chain };
      return chain;
    }

    return {
      name: spec.name,
      type: 'http',
      async run(signal): Promise<CheckOutcome> {
        let ex;
        try {
          ex = await httpExchange({ method: spec.method ?? 'GET', url: url.toString(), headers, ...(spec.body !== undefined ? { body: spec.body } : {}), followRedirects: spec.follow_redirects ?? true, signal });
        } catch (err) {
          if (signal.aborted) throw err;
          const why = err instanceof HttpFailure ? err.message : `request failed: ${(err as Error).message}`;
          return { status: 'critical', summary: scrubber.scrub(why), target, errorClass: err instanceof HttpFailure ? err.errorClass : errorClassOf(err), fields: { error: err instanceof HttpFailure ? err.code : 'ERROR' } };
        }
        const fields: Record<string, number> = { status_code: ex.status, ttfb_ms: round(ex.ttfbMs), total_ms: round(ex.totalMs) };
        const head = `HTTP ${ex.status} ${ex.status >= 400 || !expect.statusOk(ex.status) ? 'after' : 'in'} ${ms(ex.totalMs)}`;
        let status: CheckStatus = 'ok';
        let summary = head;
        let errorClass: ErrorClass | undefined;
        const problem = expect.statusOk(ex.status) ? expect.bodyProblem(ex, (t) => t) : 'unexpected status';
        if (problem) {
          status = 'critical';
          errorClass = problem === 'unexpected status' ? 'http-status' : 'protocol';
          summary = problem === 'unexpected status' ? head : `${head}, but ${problem}`;
        } else if (ex.totalMs > warnMs) {
          status = 'warning';
          summary = `${head} (slower than ${ms(warnMs)})`;
        }
        const chain = await certificate(signal);
        if (chain) {
          const cert = expiryOutcome(chain, Date.now(), thresholds, 'certificate');
          fields.days_left = cert.fields?.days_left as number;
          if (cert.status !== 'ok') summary += `; ${cert.summary.replace(/^certificate: /, 'certificate ')}`;
          if (cert.status === 'critical' && status !== 'critical') errorClass = 'tls';
          status = worst(status, cert.status);
        }
        return { status, summary: scrubber.scrub(summary), target, ...(errorClass ? { errorClass } : {}), fields };
      },
    };
  },
};

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
