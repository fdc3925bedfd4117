// The walking skeleton end to end: agent, correlator and Mosquitto as separate processes.
// A rule the live machine already breaches opens one incident and one ticket within 2 s of
// the sample that completes `for: 3`; SIGKILL on the agent raises agent-offline through the
// Last Will; the correlator survives a SIGKILL with the incident intact; the incident
// resolves when its conditions clear.

import t from 'tap';
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../helpers/mosquitto.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

const breachRule = (threshold: number) => `rules:
  - id: forced-breach
    kind: threshold
    title: "Uptime of {node} above ${threshold} s"
    priority: P3
    metric: system.uptime_seconds
    op: ">"
    value: ${threshold}
    for: 3
  - id: server-offline
    kind: offline
    title: "Server {node} is not reporting"
    priority: P2
    where: { role: server }
    after: 3
`;

interface TicketRow {
  id: number;
  incident_id: number;
  state: string;
}

t.test('agent → Mosquitto → correlator → incident → ticket', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const rulesDir = join(dir, 'rules');
  const dbPath = join(dir, 'wardwatch.db');
  (await import('node:fs')).mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'e2e.rules.yaml'), breachRule(0));
  writeFileSync(join(dir, 'correlator.yaml'), `broker: { url: "${broker.url}" }\nstore: { sqlite: wardwatch.db }\nrules: rules\ntick: 200ms\ncorrelation: { settle: 1s, resolve_hold: 0s }\n`);
  writeFileSync(
    join(dir, 'agent.yaml'),
    `agent: { id: e2e-his-01, site: main, role: server, labels: { service: his } }\nbroker: { url: "${broker.url}", keepalive: 5s }\ninterval: 1s\ndata_dir: agent-data\n`,
  );

  const startCorrelator = async () => {
    const c = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml'), '--print'], { cwd: dir });
    await c.waitFor(/connected to broker/);
    return c;
  };
  const startAgent = async () => {
    const a = startCli(t, ['agent', '--config', join(dir, 'agent.yaml')], { cwd: dir });
    await a.waitFor(/connected to broker/);
    return a;
  };
  let correlator: CliProcess = await startCorrelator();
  let agent: CliProcess = await startAgent();

  const db = () => new Database(dbPath, { readonly: true, fileMustExist: true });
  const query = <T>(sql: string): T[] => {
    const d = db();
    try {
      return d.prepare(sql).all() as T[];
    } finally {
      d.close();
    }
  };
  const incident = () => {
    const rows = query<{ data: string }>('SELECT data FROM incidents ORDER BY id');
    return rows.map((r) => JSON.parse(r.data) as { id: number; state: string; priority: string; alerts: Array<{ rule: string; state: string; triggerTs?: number }>; evidence: Array<{ reason: string }> });
  };

  // 1. The breach: one incident, one ticket, within 2 s of the sample that completed for: 3.
  const ticket = await eventually(() => {
    const rows = query<TicketRow & { opened_at: number }>('SELECT * FROM tickets');
    return rows.length > 0 ? { row: rows[0], seenAt: Date.now() } : undefined;
  }, 20_000, 'the first ticket', 10);
  const [first] = incident();
  const alert = await eventually(() => query<{ data: string }>(`SELECT data FROM alerts WHERE rule = 'forced-breach'`).map((r) => JSON.parse(r.data) as { triggerTs: number })[0], 5_000, 'the alert row');
  const latency = ticket.seenAt - alert.triggerTs;
  t.comment(`breach sample → ticket visible in the store: ${latency} ms`);
  t.ok(latency < 2_000, `ticket within 2 s of the breaching sample (${latency} ms)`);
  t.equal(first?.alerts[0]?.rule, 'forced-breach');
  await correlator.waitFor(/OPEN\s+INC-1\s+P3\s+Uptime of e2e-his-01 above 0 s\s+\(ticket T-1\)/);

  // 2. SIGKILL the agent: the broker publishes its Last Will and the offline alert joins.
  const killedAt = Date.now();
  await agent.kill('SIGKILL');
  const offline = await eventually(() => incident()[0]?.alerts.find((a) => a.rule === 'server-offline' && a.state === 'firing'), 10_000, 'agent-offline');
  t.ok(offline, 'agent-offline raised');
  const offlineRow = query<{ data: string }>(`SELECT data FROM alerts WHERE rule = 'server-offline'`).map((r) => JSON.parse(r.data) as { reason: string; firedAt: number })[0];
  t.equal(offlineRow?.reason, 'last-will', 'raised by the Last Will, not by silence');
  t.ok((offlineRow?.firedAt ?? Infinity) - killedAt < 3_000, 'before three silent intervals could have passed');
  // The offline rule is P2: the P3 incident rises, and its ticket with it.
  await eventually(() => incident()[0]?.priority === 'P2', 5_000, 'priority raised to P2');
  await eventually(() => query<{ priority: string }>('SELECT priority FROM tickets')[0]?.priority === 'P2', 5_000, 'ticket raised to P2');

  // 3. SIGKILL the correlator: the open incident survives, nothing is opened twice.
  await correlator.kill('SIGKILL');
  correlator = await startCorrelator();
  await correlator.waitFor(/open_incidents=1/);

  // 4. The agent comes back: the offline alert clears, the breach is still there.
  agent = await startAgent();
  await eventually(() => incident()[0]?.alerts.find((a) => a.rule === 'server-offline' && a.state === 'resolved'), 10_000, 'agent back');
  t.equal(incident()[0]?.state, 'open', 'still open: the breach persists');

  // 5. The condition clears (the rule now asks for more uptime than the host has): resolved.
  writeFileSync(join(rulesDir, 'e2e.rules.yaml'), breachRule(1e12));
  correlator.proc.kill('SIGHUP');
  await correlator.waitFor(/rules reloaded/);
  await eventually(() => incident()[0]?.state === 'resolved', 10_000, 'incident resolved');
  await correlator.waitFor(/RESOLVED\s+INC-1/);
  const tickets = query<TicketRow>('SELECT * FROM tickets');
  t.same(tickets.map((r) => [r.id, r.incident_id, r.state]), [[1, 1, 'resolved']], 'exactly one ticket, resolved');
  t.equal(incident().length, 1, 'exactly one incident');
  const timeline = query<{ action: string }>('SELECT action FROM ticket_events ORDER BY id').map((r) => r.action);
  t.equal(timeline[0], 'opened');
  t.ok(timeline.includes('priority-raised'), 'the raise is on the ticket timeline');
  t.equal(timeline[timeline.length - 1], 'resolved');

  // What a person sees of it from the command line.
  const listed = runCli(['incidents', 'list', '--json', '--store', dbPath]);
  t.equal(listed.status, 0, listed.stderr);
  const [row] = JSON.parse(listed.stdout) as Array<{ ref: string; state: string; root: string; ticket: { ref: string; state: string } }>;
  t.same([row?.ref, row?.state, row?.root, row?.ticket.ref, row?.ticket.state], ['INC-1', 'resolved', 'e2e-his-01', 'T-1', 'resolved']);
  const table = runCli(['incidents', 'list', '--store', dbPath]);
  t.match(table.stdout, /^INCIDENT\s+PRI\s+STATE\s+OPENED\s+ROOT\s+TICKET\s+TITLE\nINC-1\s+P2\s+resolved\s+.*e2e-his-01\s+T-1 resolved\s+Uptime of e2e-his-01/);

  // A clean stop exits 0.
  t.equal(await agent.kill('SIGTERM'), 0);
  t.equal(await correlator.kill('SIGTERM'), 0);
});
