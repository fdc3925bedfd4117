// Store-and-forward under a real broker outage, compressed in time: three agents (separate
// processes) publish every 100 ms to a Mosquitto that persists sessions; the broker is stopped
// for 30 s (at 100 ms that is the backlog of a 5-hour outage at a 60 s terminal interval) and
// restarted. A subscriber with a persistent session stands in for the correlator.
//
//   steady     runs throughout: every sequence number arrives, once, in order
//   killed     SIGKILLed during the outage and restarted (still during the outage): the same
//   tiny       a 64 KiB spool: the oldest are dropped, and exactly the dropped ones are missing;
//              the agent logs the drops when it reconnects and reports them in agent.spool_dropped

import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startSequenceChecker, type AgentArrivals } from '../helpers/sequence-checker.js';
import { eventually, sleep, tmpDir } from '../helpers/tmp.js';

const OUTAGE_MS = 30_000;

function agentYaml(id: string, url: string, spool = ''): string {
  return [
    `agent: { id: ${id}, site: main, role: terminal }`,
    `broker: { url: "${url}", keepalive: 5s, reconnect: { initial: 200ms, max: 2s } }`,
    'interval: 100ms',
    `data_dir: ${id}-data`,
    `spool: { replay_rate: 200, inflight: 16${spool} }`,
    '',
  ].join('\n');
}

/** 1..max with nothing missing, in order of first arrival. */
function missing(a: AgentArrivals): number[] {
  const out: number[] = [];
  for (let s = 1; s <= a.max; s++) if (!a.seen.has(s)) out.push(s);
  return out;
}

t.test('a 30 s broker outage loses no message; an agent SIGKILLed during it loses none either', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const checker = await startSequenceChecker(broker.url);
  t.teardown(() => checker.stop());
  for (const [id, extra] of [['steady', ''], ['killed', ''], ['tiny', ', max_bytes: 65536']] as const) writeFileSync(join(dir, `${id}.yaml`), agentYaml(id, broker.url, extra));
  const start = (id: string): CliProcess => startCli(t, ['agent', '--config', join(dir, `${id}.yaml`)], { cwd: dir });
  const agents: Record<string, CliProcess> = { steady: start('steady'), killed: start('killed'), tiny: start('tiny') };
  await Promise.all(Object.values(agents).map((a) => a.waitFor(/connected to broker/, 60_000)));
  await eventually(() => ['steady', 'killed', 'tiny'].every((id) => checker.of(id).max >= 10), 30_000, 'traffic from all three agents');

  await broker.stop();
  const outageStart = Date.now();
  await sleep(OUTAGE_MS / 3);
  await agents.killed!.kill('SIGKILL');
  const seqAtKill = (JSON.parse(readFileSync(join(dir, 'killed-data', 'counters.json'), 'utf8')) as { seq: number }).seq;
  await sleep(1_000);
  agents.killed = start('killed');
  await agents.killed.waitFor(/agent started/, 60_000);
  await sleep(OUTAGE_MS - (Date.now() - outageStart));
  const produced = (id: string) => (JSON.parse(readFileSync(join(dir, `${id}-data`, 'counters.json'), 'utf8')) as { seq: number }).seq;
  const backlogAt = { steady: produced('steady'), killed: produced('killed'), tiny: produced('tiny') };
  await broker.start();
  const restartedAt = Date.now();

  // The backlog drains (at 200 msg/s) and live traffic follows.
  await eventually(() => Object.entries(backlogAt).every(([id, n]) => checker.of(id).max >= n + 5), 60_000, 'backlog delivered');
  const drainMs = Date.now() - restartedAt;
  await agents.tiny!.waitFor(/messages dropped while the broker was unreachable/, 30_000);
  for (const a of Object.values(agents)) t.equal(await a.kill('SIGTERM'), 0, 'agent stopped cleanly');
  await sleep(1_000);

  for (const id of ['steady', 'killed']) {
    const a = checker.of(id);
    const head = (JSON.parse(readFileSync(join(dir, `${id}-data`, 'spool', 'state.json'), 'utf8')) as { head: number }).head;
    t.same(missing(a), [], `${id}: every sequence number 1..${a.max} arrived`);
    t.equal(a.outOfOrder, 0, `${id}: in order`);
    t.ok(a.max >= head, `${id}: everything the agent saw acknowledged arrived (${a.max} ≥ ${head})`);
    t.comment(`${id}: ${a.max} messages, ${backlogAt[id as 'steady']} produced by the end of the outage, lost 0, broker redeliveries ${a.duplicates}`);
  }
  const killed = checker.of('killed');
  t.ok(killed.seen.has(seqAtKill) && killed.seen.has(seqAtKill + 1), `numbering continued across SIGKILL (${seqAtKill} → ${seqAtKill + 1})`);
  const steadyBacklog = Math.max(...checker.of('steady').lastSpool.map((s) => s.messages));
  t.ok(steadyBacklog >= 200, `agent.spool_messages showed the backlog (${steadyBacklog})`);

  const tiny = checker.of('tiny');
  const gone = missing(tiny);
  const reported = Math.max(...tiny.lastSpool.map((s) => s.dropped));
  t.ok(gone.length > 100, `tiny spool: ${gone.length} oldest messages dropped`);
  t.equal(reported, gone.length, 'agent.spool_dropped equals the sequence numbers that never arrived');
  t.equal(tiny.outOfOrder, 0, 'tiny: what was kept arrived in order');
  t.match(agents.tiny!.output(), new RegExp(`messages dropped while the broker was unreachable\\s+dropped=${gone.length}`), 'the drop is logged on reconnect');
  t.comment(`backlog of ${backlogAt.steady + backlogAt.killed + backlogAt.tiny} messages drained in ${drainMs} ms after the broker came back`);
});
