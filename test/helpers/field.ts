// A correlator as a hospital runs it, for end-to-end proofs: its own process, the shipped rules
// and the example topology, the default windows (settle 10 s, hold 15 s, link grace 1 m), its
// store, its API, and every ticket message going to a webhook receiver — the real routes on
// one channel, drills on another. What a proof counts: incidents ever opened (the store keeps
// resolved and merged ones), tickets, and "opened" messages, the pages people get.

import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Incident } from '../../correlator/correlate/incident.js';
import { startCli, type CliProcess } from './cli.js';
import { EXAMPLE_TOPOLOGY, SHIPPED_RULES } from './examples.js';
import { must, startReceiver, type Received, type Receiver } from './http-receiver.js';
import { freePort } from './ports.js';

export const FIELD_TOKEN = 'field-operator-token-0123456789abcdef';

export interface Recorded {
  at: number;
  link?: 'up' | 'down';
  topic?: string;
  message?: { kind?: string; agent?: string; online?: boolean; reason?: string; session?: number };
}

export interface FieldCorrelator {
  dir: string;
  api: string;
  process: CliProcess;
  hooks: Receiver;
  tokenFile: string;
  /** Every incident the store holds, in the order opened, with evidence. */
  incidents(): Incident[];
  tickets(): Promise<Array<{ ref: string; state: string; priority: string; title: string; drill: string | null }>>;
  /** What the correlator took in, as recorded for replay: messages (decoded) and link changes. */
  recorded(): Recorded[];
  /** Agents the store has online. */
  online(): number;
  /** Messages that arrived at a route ("page" for real routes, "drill" for the drill channel; both when not given). */
  messages(route?: 'page' | 'drill', type?: string): Received[];
}

export async function startFieldCorrelator(t: { teardown(fn: () => void | Promise<void>): void }, dir: string, brokerUrl: string): Promise<FieldCorrelator> {
  const hooks = await startReceiver(t, (req) => {
    must(req.method === 'POST' && (req.path === '/page' || req.path === '/drill'), `a configured hook, got ${req.method} ${req.path}`);
    return { status: 204 };
  });
  const apiPort = await freePort();
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, FIELD_TOKEN);
  writeFileSync(
    join(dir, 'correlator.yaml'),
    `broker: { url: "${brokerUrl}", client_id: wardwatch-correlator }
sites: [main]
store: { sqlite: wardwatch.db }
record: input.jsonl
rules: ${SHIPPED_RULES}
topology: ${EXAMPLE_TOPOLOGY}
tick: 1s
metrics: { enabled: false }
escalation:
  people:
    zhang.wei: { name: 张伟 }
  oncall: { first-line: { start: 2026-01-05T08:00, every: 1d, people: [zhang.wei] } }
  policies:
    standard: { notify: [oncall:first-line] }
  default: standard
notify:
  channels:
    page: { type: webhook, url: "${hooks.url}/page" }
    drill-room: { type: webhook, url: "${hooks.url}/drill" }
  routes: { P1: [page], P2: [page], P3: [page], P4: [page] }
  drill: { channels: [drill-room] }
api:
  listen: 127.0.0.1:${apiPort}
  tokens: [{ name: zhang.wei, role: operator, token: "\${file:token}" }]
`,
  );
  const proc = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml')], { cwd: dir });
  await proc.waitFor(/connected to broker/, 20_000);
  const api = `http://127.0.0.1:${apiPort}`;
  return {
    dir,
    api,
    process: proc,
    hooks,
    tokenFile,
    incidents() {
      const db = new Database(join(dir, 'wardwatch.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT data FROM incidents ORDER BY id').all() as Array<{ data: string }>).map((r) => JSON.parse(r.data) as Incident);
      } finally {
        db.close();
      }
    },
    recorded() {
      const file = join(dir, 'input.jsonl');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const r = JSON.parse(l) as { at: number; link?: 'up' | 'down'; topic?: string; payload?: string };
          let message: Recorded['message'];
          try {
            message = r.payload ? (JSON.parse(r.payload) as Recorded['message']) : undefined;
          } catch {
            message = undefined;
          }
          return { at: r.at, ...(r.link ? { link: r.link } : {}), ...(r.topic ? { topic: r.topic } : {}), ...(message ? { message } : {}) };
        });
    },
    online() {
      const db = new Database(join(dir, 'wardwatch.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM agents WHERE online = 1').get() as { n: number }).n;
      } finally {
        db.close();
      }
    },
    async tickets() {
      const r = await fetch(`${api}/api/v1/tickets?state=all&limit=1000`, { headers: { authorization: `Bearer ${FIELD_TOKEN}` } });
      return ((await r.json()) as { tickets: Array<{ ref: string; state: string; priority: string; title: string; drill: string | null }> }).tickets;
    },
    messages(route, type) {
      return hooks.requests.filter((r) => (route === undefined || r.path === `/${route}`) && (type === undefined || (r.json as { type?: string } | undefined)?.type === type));
    },
  };
}

/** One line per incident for a person reading the test output: why each one opened. */
export function describeIncidents(incidents: Incident[]): string {
  return incidents
    .map((i) => {
      const opened = i.evidence[0]?.detail ?? '';
      return `INC-${i.id} ${i.state}${i.mergedInto ? ` (merged into INC-${i.mergedInto})` : ''} ${i.priority} root ${i.root}${i.suspected ? ' (suspected)' : ''}: ${i.title} · ${i.alerts.length} alert(s) · ${opened}`;
    })
    .join('\n');
}
