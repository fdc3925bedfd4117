// The /metrics endpoint both processes expose for Prometheus: the `metrics:` config section
// (on by default, loopback only), and a small node:http server that answers GET /metrics
// with whatever the caller renders. Shared by agent and correlator, so it lives here and
// depends on neither; the agent renders its few metrics itself, the correlator through
// prom-client. A port already in use is logged and the process carries on without it:
// monitoring keeps running when its own self-monitoring cannot.

import { createServer, type Server } from 'node:http';
import type { Logger } from './log.js';

const LISTEN_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$';

export function metricsSectionSchema<L extends string>(defaultListen: L) {
  return {
    type: 'object',
    description: 'The Prometheus endpoint (GET /metrics) of this process.',
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean', default: true, description: 'false turns the endpoint off.' },
      listen: {
        type: 'string',
        pattern: LISTEN_PATTERN,
        default: defaultListen,
        'x-expected': 'an address and port like "127.0.0.1:9741" or "[::1]:9741"',
        description: 'Address and port to listen on; loopback unless Prometheus scrapes from another host.',
      },
    },
  } as const;
}

export interface MetricsEndpoint {
  enabled: boolean;
  host: string;
  port: number;
}

export function resolveMetricsSection(file: { enabled?: boolean; listen?: string } | undefined, defaultListen: string): MetricsEndpoint {
  const listen = file?.listen ?? defaultListen;
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { enabled: file?.enabled ?? true, host, port: Number(listen.slice(colon + 1)) };
}

export interface MetricsServer {
  /** The port actually bound (differs from the configured one only for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export interface Exposition {
  contentType: string;
  body: string;
}

/** Starts the endpoint; resolves undefined (and logs why) when it cannot listen. */
export function serveMetrics(endpoint: MetricsEndpoint, render: () => Exposition | Promise<Exposition>, log: Logger): Promise<MetricsServer | undefined> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    Promise.resolve()
      .then(render)
      .then(
        (e) => res.writeHead(200, { 'content-type': e.contentType }).end(req.method === 'HEAD' ? undefined : e.body),
        (err: Error) => {
          log.error('rendering /metrics failed', { error: err.message });
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
        },
      );
  });
  server.keepAliveTimeout = 65_000; // longer than Prometheus' scrape interval: one connection per scraper
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      log.warn('metrics endpoint not started; carrying on without it', { listen: `${endpoint.host}:${endpoint.port}`, error: err.code ?? err.message });
      resolve(undefined);
    });
    server.listen(endpoint.port, endpoint.host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : endpoint.port;
      server.unref();
      log.info('metrics endpoint listening', { url: `http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${port}/metrics` });
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
