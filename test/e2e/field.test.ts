// One fault, one page, in the field: real processes with the timings of a hospital. A Mosquitto,
// a correlator process with the shipped rules, the example topology and its default windows
// (settle 10 s, hold 15 s, link grace 1 m), agents started from the shipped example configs,
// and a fleet of simulated agents, each a real MQTT connection with its Last Will, placed by the
// example topology's match blocks (outpatient floors 1-5, inpatient) and its server ids. Every
// ticket message goes to a webhook receiver. Counted per fault: incidents ever opened (the
// store keeps resolved and merged ones), tickets, "opened" messages; and the time from the
// fault to the first page.
//
//   core switch down   core-sw-1 dies: everything behind it loses its connection within 1 s
//                      (Wills at once), the probe's pings of it fail from 20 s on
//   database drill     `wardwatch drill database-down` against this correlator
//   broker restart     Mosquitto stopped (SIGTERM) and started again with the fleet connected,
//                      at once and after 10 s

import t, { type Test } from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultAgentId } from '../../agent/config/load.js';
import type { CheckResult } from '../../protocol/schema.js';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { adaptExample } from '../helpers/examples.js';
import { describeIncidents, startFieldCorrelator, type FieldCorrelator, type Recorded } from '../helpers/field.js';
import { LiveFleet, type LiveAgentSpec } from '../helpers/live-fleet.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { eventually, sleep, tmpDir, type Teardown } from '../helpers/tmp.js';

// The faults are independent (each its own broker, correlator and fleet) and mostly
// waiting on real windows: run them side by side.
t.jobs = 4;

const SETTLE_MS = 10_000;
const TERMINALS_PER_FLOOR = 20;
const INPATIENT_TERMINALS = 30;
/** Simulated servers, by the example topology's ids (his-app-01 is a real agent). */
const SERVERS: Array<[string, string]> = [
  ['his-app-02', 'his'],
  ['db-his-01', 'his'],
  ['db-his-02', 'his'],
  ['lis-app-01', 'lis'],
  ['lis-db-01', 'lis'],
  ['pacs-01', 'pacs'],
  ['emr-app-01', 'emr'],
];
/** A network probe in the data centre, not behind either core switch: it sees the core fail. */
const PROBE = 'probe-net-01';

function fleetSpecs(): LiveAgentSpec[] {
  const two = (n: number) => String(n).padStart(2, '0');
  const specs: LiveAgentSpec[] = [];
  for (const floor of ['1', '2', '3', '4', '5'])
    for (let i = 1; i <= TERMINALS_PER_FLOOR; i++) specs.push({ id: `ws-opd-${floor}-${two(i)}`, role: 'terminal', labels: { building: 'outpatient', floor, department: 'clinic' } });
  for (let i = 1; i <= INPATIENT_TERMINALS; i++) specs.push({ id: `ws-ipd-2-${two(i)}`, role: 'terminal', labels: { building: 'inpatient', floor: '2', department: 'ward' } });
  for (const [id, service] of SERVERS) specs.push({ id, role: 'server', labels: { building: 'datacenter', service } });
  specs.push({ id: PROBE, role: 'probe', labels: { building: 'datacenter' } });
  return specs;
}

/** What core-sw-1 carries in the example topology: the outpatient building, the HIS front and its main database. */
const behindCore1 = (s: LiveAgentSpec) => s.labels?.building === 'outpatient' || ['his-app-02', 'db-his-01'].includes(s.id);

/** The probe pings both core switches every 10 s; a switch in `down` stops answering. */
function pinger(fleet: LiveFleet, down: () => Set<string>): () => void {
  const send = () => {
    const failing = down();
    const events: CheckResult[] = ['core-sw-1', 'core-sw-2'].map((node) => ({
      check: `ping-${node}`,
      type: 'icmp',
      status: failing.has(node) ? 'critical' : 'ok',
      node,
      target: node === 'core-sw-1' ? '10.0.1.1' : '10.0.1.2',
      duration_ms: failing.has(node) ? 3000 : 1,
      fields: (failing.has(node) ? { sent: 3, received: 0, loss_percent: 100 } : { sent: 3, received: 3, loss_percent: 0, rtt_avg_ms: 0.4 }) as Record<string, number>,
      ...(failing.has(node) ? { summary: '3 sent, 0 received' } : {}),
    }));
    fleet.get(PROBE).events(events);
  };
  send();
  const timer = setInterval(send, 10_000);
  return () => clearInterval(timer);
}

interface Scene {
  broker: Mosquitto;
  correlator: FieldCorrelator;
  fleet: LiveFleet;
  dir: string;
  startedAt: number;
}

async function scene(t: Teardown, specs: LiveAgentSpec[]): Promise<Scene> {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const correlator = await startFieldCorrelator(t, dir, broker.url);
  const startedAt = Date.now();
  const fleet = new LiveFleet(specs, broker.url);
  t.teardown(() => fleet.stop());
  await fleet.connect();
  return { broker, correlator, fleet, dir, startedAt };
}

/** The shipped server and terminal examples as real agent processes. */
async function realAgents(t: Teardown, s: Scene, opts: { terminalChecks: boolean }): Promise<Record<'terminal' | 'server', CliProcess>> {
  const metricsPort = await freePort();
  const terminal = adaptExample('terminal.yaml', s.dir, s.broker.url, (doc) => {
    // Its checks name the hospital's HIS and PACS hosts, which do not resolve here: left in, they
    // fail from the start and are an alert of the terminal's own after their second run (60 s).
    if (!opts.terminalChecks) doc.deleteIn(['checks']);
  });
  const server = adaptExample('agent.yaml', s.dir, s.broker.url, (doc) => {
    doc.setIn(['metrics', 'listen'], `127.0.0.1:${metricsPort}`);
    const textfile = join(s.dir, 'textfile');
    mkdirSync(textfile);
    doc.setIn(['collect', 'textfile_dir'], textfile);
  });
  const agents = {
    terminal: startCli(t, ['agent', '--config', terminal], { cwd: s.dir }),
    server: startCli(t, ['agent', '--config', server], { cwd: s.dir }),
  };
  for (const a of Object.values(agents)) await a.waitFor(/connected to broker/, 20_000);
  return agents;
}

/** Past the correlator's start-up quiet period (one settling window), with everyone online. */
async function steady(s: Scene, agents: number): Promise<void> {
  await eventually(() => s.correlator.online() === agents, 30_000, `${agents} agents online in the store`);
  const quiet = s.startedAt + SETTLE_MS + 3_000 - Date.now();
  if (quiet > 0) await sleep(quiet);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

t.test('core switch down: one incident at core-sw-1, one ticket, one page', async (t) => {
  const specs = fleetSpecs();
  const s = await scene(t, specs);
  const real = await realAgents(t, s, { terminalChecks: true });
  const down = new Set<string>();
  t.teardown(pinger(s.fleet, () => down));
  await steady(s, specs.length + 2);

  // The fault: core-sw-1 dies. Everything behind it loses its connection within the second that
  // follows (the broker sees the sockets die and publishes the Wills); the probe's next pings
  // of it go unanswered from 20 s on (two failed rounds make the shipped device-unreachable).
  const lost = s.fleet.agents.filter((a) => behindCore1(a.spec));
  const faultAt = Date.now();
  await Promise.all([real.terminal.kill('SIGKILL'), real.server.kill('SIGKILL')]);
  for (const a of lost) setTimeout(() => a.drop(), Math.floor(Math.random() * 1_000));
  setTimeout(() => down.add('core-sw-1'), 20_000);

  const [first] = await s.correlator.hooks.waitFor(1, 60_000);
  const firstPageMs = (first?.at ?? NaN) - faultAt;
  t.comment(`core switch down: ${lost.length + 2} agents lost behind core-sw-1 (${lost.length} simulated, 2 real), fleet of ${specs.length + 2}; first page ${seconds(firstPageMs)} after the fault`);

  // Confirmed by the probe (about 30 s), then quiet past every window that could still open one.
  await eventually(() => s.correlator.incidents().some((i) => i.root === 'core-sw-1' && !i.suspected), 50_000, 'core-sw-1 confirmed by its own alert');
  const confirmedMs = Date.now() - faultAt;
  await sleep(Math.max(0, faultAt + 55_000 - Date.now()));

  const incidents = s.correlator.incidents();
  t.comment(`core switch down: confirmed ${seconds(confirmedMs)} after the fault\n${describeIncidents(incidents)}`);
  t.equal(incidents.length, 1, 'exactly one incident ever opened');
  const inc = incidents[0];
  t.equal(inc?.root, 'core-sw-1', 'rooted at the core switch');
  t.notOk(inc?.suspected, 'confirmed by its own alert (the probe)');
  t.ok(inc?.alerts.some((a) => a.rule === 'device-unreachable' && a.node === 'core-sw-1' && a.role === 'root'), 'the probe\'s alert is its root alert');
  const missing = [...lost.map((a) => a.id), defaultAgentId(), 'his-app-01'].filter((id) => !inc?.alerts.some((a) => a.node === id && a.role === 'symptom'));
  t.same(missing, [], 'every lost agent is a symptom of it');
  const tickets = await s.correlator.tickets();
  t.equal(tickets.length, 1, 'one ticket');
  t.equal(s.correlator.messages(undefined, 'ticket.opened').length, 1, 'one "opened" message at the receiver');
  t.equal(s.correlator.messages('page', 'ticket.opened').length, 1, 'on the real route');
  t.ok(firstPageMs <= SETTLE_MS + 5_000, `the first page within the settling window and a few seconds (${seconds(firstPageMs)})`);
  t.same(s.correlator.hooks.violations, []);
});

t.test('database drill: one incident, one ticket, one message on the drill channel', async (t) => {
  const specs = fleetSpecs();
  const s = await scene(t, specs);
  const stopPings = pinger(s.fleet, () => new Set());
  t.teardown(stopPings);
  await steady(s, specs.length);

  const faultAt = Date.now();
  const drill = startCli(t, ['drill', 'database-down', '--broker', s.broker.url, '--api', s.correlator.api, '--token-file', s.correlator.tokenFile, '--wait', '45s'], { cwd: s.dir });
  const code = await drill.exited;
  const opened = s.correlator.messages('drill', 'ticket.opened');
  const firstPageMs = (opened[0]?.at ?? NaN) - faultAt;
  const incidents = s.correlator.incidents();
  const pagedAt = (opened[0]?.json as { data?: { priority?: string } } | undefined)?.data?.priority;
  t.comment(`database drill: first page (${pagedAt}) ${seconds(firstPageMs)} after the drill command started\n${describeIncidents(incidents)}`);
  t.equal(code, 0, code === 0 ? 'the drill\'s response chain worked' : drill.output());
  t.equal(incidents.length, 1, 'exactly one incident ever opened');
  t.equal(incidents[0]?.root, 'drill-his-db', 'about the database host');
  t.equal((await s.correlator.tickets()).length, 1, 'one ticket');
  t.equal(opened.length, 1, 'one "opened" message, on the drill channel');
  t.comment(`database drill: messages on the drill channel: ${s.correlator.messages('drill').map((r) => `${(r.json as { type?: string }).type} ${(r.json as { data?: { priority?: string } }).data?.priority}`).join(', ')}`);
  t.equal(s.correlator.messages('page').length, 0, 'nobody on the real routes paged');
  t.same(s.correlator.hooks.violations, []);
});

async function brokerRestart(t: Test, downMs: number): Promise<void> {
  const specs = fleetSpecs();
  const s = await scene(t, specs);
  const real = await realAgents(t, s, { terminalChecks: false });
  const stopPings = pinger(s.fleet, () => new Set());
  t.teardown(stopPings);
  await steady(s, specs.length + 2);

  const before = new Map(s.fleet.agents.map((a) => [a, a.births]));
  const allBack = () => s.fleet.agents.every((a) => a.connected && a.births > (before.get(a) ?? 0));
  const stopAt = Date.now();
  await s.broker.stop('SIGTERM');
  await sleep(downMs);
  await s.broker.start();
  const upAt = Date.now();
  await eventually(allBack, 60_000, 'every simulated agent back with a new session');
  const backMs = Date.now() - upAt;
  await Promise.all(Object.values(real).map((a) => a.waitFor(/connected to broker[\s\S]*connected to broker/, 60_000)));
  await eventually(() => s.correlator.online() === specs.length + 2, 30_000, 'every agent online again in the store');
  // Past the link grace (1 m) after the correlator's own link came back, and a settling window.
  await sleep(Math.max(0, upAt + 60_000 + SETTLE_MS + 5_000 - Date.now()));

  const incidents = s.correlator.incidents();
  const pages = s.correlator.messages(undefined, 'ticket.opened');
  const seen = s.correlator.recorded().filter((r) => r.at >= stopAt);
  const links = seen.filter((r) => r.link).map((r) => `${r.link} at +${seconds(r.at - stopAt)}`);
  const all = s.correlator.recorded();
  const state = (r: Recorded) => r.message?.kind === 'state';
  // The session each agent had when the broker stopped: only a Will of that session means it was lost.
  const sessionAtStop = new Map(all.filter((r) => r.at < stopAt && state(r) && r.message?.online).map((r) => [r.message?.agent, r.message?.session]));
  const reborn = seen.filter((r) => state(r) && r.message?.online === true);
  const bornAt = new Map<string | undefined, number>();
  for (const r of reborn) if (!bornAt.has(r.message?.agent)) bornAt.set(r.message?.agent, r.at);
  const wills = seen.filter((r) => state(r) && r.message?.online === false && r.message.session === sessionAtStop.get(r.message.agent));
  const lost = new Set(wills.map((r) => r.message?.agent));
  const early = new Set(wills.filter((r) => r.at < (bornAt.get(r.message?.agent) ?? Infinity)).map((r) => r.message?.agent));
  const lastBirth = Math.max(...bornAt.values());
  t.comment(
    `broker restart, down ${seconds(downMs)}: broker down ${seconds(upAt - stopAt)}; the correlator's link ${links.join(', ') || 'never seen down'}; ` +
      `Wills of ${lost.size} agents' live sessions reached it (${wills.length} messages; ${early.size} agents' before their new birth), the last new birth +${seconds(lastBirth - stopAt)}; the simulated fleet back with new sessions ${seconds(backMs)} after the start; ` +
      `${incidents.length} incident(s), ${pages.length} page(s)` +
      (pages[0] ? `, the first ${seconds(pages[0].at - stopAt)} after the stop` : '') +
      (incidents.length ? `\n${describeIncidents(incidents)}` : ''),
  );
  t.ok(incidents.length <= 1, `at most one incident ever opened (got ${incidents.length})`);
  t.ok((await s.correlator.tickets()).length <= 1, 'at most one ticket');
  t.ok(pages.length <= 1, 'at most one page');
  if (incidents[0]) t.equal(incidents[0].root, 'monitoring-path', 'if any, about the monitoring path');
  t.same(s.correlator.hooks.violations, []);
}

t.test('broker restart (stopped and started at once): agents reconnect and re-announce, at most one incident', (t) => brokerRestart(t, 0));

// Down long enough that the agents' backoff brings them back after the correlator: the Wills it
// finds queued in its session come before the births, and wait the link grace for them.
t.test('broker restart (down 10 s): agents reconnect and re-announce, at most one incident', (t) => brokerRestart(t, 10_000));
