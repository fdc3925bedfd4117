// npm run build && node dist/bench/notify-latency.js [--runs 30] [--channels 4]
//
// Time from an incident opening to its first notification arriving at a receiver, through real
// sockets: a correlator (in this process, SQLite store in a temp dir) subscribed to an embedded
// MQTT broker on loopback, webhook channels pointing at an HTTP receiver on loopback. Each run
// publishes one breaching check result for a new node (a P1 rule, for: 1) and records:
//   published → incident decision (sink sees incident.opened), decision → first request at
//   the receiver, published → last channel's request. Prints the method, the machine and the
//   figures (median, p95, max), so the README can quote them.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../cli/up/broker.js';
import { silentLogger } from '../common/log.js';
import { resolveCorrelatorConfig } from '../correlator/config/load.js';
import { startCorrelator } from '../correlator/main.js';
import { encode } from '../protocol/decode.js';
import { topicFor } from '../protocol/topics.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, channels: { type: 'string', default: '4' } } });
const runs = Number(values.runs);
const channels = Number(values.channels);

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return `median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${(s[s.length - 1] as number).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-notify-'));
  const arrivals = new Map<string, number[]>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.timeOrigin + performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { data: { tickets: number[] } };
      const key = String(body.data.tickets[0]);
      arrivals.set(key, [...(arrivals.get(key) ?? []), at]);
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as { port: number }).port;
  const broker = await startEmbeddedBroker(0);
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'bench.rules.yaml'), 'rules:\n  - id: link-down\n    kind: threshold\n    title: "{node} down"\n    priority: P1\n    metric: check.loss_percent\n    op: ">="\n    value: 100\n');
  const hooks = Object.fromEntries(Array.from({ length: channels }, (_, i) => [`hook-${i}`, { type: 'webhook' as const, url: `http://127.0.0.1:${port}/${i}` }]));
  const config = resolveCorrelatorConfig({ broker: { url: broker.url, protocol: 'mqtt3.1.1' }, store: { sqlite: 'w.db' }, rules: 'rules', tick: '1s', correlation: { settle: '1s' }, notify: { channels: hooks, routes: { P1: 'all' } } }, dir);
  const opened = new Map<number, number>();
  const correlator = await startCorrelator(config, silentLogger, {
    sinks: [{ name: 'bench', deliver: (ds) => void ds.forEach((d) => d.type === 'incident.opened' && opened.set(d.incident.id, performance.timeOrigin + performance.now())) }],
  });
  await correlator.subscriber.ready;
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  await new Promise((r) => setTimeout(r, 1_500));
  const toDecision: number[] = [];
  const toFirst: number[] = [];
  const toAll: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const sent = performance.timeOrigin + performance.now();
    const msg = { v: 1 as const, kind: 'events' as const, agent: 'probe-01', site: 'main', seq: i, ts: Date.now(), events: [{ check: `ping-${i}`, type: 'icmp', status: 'critical' as const, node: `sw-${i}`, fields: { loss_percent: 100 } }] };
    await pub.publishAsync(topicFor('events', 'main', 'probe-01'), encode(msg), { qos: 1 });
    const deadline = Date.now() + 5_000;
    while ((arrivals.get(String(i))?.length ?? 0) < channels && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const at = arrivals.get(String(i)) ?? [];
    const decided = opened.get(i);
    if (decided === undefined || at.length < channels) throw new Error(`run ${i}: no incident or missing notifications`);
    toDecision.push(decided - sent);
    toFirst.push(Math.min(...at) - decided);
    toAll.push(Math.max(...at) - sent);
    process.stderr.write(`\rrun ${i}/${runs}`);
  }
  process.stderr.write('\n');
  await pub.endAsync();
  await correlator.stop();
  await broker.close();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
  console.log('Method: in-process correlator (SQLite, synchronous=FULL) on an embedded MQTT broker on loopback;');
  console.log(`        ${channels} webhook channels to an HTTP receiver on loopback; ${runs} incidents, one at a time.`);
  console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log(`published → incident decision:          ${stats(toDecision)}`);
  console.log(`incident decision → first notification: ${stats(toFirst)}`);
  console.log(`published → last of ${channels} channels:          ${stats(toAll)}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
