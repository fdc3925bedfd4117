// A tiny "HIS" on loopback for the http and transaction checks: a health page, a login that
// sets a session cookie on its redirect and hands out a token, a patient search that needs
// both, a registration page, and the ways real ones misbehave (slow, failing, hanging, echoing
// the request's credentials back in an error page). It is strict about what it is sent: a
// request with the wrong method, content type or body shape is recorded as a violation.

import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

export interface HisMode {
  searchDelayMs?: number;
  failSearch?: boolean;
  hangRegistration?: boolean;
}

export interface His {
  url: string;
  password: string;
  mode: HisMode;
  violations: string[];
  /** Tokens and session ids handed out, to check none leaks into a result. */
  issued: string[];
  requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
  });
}

function cookies(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries((req.headers.cookie ?? '').split(/;\s*/).filter(Boolean).map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]));
}

export async function startHis(opts: { password?: string; tls?: { key: string; cert: string } } = {}): Promise<His> {
  const password = opts.password ?? `pw-${randomBytes(6).toString('hex')}`;
  const sessions = new Set<string>();
  const tokens = new Set<string>();
  const his: Omit<His, 'url' | 'close'> = { password, mode: {}, violations: [], issued: [], requests: [] };
  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(value));
  };
  const violation = (res: ServerResponse, what: string) => {
    his.violations.push(what);
    json(res, 400, { error: what });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://his');
    his.requests.push({ method: req.method ?? '', path: url.pathname });
    const session = cookies(req).HISSESSION;
    const loggedIn = session !== undefined && sessions.has(session);
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /health':
        return json(res, 200, { status: 'UP', db: 'UP' });
      case 'GET /down':
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('maintenance');
      case 'GET /slow':
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms') ?? 1000)));
        return json(res, 200, { status: 'UP' });
      case 'GET /old':
        res.writeHead(302, { location: '/health' });
        return res.end();
      case 'GET /big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('x'.repeat(2 * 1024 * 1024) + 'TAIL');
      case 'GET /basic': {
        const want = `Basic ${Buffer.from(`nurse:${password}`).toString('base64')}`;
        if (req.headers.authorization !== want) return json(res, 401, { error: 'who are you?' });
        return json(res, 200, { hello: 'nurse' });
      }
      case 'GET /echo':
        // Some application servers quote the failed request, credentials and all.
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end(`error handling request: ${JSON.stringify(req.headers)}`);
      case 'POST /api/login': {
        if (!String(req.headers['content-type']).startsWith('application/json')) return violation(res, `login content-type ${req.headers['content-type']}`);
        let b: { user?: unknown; password?: unknown };
        try {
          b = JSON.parse(await body(req)) as typeof b;
        } catch {
          return violation(res, 'login body is not JSON');
        }
        if (typeof b.user !== 'string' || typeof b.password !== 'string') return violation(res, 'login body shape');
        if (b.password !== password) return json(res, 401, { error: `wrong password ${b.password} for ${b.user}` });
        const sid = randomBytes(12).toString('hex');
        sessions.add(sid);
        his.issued.push(sid);
        res.writeHead(302, { location: '/api/welcome', 'set-cookie': [`HISSESSION=${sid}; Path=/; HttpOnly`, 'lang=zh-CN; Path=/'] });
        return res.end();
      }
      case 'GET /api/welcome': {
        if (!loggedIn) return json(res, 401, { error: 'not logged in' });
        const token = randomBytes(16).toString('hex');
        tokens.add(token);
        his.issued.push(token);
        return json(res, 200, { user: 'test-nurse-01', token });
      }
      case 'GET /api/patients': {
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!loggedIn || !auth || !tokens.has(auth)) return json(res, 401, { error: 'not authorised' });
        if (his.mode.searchDelayMs) await new Promise((r) => setTimeout(r, his.mode.searchDelayMs));
        if (his.mode.failSearch) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          return res.end(`java.sql.SQLException: pool exhausted; request headers ${JSON.stringify(req.headers)}`);
        }
        const id = url.searchParams.get('id');
        return json(res, 200, { results: id === 'TEST-000123' ? [{ id, name: '测试患者', visit: 'V-20250601-0042' }] : [] });
      }
      case 'GET /registration': {
        if (!loggedIn) return json(res, 401, { error: 'not logged in' });
        if (his.mode.hangRegistration) return; // never answers
        if (!/^V-\d{8}-\d{4}$/.test(url.searchParams.get('visit') ?? '')) return violation(res, `registration visit ${url.searchParams.get('visit')}`);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end('<html><h1>门诊挂号 Registration</h1><input name="csrf" value="c5f-91ab"></html>');
      }
      default:
        return violation(res, `unexpected ${route}`);
    }
  };

  const server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, (q, s) => void handler(q, s)) : createHttpServer((q, s) => void handler(q, s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    ...his,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
