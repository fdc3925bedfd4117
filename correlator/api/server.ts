// The correlator's HTTP API (fastify 5). Lifecycle of a request:
//
//   request ─▶ route? ─no─▶ 404 not-found
//              │
//              ├─▶ token: Bearer, hashed, looked up (401 token-missing / token-invalid)
//              ├─▶ role: viewer < operator < admin (403 forbidden)
//              ├─▶ body: application/json only (415), ≤ body_limit (413), valid JSON (400 bad-json)
//              ├─▶ body schema: unknown fields and wrong types (400 bad-request)
//              └─▶ handler ─▶ store commit ─▶ 2xx reply (the change is stored before the answer)
//
// Errors are always { error: { code, message } } with a code from errors.ts; never a stack.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { RateLimiter, type Logger } from '../../common/log.js';
import { allows, type Authenticator, type Principal, type Role } from './auth.js';
import { ApiError } from './errors.js';
import { registerRoutes, type ApiContext } from './routes.js';

export interface ApiOptions {
  host: string;
  port: number;
  bodyLimit: number;
  auth: Authenticator;
  log: Logger;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    role?: Role;
  }
}

function fromFastify(err: Error & { code?: string; statusCode?: number }): ApiError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body-too-large', 'the body is larger than the API accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported-media-type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('bad-json', 'the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('bad-request', 'Content-Length does not match the body');
    default:
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return new ApiError('bad-request', err.message);
      return new ApiError('internal', 'internal error; see the correlator log');
  }
}

export async function buildApi(ctx: ApiContext, opts: Omit<ApiOptions, 'host' | 'port'>): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: opts.bodyLimit, logger: false, return503OnClosing: false, forceCloseConnections: true });
  let closing = false;
  app.addHook('onClose', async () => {
    closing = true;
  });
  const limiter = new RateLimiter(30_000);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError('bad-json', `the body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('not-found', `no endpoint ${req.method} ${req.url.split('?')[0]}`);
    void reply.status(e.status).send(e.body());
  });
  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    const e = err instanceof ApiError ? err : fromFastify(err);
    if (e.code === 'internal' && limiter.allow('internal') >= 0) opts.log.error('API request failed', { method: req.method, url: req.url.split('?')[0], error: err.message });
    void reply.status(e.status).send(e.body());
  });
  // Before the body is read: nobody without a token gets to make the server parse anything.
  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    if (closing) throw new ApiError('unavailable', 'the correlator is stopping; retry in a moment');
    const need = req.routeOptions.config.role;
    if (need === undefined) return;
    const principal = await opts.auth.principal(req.headers.authorization);
    if (!allows(principal.role, need)) throw new ApiError('forbidden', `this needs the ${need} role; the token has ${principal.role}`);
    req.principal = principal;
  });
  registerRoutes(app, ctx);
  await app.ready();
  return app;
}

export async function startApi(ctx: ApiContext, opts: ApiOptions): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = await buildApi(ctx, opts);
  const address = await app.listen({ host: opts.host, port: opts.port });
  return { app, url: address, close: () => app.close() };
}
