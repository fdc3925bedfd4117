// The trap receiver against Debian's snmptrap sending real v1, v2c and v3 notifications over
// loopback; linkDown and linkUp followed through the correlator's rules.

import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { silentLogger } from '../../../common/log.js';
import { snmpTrapCheck, type SnmpTrapCheckSpec } from '../../../agent/checks/snmp-trap.js';
import { nodeFromAddress, trapEvent } from '../../../agent/checks/snmp-trap-map.js';
import { isListener, startListeners } from '../../../agent/checks/listener.js';
import { createLogger } from '../../../common/log.js';
import type { CheckResult } from '../../../protocol/schema.js';
import { Engine } from '../../../correlator/engine/engine.js';
import { rulesFrom } from '../../helpers/rules.js';
import { freeUdpPort } from '../../helpers/snmpd.js';
import { eventually, tmpDir } from '../../helpers/tmp.js';
import { startMosquitto } from '../../helpers/mosquitto.js';
import { startCli } from '../../helpers/cli.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';

const run = promisify(execFile);
const ctx = { agentId: 'probe-01', dataDir: '/nonexistent', log: silentLogger };
const COMMUNITY = 'ww-trap-community';
const IF = '1.3.6.1.2.1.2.2.1';

async function receiver(t: { teardown(fn: () => Promise<void>): void }, extra: Partial<SnmpTrapCheckSpec> = {}) {
  const port = await freeUdpPort();
  const spec: SnmpTrapCheckSpec = { name: 'traps', type: 'snmp_trap', listen: '127.0.0.1', port, communities: [COMMUNITY], nodes: { '127.0.0.1': 'core-sw-1' }, labels: { site_area: 'dc-a' }, ...extra };
  const check = snmpTrapCheck.create(spec, ctx);
  const received: CheckResult[] = [];
  if (!isListener(check)) throw new Error('not a listener');
  await check.listen((r) => received.push(...r));
  t.teardown(() => check.unlisten());
  return { port, check, received };
}

function snmptrap(args: string[]) {
  return run('snmptrap', ['-m', '', ...args], { timeout: 10_000 });
}

const linkTrap = (port: number, trap: '3' | '4', community = COMMUNITY) =>
  snmptrap(['-v', '2c', '-c', community, `127.0.0.1:${port}`, '', `1.3.6.1.6.3.1.1.5.${trap}`, `${IF}.1.48`, 'i', '48', `${IF}.7.48`, 'i', '1', `${IF}.8.48`, 'i', trap === '3' ? '2' : '1', '1.3.6.1.2.1.31.1.1.1.1.48', 's', 'GigabitEthernet1/0/48']);

t.test('v2c linkDown, linkUp and an enterprise trap become results about the sending device', async (t) => {
  const { port, check, received } = await receiver(t);
  await linkTrap(port, '3');
  const down = await eventually(() => received[0], 5_000, 'the linkDown result');
  t.match(down, {
    check: 'traps',
    type: 'snmp_trap',
    status: 'critical',
    node: 'core-sw-1',
    target: 'snmp-trap://127.0.0.1',
    summary: 'linkDown GigabitEthernet1/0/48 from 127.0.0.1',
    labels: { site_area: 'dc-a', iface: 'GigabitEthernet1/0/48' },
    fields: { trap: 'linkDown', if_index: 48 },
  });
  await linkTrap(port, '4');
  const up = await eventually(() => received[1], 5_000, 'the linkUp result');
  t.match(up, { status: 'ok', node: 'core-sw-1', labels: { iface: 'GigabitEthernet1/0/48' }, fields: { trap: 'linkUp' } });
  await snmptrap(['-v', '2c', '-c', COMMUNITY, `127.0.0.1:${port}`, '', '1.3.6.1.4.1.2011.5.25.219.2.2.1', '1.3.6.1.4.1.2011.5.25.219.2.2.1.1', 's', 'fan failure detail']);
  const vendor = await eventually(() => received[2], 5_000, 'the enterprise trap');
  t.match(vendor, { status: 'warning', labels: { trap: '1.3.6.1.4.1.2011.5.25.219.2.2.1' }, summary: 'trap 1.3.6.1.4.1.2011.5.25.219.2.2.1 from 127.0.0.1' });
  t.notMatch(JSON.stringify(vendor), /fan failure detail/, 'varbind contents are not published');
  const own = await check.run(new AbortController().signal);
  t.match(own, { status: 'ok', summary: `listening on udp 127.0.0.1:${port}; 3 traps since the last run`, fields: { traps: 3, traps_rejected: 0 } });
});

t.test('a wrong community is rejected and counted; nothing is published', async (t) => {
  const { port, check, received } = await receiver(t);
  await linkTrap(port, '3', 'not-our-community');
  await eventually(async () => ((await check.run(new AbortController().signal)).fields?.traps_rejected === 1 ? true : undefined), 5_000, 'the rejection');
  t.same(received, []);
});

t.test('v1 traps (generic linkDown) and v3 authPriv traps', async (t) => {
  const user = { user: 'wwtrap', auth_protocol: 'sha' as const, auth_password: 'trap-auth-123', priv_protocol: 'aes' as const, priv_password: 'trap-priv-456' };
  const { port, received } = await receiver(t, { users: [user], nodes: {} });
  await snmptrap(['-v', '1', '-c', COMMUNITY, `127.0.0.1:${port}`, '1.3.6.1.4.1.8072.3.2.10', '127.0.0.1', '2', '0', '', `${IF}.1.3`, 'i', '3']);
  const v1 = await eventually(() => received[0], 5_000, 'the v1 trap');
  t.match(v1, { status: 'critical', node: '127.0.0.1', labels: { iface: 'if3' }, fields: { trap: 'linkDown', if_index: 3 } });
  await snmptrap(['-v', '3', '-e', '0x8000000001020304', '-u', user.user, '-l', 'authPriv', '-a', 'SHA', '-A', user.auth_password, '-x', 'AES', '-X', user.priv_password, `127.0.0.1:${port}`, '', '1.3.6.1.6.3.1.1.5.4', `${IF}.1.7`, 'i', '7']);
  const v3 = await eventually(() => received[1], 5_000, 'the v3 trap');
  t.match(v3, { status: 'ok', labels: { iface: 'if7' }, fields: { trap: 'linkUp' } });
});

t.test('a port already in use: critical with the reason, and it binds once the port is free', async (t) => {
  const first = await receiver(t);
  const second = await receiver(t, { port: first.port });
  const busy = await second.check.run(new AbortController().signal);
  t.equal(busy.status, 'critical');
  t.equal(busy.summary, `cannot listen on udp 127.0.0.1:${first.port}: EADDRINUSE (another trap receiver, snmptrapd?)`);
  if (isListener(first.check)) await first.check.unlisten();
  const now = await second.check.run(new AbortController().signal);
  t.equal(now.status, 'ok', now.summary);
  await linkTrap(first.port, '3');
  await eventually(() => second.received[0], 5_000, 'a trap at the receiver that took over');
});

t.test('the correlator raises linkDown on the device and linkUp resolves it', async (t) => {
  const { port, received } = await receiver(t);
  const engine = new Engine(rulesFrom(`rules:
  - id: link-down
    kind: threshold
    title: "{check}: link down on {node}"
    priority: P2
    metric: check.status_level
    where: { type: snmp_trap }
    op: ">="
    value: 2
    for: 1
`));
  const message = (seq: number, events: CheckResult[]) => ({ type: 'message' as const, at: seq * 1000, message: { v: 1 as const, kind: 'events' as const, agent: 'probe-01', site: 'main', seq, ts: seq * 1000, events } });
  await linkTrap(port, '3');
  await eventually(() => received[0], 5_000, 'linkDown');
  const fired = engine.handle(message(1, [received[0]!]));
  t.same(fired.map((d) => d.type), ['alert.firing', 'incident.opened']);
  t.equal(engine.openIncidents()[0]?.title, 'traps: link down on core-sw-1');
  await linkTrap(port, '4');
  await eventually(() => received[1], 5_000, 'linkUp');
  t.same(engine.handle(message(2, [received[1]!])).map((d) => d.type), ['alert.resolved', 'incident.resolved']);
});

t.test('mapping details: v1 enterprise-specific traps, admin-down links, node ids from addresses', async (t) => {
  const v1 = trapEvent({ pdu: { type: 164, varbinds: [], enterprise: '1.3.6.1.4.1.25506', generic: 6, specific: 17, agentAddr: '10.1.0.9' }, rinfo: { address: '10.1.0.9', family: 'IPv4', port: 162, size: 60 } }, {});
  t.match(v1, { status: 'warning', key: { trap: '1.3.6.1.4.1.25506.0.17' }, node: '10.1.0.9' });
  const shut = trapEvent({ pdu: { type: 167, varbinds: [{ oid: '1.3.6.1.6.3.1.1.4.1.0', type: 6, value: '1.3.6.1.6.3.1.1.5.3' }, { oid: `${IF}.7.5`, type: 2, value: 2 }, { oid: `${IF}.2.5`, type: 4, value: Buffer.from('eth5') }] }, rinfo: { address: '10.1.0.9', family: 'IPv4', port: 162, size: 60 } }, {});
  t.match(shut, { status: 'ok', summary: 'linkDown eth5 (administratively down) from 10.1.0.9', key: { iface: 'eth5' }, fields: { if_index: 5 } });
  t.equal(nodeFromAddress('fe80::1'), 'fe80--1');
  t.equal(nodeFromAddress('::ffff:10.1.0.1'), '10.1.0.1');
});

t.test('through a running agent: traps and per-target ping results reach the broker as events', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const port = await freeUdpPort();
  writeFileSync(
    join(dir, 'probe.yaml'),
    [
      'agent: { id: probe-e2e, site: main, role: probe }',
      `broker: { url: "${broker.url}", keepalive: 5s }`,
      'data_dir: agent-data',
      'checks:',
      `  - { name: traps, type: snmp_trap, port: ${port}, communities: [${COMMUNITY}], nodes: { "127.0.0.1": core-sw-1 }, interval: 1s }`,
      '  - { name: pings, type: icmp, interval: 1s, count: 1, targets: [{ host: 127.0.0.1, node: kiosk-ob-12 }] }',
      '',
    ].join('\n'),
  );
  const client = await connectAsync(broker.url);
  t.teardown(() => client.endAsync());
  const events: CheckResult[] = [];
  client.on('message', (_topic, payload) => events.push(...(JSON.parse(payload.toString()) as { events: CheckResult[] }).events));
  await client.subscribeAsync('wardwatch/v1/main/probe-e2e/events', { qos: 1 });
  const agent = startCli(t, ['agent', '--config', join(dir, 'probe.yaml')], { cwd: dir });
  await agent.waitFor(/agent started/);
  await eventually(() => events.some((e) => e.check === 'traps' && e.summary?.startsWith('listening')), 10_000, 'the receiver\'s own result');
  await linkTrap(port, '3');
  const trap = await eventually(() => events.find((e) => e.type === 'snmp_trap' && e.node === 'core-sw-1'), 10_000, 'the trap as an event');
  t.match(trap, { status: 'critical', labels: { iface: 'GigabitEthernet1/0/48' } });
  const ping = await eventually(() => events.find((e) => e.check === 'pings' && e.node === 'kiosk-ob-12'), 10_000, 'the ping target as an event');
  t.match(ping, { type: 'icmp', status: 'ok', labels: { host: '127.0.0.1' } });
  t.ok(events.some((e) => e.check === 'pings' && e.node === undefined && e.fields?.targets === 1), 'and the check\'s own result');
  await agent.kill('SIGTERM');
});

t.test('listener plumbing: a flood is split into messages of 500; a listener that fails to start is logged and skipped', async (t) => {
  const sent: number[] = [];
  const flood = Array.from({ length: 1201 }, (_, i): CheckResult => ({ check: 'traps', type: 'snmp_trap', status: 'warning', summary: `trap ${i}` }));
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), format: 'json' });
  const good = { listen: async (emit: (r: CheckResult[]) => void) => emit(flood), unlisten: async () => undefined };
  const bad = { name: 'broken', listen: async () => { throw new Error('no socket'); }, unlisten: async () => undefined };
  const running = await startListeners([good, bad, { run: () => undefined }], (r) => sent.push(r.length), log);
  t.same(sent, [500, 500, 201]);
  t.equal(running.count, 1);
  t.match(lines.join('\n'), /listener failed to start.*"check":"broken".*"error":"no socket"/);
  await running.stop();
});
