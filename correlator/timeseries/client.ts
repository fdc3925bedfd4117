// The node-influx client as the writer uses it, and what its errors mean. node-influx retries
// and backs off on its own and then reports "No host available", hiding the cause; the writer
// does its own retrying (its buffer is the point), so the pool's retries and back-off are off
// and each failure is classified here with a stable code, keeping secrets out of the detail.

import { InfluxDB } from 'influx';
import type { InfluxSettings } from './config.js';

export type FailureCode = 'unavailable' | 'timeout' | 'auth' | 'not-found' | 'rejected';

export interface WriteFailure {
  code: FailureCode;
  /** Worth trying again later with the same points. */
  retry: boolean;
  detail: string;
  /** For a partial write: how many points InfluxDB refused (the rest were stored). */
  refused?: number;
}

/** The pool would otherwise take the host out of service after a failure and answer "No host available". */
const NO_BACKOFF = { getDelay: () => 0, next: () => NO_BACKOFF, reset: () => NO_BACKOFF };

export function createInfluxClient(s: InfluxSettings): InfluxDB {
  const url = new URL(s.url);
  return new InfluxDB({
    hosts: [
      {
        host: url.hostname,
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        protocol: url.protocol === 'https:' ? 'https' : 'http',
        ...(url.pathname !== '/' ? { path: url.pathname.replace(/\/$/, '') } : {}),
      },
    ],
    database: s.database,
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
    pool: { maxRetries: 0, requestTimeout: s.timeoutMs, backoff: NO_BACKOFF },
  });
}

/** Masks the password wherever it might have been echoed. */
export function scrub(text: string, s: Pick<InfluxSettings, 'password'>): string {
  let out = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  if (s.password) out = out.split(s.password).join('***');
  return out;
}

export function classifyError(err: unknown, s: Pick<InfluxSettings, 'password'>): WriteFailure {
  const e = err as { message?: string; code?: string; res?: { statusCode?: number } };
  const detail = scrub(String(e?.code ? `${e.code}: ${e.message}` : (e?.message ?? err)), s);
  const status = e?.res?.statusCode;
  if (status === 401 || status === 403) return { code: 'auth', retry: true, detail };
  if (status === 404 || /database not found|retention policy not found/.test(detail)) return { code: 'not-found', retry: true, detail };
  if (status !== undefined && status >= 400 && status < 500) {
    const dropped = /dropped=(\d+)/.exec(detail);
    return { code: 'rejected', retry: false, detail, ...(dropped ? { refused: Number(dropped[1]) } : {}) };
  }
  if (/timed out|timeout|ETIMEDOUT|ESOCKETTIMEDOUT/i.test(detail)) return { code: 'timeout', retry: true, detail };
  return { code: 'unavailable', retry: true, detail };
}
