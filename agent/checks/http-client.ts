// One HTTP exchange for the http and transaction checks, on Node's built-in fetch: redirects
// followed by hand (so the cookies a login sets on its 302 are kept, and Authorization is
// never forwarded to another origin), time to first byte and total time, and a body read up to
// a limit so a runaway response cannot swell the agent.

import type { ErrorClass } from '../../protocol/schema.js';
import type { CookieJar } from './cookie-jar.js';
import { classOfCode, errorClassOf } from './error-class.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  followRedirects: boolean;
  maxRedirects?: number;
  maxBodyBytes?: number;
  jar?: CookieJar;
  signal: AbortSignal;
}

export interface HttpExchange {
  status: number;
  /** The URL of the last response (after redirects). */
  url: string;
  headers: Headers;
  body: string;
  /** Milliseconds until the last response's headers arrived, from the start of the exchange. */
  ttfbMs: number;
  totalMs: number;
  redirects: number;
}

/** A failure to get any response: refused, DNS, TLS, reset. The message is short and for people. */
export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly errorClass: ErrorClass = classOfCode(code) ?? 'other',
  ) {
    super(message);
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/;

/** What went wrong, from fetch's "fetch failed" and its cause. */
export function describeFetchError(err: unknown): HttpFailure {
  const e = err as Error & { cause?: NodeJS.ErrnoException & { code?: string } };
  const cls = errorClassOf(err);
  const code = e.cause?.code ?? (e as NodeJS.ErrnoException).code ?? e.name ?? 'ERROR';
  if (code === 'ECONNREFUSED') return new HttpFailure('connection refused', code, cls);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new HttpFailure(`name not resolved (${code})`, code, cls);
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return new HttpFailure('connection reset by the server', code, cls);
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return new HttpFailure('connect timed out', code, cls);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return new HttpFailure('certificate does not name this host', code, cls);
  if (code === 'CERT_HAS_EXPIRED') return new HttpFailure('certificate has expired', code, cls);
  if (TLS_CODES.test(code)) return new HttpFailure(`certificate not trusted (${code}); add its CA to NODE_EXTRA_CA_CERTS`, code, cls);
  const detail = e.cause?.message ?? e.message;
  return new HttpFailure(`request failed: ${code}${detail && detail !== code ? ` ${detail}` : ''}`.slice(0, 200), code, cls);
}

async function readBody(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
}

function redirectTarget(res: Response, from: string): string | undefined {
  if (![301, 302, 303, 307, 308].includes(res.status)) return undefined;
  const location = res.headers.get('location');
  return location ? new URL(location, from).toString() : undefined;
}

export async function httpExchange(req: HttpRequest): Promise<HttpExchange> {
  const started = performance.now();
  let { method, url, body } = req;
  let headers = { ...req.headers };
  for (let redirects = 0; ; redirects++) {
    const target = new URL(url);
    const cookie = req.jar?.header(target, Date.now());
    const sent = cookie ? { ...headers, cookie } : headers;
    let res: Response;
    try {
      res = await fetch(url, { method, headers: sent, body: body ?? null, redirect: 'manual', signal: req.signal });
    } catch (err) {
      if (req.signal.aborted) throw err;
      throw describeFetchError(err);
    }
    const ttfbMs = performance.now() - started;
    req.jar?.store(target, res.headers.getSetCookie(), Date.now());
    const next = req.followRedirects ? redirectTarget(res, url) : undefined;
    if (next && redirects < (req.maxRedirects ?? 5)) {
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      if (new URL(next).origin !== target.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      url = next;
      continue;
    }
    const text = method === 'HEAD' ? '' : await readBody(res, req.maxBodyBytes ?? 1 << 20);
    return { status: res.status, url, headers: res.headers, body: text, ttfbMs, totalMs: performance.now() - started, redirects };
  }
}
