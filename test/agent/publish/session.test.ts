// Reconnects: the backoff sequence (exponential, jittered, capped), the pacer that bounds a
// backlog's rate, and an agent session that really does come back after its broker does.

import t from 'tap';
import { createLogger } from '../../../common/log.js';
import { Counters } from '../../../agent/publish/counters.js';
import { Pacer } from '../../../agent/publish/pacer.js';
import { AgentSession, backoffDelay } from '../../../agent/publish/session.js';
import { Spool } from '../../../agent/publish/spool.js';
import { inventory } from '../../helpers/messages.js';
import { startMosquitto } from '../../helpers/mosquitto.js';
import { startSequenceChecker } from '../../helpers/sequence-checker.js';
import { eventually, sleep, tmpDir } from '../../helpers/tmp.js';

t.test('backoff: doubles from the initial delay up to the cap, jitter in the upper half', async (t) => {
  const low = Array.from({ length: 9 }, (_, i) => backoffDelay(i, 1_000, 60_000, () => 0));
  const high = Array.from({ length: 9 }, (_, i) => backoffDelay(i, 1_000, 60_000, () => 0.999999));
  t.same(low, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  t.same(high, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  t.equal(backoffDelay(10_000, 1_000, 60_000, () => 0.5), 45_000, 'no overflow after days of retries');
  const spread = new Set(Array.from({ length: 200 }, () => backoffDelay(3, 1_000, 60_000)));
  t.ok(spread.size > 100, 'agents retrying together spread over the window');
});

t.test('pacer: a steady rate with a small burst', async (t) => {
  const p = new Pacer(100, 10);
  let sent = 0;
  for (let now = 0; now <= 1_000; now += 1) while (p.take(now)) sent++;
  t.ok(sent >= 105 && sent <= 111, `about 100 per second plus the burst (${sent})`);
  const q = new Pacer(10, 1);
  t.equal(q.take(0), true);
  t.equal(q.take(0), false);
  t.equal(q.waitMs(0), 100);
  t.equal(q.take(100), true);
});

t.test('a session reconnects with backoff and sends what waited, at the configured rate', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const checker = await startSequenceChecker(broker.url);
  t.teardown(() => checker.stop());
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const counters = new Counters(dir);
  const spool = new Spool(dir, counters, { maxBytes: 1 << 20, maxAgeMs: 3_600_000 });
  const session = new AgentSession({
    broker: { url: broker.url, clientId: 'kiosk-07', keepaliveS: 5, protocolVersion: 5 },
    agentId: 'kiosk-07', site: 'main', counters, outbox: spool, inventory: () => inventory('terminal'), log,
    backoff: { initialMs: 100, maxMs: 800 }, replayRate: 100, inflight: 8,
  });
  await session.start();
  t.teardown(async () => {
    await session.stop();
    spool.close();
  });
  await eventually(() => session.connected, 5_000, 'connected');
  await broker.stop();
  await eventually(() => !session.connected, 5_000, 'disconnected');
  for (let i = 0; i < 300; i++) session.send('metrics', Date.now(), { interval_s: 60, samples: [{ m: 'cpu', fields: { usage_percent: i } }] });
  await sleep(4_000);
  const delays = lines.filter((l) => l.includes('reconnecting')).map((l) => Number(/in_ms=(\d+)/.exec(l)?.[1]));
  t.ok(delays.length >= 4, `kept retrying (${delays.length} attempts in 4 s)`);
  const ceilings = [100, 200, 400, 800, 800, 800, 800, 800, 800, 800];
  delays.slice(0, 10).forEach((d, i) => t.ok(d >= ceilings[i]! / 2 && d <= ceilings[i]!, `attempt ${i + 1}: ${d} ms within [${ceilings[i]! / 2}, ${ceilings[i]}]`));
  t.equal(spool.size, 300, 'the messages wait in the spool');

  await broker.start();
  const back = Date.now();
  await eventually(() => checker.of('kiosk-07').max === 300, 15_000, 'all 300 delivered');
  const took = Date.now() - back;
  t.same(checker.of('kiosk-07').first, Array.from({ length: 300 }, (_, i) => i + 1), 'in order, none missing');
  t.ok(took >= 2_000, `paced at 100 msg/s: 300 took ${took} ms, not a burst`);
  t.equal(lines.filter((l) => l.includes('connected to broker')).length, 2, 'connected again');
  await eventually(() => spool.size === 0, 5_000, 'spool empty');
});
