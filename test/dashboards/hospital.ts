// A small synthetic hospital for the dashboard test, published over MQTT like real agents:
// terminals in two buildings (one loses its connection), a network probe watching a core
// switch (snmp and icmp results), and probes checking the business services (http checks and a
// synthetic transaction). Messages follow the wire protocol; field names follow the catalogue.

import mqtt from 'mqtt';
import { encode } from '../../protocol/encode.js';
import type { CheckResult, Inventory, Message, Sample } from '../../protocol/schema.js';
import { topicFor } from '../../protocol/topics.js';

const SITE = 'main';

function inventory(role: Inventory['role'], labels: Record<string, string>, intervalS: number): Inventory {
  return { hostname: 'synthetic', role, version: '0.0.0-test', interval_s: intervalS, labels, os: { platform: 'win32', arch: 'x64' } };
}

const terminals = [
  { id: 'ws-op-0202', labels: { building: 'outpatient', floor: '2' }, cpu: 35, mem: 60, latency: 420 },
  { id: 'ws-op-0301', labels: { building: 'outpatient', floor: '3' }, cpu: 92, mem: 88, latency: 5200 },
  { id: 'ns-ip-0501', labels: { building: 'inpatient', floor: '5' }, cpu: 12, mem: 40, latency: 180 },
  { id: 'kiosk-op-0101', labels: { building: 'outpatient', floor: '1' }, cpu: 20, mem: 50, latency: 300 },
];

function terminalSamples(cpu: number, mem: number): Sample[] {
  return [
    { m: 'cpu', fields: { usage_percent: cpu, load1: 0, cores: 4 } },
    { m: 'mem', fields: { used_percent: mem, used_bytes: 4e9, available_bytes: 4e9, total_bytes: 8e9, swap_used_percent: 0 } },
    { m: 'agent', fields: { rss_bytes: 52_000_000, cpu_percent: 0.02, collect_ms: 2.5 } },
  ];
}

/** The LIS web check fails until this round (an incident opens), then recovers (it resolves). */
export const RECOVERS_AT = 4;

function serviceChecks(round: number): CheckResult[] {
  return [
    round < RECOVERS_AT
      ? { check: 'lis-web', type: 'http', status: 'critical', target: 'https://lis.hospital.local/', labels: { service: 'lis' }, duration_ms: 10_000, fields: { latency_mean_ms: 6200 + round, latency_p95_ms: 9800, error_rate_percent: 40, status_code: 503 } }
      : { check: 'lis-web', type: 'http', status: 'ok', target: 'https://lis.hospital.local/', labels: { service: 'lis' }, duration_ms: 95, fields: { latency_mean_ms: 3100, latency_p95_ms: 9800, error_rate_percent: 30, status_code: 200 } },
    { check: 'pacs-web', type: 'http', status: 'ok', labels: { service: 'pacs' }, duration_ms: 85, fields: { latency_mean_ms: 90, latency_p95_ms: 140, error_rate_percent: 0, status_code: 200 } },
    { check: 'emr-web', type: 'http', status: 'warning', labels: { service: 'emr' }, duration_ms: 2100, fields: { latency_mean_ms: 1900, latency_p95_ms: 2600, error_rate_percent: 2, status_code: 200 } },
    { check: 'insurance-api', type: 'http', status: 'ok', labels: { service: 'insurance', external: 'insurance' }, duration_ms: 310, fields: { latency_mean_ms: 300, latency_p95_ms: 450, error_rate_percent: 0, status_code: 200 } },
    { check: 'his-registration', type: 'transaction', status: 'ok', labels: { service: 'his' }, duration_ms: 1400, fields: { total_ms: 1400 + round, steps: 3, latency_mean_ms: 1380, error_rate_percent: 0 } },
  ];
}

function networkChecks(round: number): CheckResult[] {
  return [
    { check: 'core-sw-1', type: 'snmp', status: 'ok', node: 'core-sw-1', duration_ms: 40, fields: { uptime_s: 86_400 + round, interfaces: 2, interfaces_up: 1, interfaces_down: 1 } },
    { check: 'core-sw-1', type: 'snmp_interface', status: 'ok', node: 'core-sw-1', labels: { iface: 'Gi0/1', role: 'egress' }, duration_ms: 40, fields: { oper_status: 1, in_percent: 62 + round, out_percent: 35, in_errors_per_s: 0.5, out_errors_per_s: 0 } },
    { check: 'core-sw-1', type: 'snmp_interface', status: 'critical', node: 'core-sw-1', labels: { iface: 'Gi0/2' }, duration_ms: 40, fields: { oper_status: 2, in_percent: 0, out_percent: 0, in_errors_per_s: 0, out_errors_per_s: 0 } },
    { check: 'core-sw-1-ping', type: 'icmp', status: 'ok', node: 'core-sw-1', duration_ms: 3, fields: { loss_percent: 0, rtt_avg_ms: 1.2 } },
    { check: 'egress-gw-ping', type: 'icmp', status: 'warning', node: 'egress-gw', duration_ms: 60, fields: { loss_percent: 20, rtt_avg_ms: 48 } },
  ];
}

export interface SyntheticHospital {
  /** Publishes one round: every agent's samples and check results. */
  round(n: number): Promise<void>;
  /** The broker publishes this terminal's Last Will: it goes offline. */
  loseTerminal(): Promise<void>;
  close(): Promise<void>;
}

export async function syntheticHospital(brokerUrl: string): Promise<SyntheticHospital> {
  const seq = new Map<string, number>();
  const next = (id: string) => {
    const n = (seq.get(id) ?? 0) + 1;
    seq.set(id, n);
    return n;
  };
  const pub = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, clientId: 'synthetic-hospital' });
  const send = (m: Message) => pub.publishAsync(topicFor(m.kind, m.site, m.agent), encode(m), { qos: 1, retain: m.kind === 'state' });
  const birth = (id: string, role: Inventory['role'], labels: Record<string, string>, intervalS: number) =>
    send({ v: 1, kind: 'state', agent: id, site: SITE, seq: 0, ts: Date.now(), online: true, session: 1, reason: 'birth', inventory: inventory(role, labels, intervalS) });
  for (const t of terminals) await birth(t.id, 'terminal', t.labels, 1);
  await birth('probe-net-01', 'probe', { building: 'datacenter-a' }, 1);
  await birth('probe-svc-01', 'probe', { building: 'datacenter-a', service: 'his' }, 1);

  // A terminal that will vanish: it connects with a Will, like a real agent.
  const lost = 'ws-ip-0601';
  const will = { v: 1 as const, kind: 'state' as const, agent: lost, site: SITE, seq: 0, ts: Date.now(), online: false, session: 1, reason: 'lost' as const };
  const doomed = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, clientId: lost, will: { topic: topicFor('state', SITE, lost), payload: encode(will), qos: 1, retain: true } });
  await doomed.publishAsync(topicFor('state', SITE, lost), encode({ ...will, online: true, reason: 'birth', inventory: inventory('terminal', { building: 'inpatient', floor: '6' }, 1) }), { qos: 1, retain: true });

  return {
    async round(n) {
      const ts = Date.now();
      for (const t of terminals) {
        await send({ v: 1, kind: 'metrics', agent: t.id, site: SITE, seq: next(t.id), ts, interval_s: 1, samples: terminalSamples(t.cpu, t.mem) });
        await send({ v: 1, kind: 'events', agent: t.id, site: SITE, seq: next(t.id), ts, events: [{ check: 'his-outpatient-page', type: 'http', status: t.latency > 3000 ? 'warning' : 'ok', labels: { service: 'his' }, duration_ms: t.latency, fields: { latency_mean_ms: t.latency, latency_p95_ms: t.latency * 1.4, error_rate_percent: 0 } }] });
      }
      await doomed.publishAsync(topicFor('metrics', SITE, lost), encode({ v: 1, kind: 'metrics', agent: lost, site: SITE, seq: next(lost), ts, interval_s: 1, samples: terminalSamples(15, 45) }), { qos: 1 });
      for (const id of ['probe-net-01', 'probe-svc-01']) await send({ v: 1, kind: 'metrics', agent: id, site: SITE, seq: next(id), ts, interval_s: 1, samples: terminalSamples(5, 30) });
      await send({ v: 1, kind: 'events', agent: 'probe-net-01', site: SITE, seq: next('probe-net-01'), ts, events: networkChecks(n) });
      await send({ v: 1, kind: 'events', agent: 'probe-svc-01', site: SITE, seq: next('probe-svc-01'), ts, events: serviceChecks(n) });
    },
    async loseTerminal() {
      // Not a clean disconnect: the socket goes away and the broker publishes the Will.
      (doomed as unknown as { stream: { destroy(): void } }).stream.destroy();
    },
    async close() {
      doomed.end(true);
      await pub.endAsync();
    },
  };
}
