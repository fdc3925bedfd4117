// SNMP polling against a real snmpd on loopback (v2c and v3 authPriv), reading the loopback
// interface's real counters; counter arithmetic (wraps, restarts, resets) from recorded values.

import t from 'tap';
import { connect, createServer } from 'node:net';
import { silentLogger } from '../../../common/log.js';
import { snmpCheck, type SnmpCheckSpec } from '../../../agent/checks/snmp.js';
import { agentRestarted, counterDelta, counterValue, interfaceRates, lineSpeedBps, TIMETICKS_WRAP, type CounterReading } from '../../../agent/checks/snmp-counters.js';
import { interfacesFrom, ramFrom } from '../../../agent/checks/snmp-poll.js';
import { linkStatus, selectInterfaces } from '../../../agent/checks/snmp-report.js';
import { isListener } from '../../../agent/checks/listener.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import type { CheckResult } from '../../../protocol/schema.js';
import { startSnmpd } from '../../helpers/snmpd.js';
import { freePort } from '../../helpers/ports.js';
import { sleep } from '../../helpers/tmp.js';

const ctx = { agentId: 'probe-01', dataDir: '/nonexistent', log: silentLogger };

async function listening(spec: SnmpCheckSpec) {
  const check = snmpCheck.create(spec, ctx);
  const items: CheckResult[][] = [];
  if (isListener(check)) await check.listen((r) => items.push(r));
  return { s: schedule(check, spec), items };
}

/** Pushes `bytes` through the loopback interface over TCP. */
async function loopbackTraffic(bytes: number): Promise<void> {
  const port = await freePort();
  let received = 0;
  const done = new Promise<void>((resolve) => {
    const server = createServer((sock) => {
      sock.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= bytes) {
          sock.destroy();
          server.close();
          resolve();
        }
      });
    });
    server.listen(port, '127.0.0.1', () => {
      const c = connect(port, '127.0.0.1', () => c.end(Buffer.alloc(bytes, 7)));
      c.on('error', () => undefined);
    });
  });
  await done;
}

t.test('v2c: the device and the loopback interface with its real counters', async (t) => {
  const d = await startSnmpd(t);
  const spec: SnmpCheckSpec = {
    name: 'core-sw-1',
    type: 'snmp',
    host: '127.0.0.1',
    port: d.port,
    node: 'core-sw-1',
    community: d.community,
    interfaces: [{ name: 'lo', labels: { role: 'egress', line: 'main' } }],
    labels: { building: 'datacenter-a' },
  };
  const { s, items } = await listening(spec);
  const first = await runOnce(s);
  t.equal(first.outcome.status, 'ok', first.outcome.summary);
  t.match(first.outcome.summary, new RegExp(`^${d.sysName} answers, up \\d+ s, RAM [\\d.]+%, 1 interfaces: 1 up, 0 down$`));
  t.equal(first.outcome.target, `snmp://127.0.0.1:${d.port}`);
  t.match(first.outcome.fields, { interfaces: 1, interfaces_up: 1, interfaces_down: 0 });
  t.ok((first.outcome.fields?.mem_total_bytes as number) > 0 && (first.outcome.fields?.mem_used_percent as number) > 0, 'RAM from hrStorage');
  t.notOk('cpu_percent' in (first.outcome.fields ?? {}), 'snmpd has no hrProcessorLoad in its first minute: no CPU figure rather than a made-up 0');
  const lo1 = items[0]?.[0];
  t.match(lo1, { check: 'core-sw-1', type: 'snmp_interface', status: 'ok', node: 'core-sw-1', labels: { building: 'datacenter-a', role: 'egress', line: 'main', iface: 'lo' } });
  t.match(lo1?.summary, /^lo up, 10 Mbit\/s \(first sample, rates from the next poll\)$/);
  t.match(lo1?.fields, { if_index: 1, oper_status: 1, admin_status: 1, counter_bits: 64, speed_mbps: 10 });
  t.notOk('in_bps' in (lo1?.fields ?? {}));

  // 1 MB through lo between two polls; snmpd refreshes its interface counters every few seconds.
  const bytes = 1_000_000;
  const before = Date.now();
  await loopbackTraffic(bytes);
  await sleep(3_500);
  const second = await runOnce(s);
  const elapsedS = (Date.now() - before) / 1000;
  t.equal(second.outcome.status, 'ok');
  const lo2 = items[1]?.[0];
  const inBps = lo2?.fields?.in_bps as number;
  t.ok(inBps >= (bytes * 8) / elapsedS / 2, `in_bps ${inBps} reflects the ${bytes} bytes sent over ${elapsedS.toFixed(1)} s`);
  t.equal(lo2?.fields?.out_bps, inBps, 'loopback: what goes out comes in');
  t.equal(lo2?.fields?.in_percent, Math.round(Math.min(100, (100 * inBps) / 10e6) * 100) / 100, 'utilisation of the 10 Mbit/s line speed');
  t.match(lo2?.summary, /^lo up, 10 Mbit\/s, in [\d.]+% \/ out [\d.]+%$/);
  t.equal(lo2?.fields?.in_errors_per_s, 0);
});

t.test('v2c: all admin-up interfaces but loopbacks by default', async (t) => {
  const d = await startSnmpd(t);
  const spec: SnmpCheckSpec = { name: 'sw', type: 'snmp', host: '127.0.0.1', port: d.port, community: d.community, host_resources: false };
  const { s, items } = await listening(spec);
  const r = await runOnce(s);
  t.equal(r.outcome.status, 'ok', r.outcome.summary);
  t.notOk((items[0] ?? []).some((i) => i.labels?.iface === 'lo'), 'lo is a software loopback');
  t.notOk('mem_used_percent' in (r.outcome.fields ?? {}), 'host_resources: false reads no HOST-RESOURCES-MIB');
});

t.test('v3 authPriv (SHA/AES) works; a wrong password is an authentication failure that names no secret', async (t) => {
  const d = await startSnmpd(t);
  const v3 = { user: d.v3.user, auth_protocol: 'sha' as const, auth_password: d.v3.authPassword, priv_protocol: 'aes' as const, priv_password: d.v3.privPassword };
  const ok = await listening({ name: 'sw', type: 'snmp', host: '127.0.0.1', port: d.port, version: 'v3', v3, interfaces: [{ name: 'l?' }] });
  const r = await runOnce(ok.s);
  t.equal(r.outcome.status, 'ok', r.outcome.summary);
  t.equal(ok.items[0]?.[0]?.labels?.iface, 'lo', 'wildcard match');
  const wrong = await listening({ name: 'sw', type: 'snmp', host: '127.0.0.1', port: d.port, version: 'v3', v3: { ...v3, auth_password: 'not-the-password' }, timeout: '2s' });
  const w = await runOnce(wrong.s);
  t.equal(w.outcome.status, 'critical');
  t.match(w.outcome.summary, /^SNMPv3 authentication failed/);
  t.equal(w.outcome.fields?.error_class, 'auth');
  t.notMatch(w.outcome.summary, /not-the-password|auth-pass-123|priv-pass-456/);
  t.same(wrong.items, [], 'no interface results when the device cannot be read');
});

t.test('v2c with a wrong community: no answer, critical within the timeout', async (t) => {
  const d = await startSnmpd(t);
  const { s } = await listening({ name: 'sw', type: 'snmp', host: '127.0.0.1', port: d.port, community: 'wrong-community', timeout: '1s' });
  const r = await runOnce(s);
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'no SNMP answer (wrong community, ACL, or the device is down)');
  t.ok(r.durationMs < 1000);
  t.notMatch(r.outcome.summary, /wrong-community/);
});

t.test('the schema wants a community for v2c and a user for v3', async (t) => {
  const { parseYaml } = await import('../../../common/yaml-file.js');
  const v2 = parseYaml('name: x\ntype: snmp\nhost: sw\n', snmpCheck.schema, { displayName: 'c.yaml' });
  t.notOk(v2.ok);
  if (!v2.ok) t.match(v2.errors.map((e) => e.message).join('\n'), /community/);
  const v3 = parseYaml('name: x\ntype: snmp\nhost: sw\nversion: v3\n', snmpCheck.schema, { displayName: 'c.yaml' });
  t.notOk(v3.ok);
  if (!v3.ok) t.match(v3.errors.map((e) => e.message).join('\n'), /v3/);
  t.ok(parseYaml('name: x\ntype: snmp\nhost: sw\nversion: v3\nv3: { user: probe, auth_password: "12345678" }\n', snmpCheck.schema, { displayName: 'c.yaml' }).ok);
});

// Recorded from snmpd 5.9.3 (net-snmp's tableColumns output for ifTable and ifXTable).
const IF_TABLE = {
  '1': { '2': Buffer.from('lo'), '3': 24, '5': 10000000, '7': 1, '8': 1, '10': 3296773, '13': 0, '14': 0, '16': 3296773, '19': 0, '20': 0 },
  '4': { '2': Buffer.from('eth0'), '3': 6, '5': 4294967295, '7': 1, '8': 1, '10': 263970402, '13': 2, '14': 1, '16': 1039675, '19': 0, '20': 0 },
  '5': { '2': Buffer.from('GigabitEthernet0/0/48'), '3': 6, '5': 1000000000, '7': 1, '8': 2, '10': 10, '13': 0, '14': 0, '16': 20, '19': 0, '20': 0 },
};
const IFX_TABLE = {
  '1': { '1': Buffer.from('lo'), '6': Buffer.from('332090', 'hex'), '10': Buffer.from('332090', 'hex'), '15': 10, '18': Buffer.from('') },
  '4': { '1': Buffer.from('eth0'), '6': Buffer.from('0fbbde62', 'hex'), '10': Buffer.from('0fdd3b', 'hex'), '15': 10000, '18': Buffer.from('uplink to core') },
};

t.test('interface rows from recorded tables: names, 64-bit counters where ifXTable has them, speeds', async (t) => {
  const rows = interfacesFrom(IF_TABLE, IFX_TABLE);
  t.same(rows.map((r) => [r.index, r.name, r.bits, r.speedBps]), [[1, 'lo', 64, 10e6], [4, 'eth0', 64, 10e9], [5, 'GigabitEthernet0/0/48', 32, 1e9]]);
  t.equal(rows[1]?.inOctets, 0x0fbbde62n);
  t.equal(rows[1]?.alias, 'uplink to core');
  t.equal(rows[2]?.inOctets, 10n, 'no ifXTable row: 32-bit ifInOctets');
  t.same(selectInterfaces(rows, undefined, 64).chosen.map((c) => c.row.name), ['eth0', 'GigabitEthernet0/0/48']);
  t.same(selectInterfaces(rows, [{ name: 'UPLINK*', labels: { role: 'uplink' } }], 64).chosen.map((c) => [c.row.name, c.labels.role]), [['eth0', 'uplink']], 'matches ifAlias, any case');
  t.same(selectInterfaces(rows, [{ index: 5 }], 64).chosen.map((c) => c.row.name), ['GigabitEthernet0/0/48']);
  t.same(selectInterfaces(rows, [{ name: '*' }], 2), { chosen: selectInterfaces(rows, [{ name: '*' }], 2).chosen, skipped: 1 });
  t.same(linkStatus(rows[2]!), { status: 'critical', words: 'down' });
  t.same(linkStatus({ ...rows[2]!, admin: 2 }), { status: 'ok', words: 'administratively down' });
  t.same(linkStatus({ ...rows[2]!, oper: 5 }), { status: 'warning', words: 'dormant' });
  t.same(ramFrom({ '1': { '2': '1.3.6.1.2.1.25.2.1.2', '4': 1024, '5': 16384, '6': 4096 }, '3': { '2': '1.3.6.1.2.1.25.2.1.3', '4': 1024, '5': 1, '6': 1 } }), { sizeBytes: 16777216, usedBytes: 4194304 });
});

t.test('counter arithmetic: 32- and 64-bit wraps, restarts, resets, TimeTicks wrap', async (t) => {
  t.equal(counterDelta(100n, 350n, 32), 250n);
  t.equal(counterDelta(4294967000n, 200n, 32), 496n, '32-bit wrap: 296 to the top, 200 after');
  t.equal(counterDelta(18446744073709551000n, 500n, 64), 1116n, '64-bit wrap');
  t.equal(counterValue(Buffer.from('ffffffffffffffff', 'hex')), 18446744073709551615n);
  t.equal(counterValue(Buffer.alloc(0)), 0n);

  t.equal(agentRestarted(500_000, 600_000, 1_000_000), false, 'uptime went on');
  t.equal(agentRestarted(500_000, 1_200, 60_000), true, 'uptime went back: a restart');
  t.equal(agentRestarted(TIMETICKS_WRAP - 3_000, 3_000, 60_000), false, 'TimeTicks wrapped after 497 days: 30 s to the top, 30 s after, in 60 s');
  t.equal(agentRestarted(TIMETICKS_WRAP - 3_000, 3_000, 600_000), true, 'the same readings 10 minutes apart cannot be a wrap');

  const at0: CounterReading = { at: 0, bits: 32, inOctets: 4294960000n, outOctets: 1000n, inErrors: 5n, outErrors: 0n, inDiscards: 0n, outDiscards: 0n };
  const at60: CounterReading = { at: 60_000, bits: 32, inOctets: 750_000_000n - 7296n, outOctets: 1000n + 75_000_000n, inErrors: 65n, outErrors: 0n, inDiscards: 0n, outDiscards: 0n };
  const r = interfaceRates(at0, at60, 100e6, false);
  t.ok(r.ok);
  if (r.ok) {
    t.equal(Math.round(r.rates.inBps), 100_000_000 - 0, 'wrapped 32-bit counter: 750 MB in 60 s = 100 Mbit/s');
    t.equal(r.rates.inPercent, 100);
    t.equal(r.rates.outPercent, 10);
    t.equal(r.rates.inErrorsPerS, 1);
  }
  t.same(interfaceRates(at0, at60, 100e6, true), { ok: false, why: 'device restarted, counters start over' }, 'a restart is not a wrap');
  t.same(interfaceRates(undefined, at60, 100e6, false), { ok: false, why: 'first sample, rates from the next poll' });
  const reset: CounterReading = { ...at60, inOctets: 1000n };
  t.same(interfaceRates({ ...at0, inOctets: 400_000_000n }, reset, 100e6, false), { ok: false, why: 'counters jumped (reset?), rates from the next poll' }, 'clear counters looks like a wrap but would mean 519 Mbit/s on a 100 Mbit/s line');
  t.same(interfaceRates({ ...at0, bits: 64 }, at60, 100e6, false), { ok: false, why: 'counter width changed, rates from the next poll' });
  t.equal(lineSpeedBps(4294967295, 10000), 10e9, 'ifSpeed saturates above 4.29 Gbit/s: ifHighSpeed');
  t.equal(lineSpeedBps(100e6, 0), 100e6);
  t.equal(lineSpeedBps(0, 0), undefined);
});
