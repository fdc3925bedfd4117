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
//   drills             `wardwatch drill database-down` and `core-switch-down` against this
//                      correlator
//   broker restart     Mosquitto stopped (SIGTERM) and started again with the fleet connected,
//                      at once and after 10 s

import t, { type Test } from 'tap';
import { defaultAgentId } from '../../agent/config/load.js';
import { startCli } from '../helpers/cli.js';
import { describeIncidents } from '../helpers/field.js';
import { behindCore1, brokerRestart, fleetSpecs, pinger, realAgents, scene, seconds, SETTLE_MS, steady } from '../helpers/field-scene.js';
import { eventually, sleep } from '../helpers/tmp.js';

// The faults are independent (each its own broker, correlator and fleet) and mostly
// waiting on real windows: run them side by side.
t.jobs = 5;

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
  const page = (first?.json as { type?: string; data?: { priority?: string; title?: string } } | undefined) ?? {};
  t.comment(`core switch down: the page: ${page.type} ${page.data?.priority} ${page.data?.title}`);
  t.equal(page.type, 'ticket.opened', 'the first message is the opening page');
  t.match(page.data?.title ?? '', /core-sw-1/, 'the page names the core switch');
  t.equal(page.data?.priority, inc?.priority, 'at the incident\'s priority');
  t.ok(firstPageMs <= SETTLE_MS + 5_000, `the first page within the settling window and a few seconds (${seconds(firstPageMs)})`);
  t.same(s.correlator.hooks.violations, []);
});

/**
 * A shipped drill against this correlator, with the fleet reporting; counted after the drill
 * ends and a settling window and hold more, so nothing it left behind opens late.
 */
async function drill(t: Test, name: string, root: string): Promise<{ pagedAt: string | undefined; priority: string | undefined }> {
  const specs = fleetSpecs();
  const s = await scene(t, specs);
  t.teardown(pinger(s.fleet, () => new Set()));
  await steady(s, specs.length);

  const startedAt = Date.now();
  const cli = startCli(t, ['drill', name, '--broker', s.broker.url, '--api', s.correlator.api, '--token-file', s.correlator.tokenFile, '--wait', '45s'], { cwd: s.dir });
  const code = await cli.exited;
  await sleep(SETTLE_MS + 15_000 + 5_000);
  const opened = s.correlator.messages('drill', 'ticket.opened');
  const firstPageMs = (opened[0]?.at ?? NaN) - startedAt;
  const incidents = s.correlator.incidents();
  const pagedAt = (opened[0]?.json as { data?: { priority?: string } } | undefined)?.data?.priority;
  const kinds = s.correlator.messages('drill').map((r) => `${(r.json as { type?: string }).type} ${(r.json as { data?: { priority?: string } }).data?.priority}`);
  t.comment(`${name} drill: first page (${pagedAt}) ${seconds(firstPageMs)} after the drill command started; on the drill channel: ${kinds.join(', ')}\n${describeIncidents(incidents)}`);
  t.equal(code, 0, code === 0 ? 'the drill\'s response chain worked' : cli.output());
  t.equal(incidents.length, 1, 'exactly one incident ever opened');
  t.equal(incidents[0]?.root, root, `about ${root}`);
  t.equal((await s.correlator.tickets()).length, 1, 'one ticket');
  t.equal(opened.length, 1, 'one "opened" message, on the drill channel');
  t.equal(s.correlator.messages('page').length, 0, 'nobody on the real routes paged');
  t.same(s.correlator.hooks.violations, []);
  return { pagedAt, priority: incidents[0]?.priority };
}

t.test('database drill: one incident, one ticket, one message on the drill channel', async (t) => {
  const { pagedAt, priority } = await drill(t, 'database-down', 'drill-his-db');
  // The probe's check of the host (P3) opens the incident at once (the host has nothing upstream);
  // the host's Will (server-offline, P2), held for its settling window, is pulled in at the same
  // instant, but the priority is settled before that and raised only at the next tick.
  t.equal(pagedAt, priority, 'the opening page at the incident\'s priority');
});

t.test('core switch drill: one incident, one ticket, one message on the drill channel', async (t) => {
  const { pagedAt, priority } = await drill(t, 'core-switch-down', 'drill-core-sw');
  t.equal(pagedAt, priority, 'the opening page at the incident\'s priority');
});

t.test('broker restart (stopped and started at once): agents reconnect and re-announce, at most one incident', (t) => brokerRestart(t, 0));

// Down long enough that the agents' backoff brings them back after the correlator: the Wills it
// finds queued in its session come before the births, and wait the link grace for them.
t.test('broker restart (down 10 s): agents reconnect and re-announce, at most one incident', (t) => brokerRestart(t, 10_000));
