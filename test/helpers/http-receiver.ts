// A strict local HTTP peer standing in for a service that cannot run here (a chat robot, an SMS
// gateway, Jira, ServiceNow, Zammad). The test's handler checks each request against the
// documented format with `must(...)`; a request that breaks it is answered 400 and recorded as a
// violation, and the test asserts there were none. Scripted answers (errors, throttling) let a
// test prove retries, pauses and dead letters.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  /** The request target as sent (path and raw query). */
  raw: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
  at: number;
}

export interface Answer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class Violation extends Error {}

/** Fails the request (and the test) unless `ok`. */
export function must(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Violation(what);
}

export interface Receiver {
  url: string;
  requests: Received[];
  violations: string[];
  /** Waits until at least n requests arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  t: { teardown(fn: () => void | Promise<void>): void },
  handler: (req: Received, n: number) => Answer | Promise<Answer>,
): Promise<Receiver> {
  const requests: Received[] = [];
  const violations: string[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const received: Received = { method: req.method ?? '', raw: req.url ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, json, at: Date.now() };
      requests.push(received);
      for (const w of waiters.splice(0)) w();
      Promise.resolve()
        .then(() => handler(received, requests.length))
        .then(
          (a) => {
            const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
            res.writeHead(a.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...a.headers });
            res.end(text);
          },
          (err: Error) => {
            violations.push(`${received.method} ${received.path}: ${err.message}`);
            res.writeHead(err instanceof Violation ? 400 : 500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: err.message }));
          },
        );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${n} request(s); got ${requests.length}`);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, Math.min(left, 100));
          waiters.push(() => {
            clearTimeout(timer);
            r();
          });
        });
      }
      return requests.slice(0, n);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  t.teardown(async () => {
    server.closeAllConnections();
    await receiver.close();
  });
  return receiver;
}
