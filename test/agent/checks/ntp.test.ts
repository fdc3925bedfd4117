// Time drift: NTP timestamps as data, and the SNTP client against an SNTP responder the test
// runs on a loopback UDP port. The responder speaks the real 48-byte packet format (RFC 4330),
// refuses anything that is not a well-formed client request, and can run its clock skewed,
// send a kiss-of-death, claim to be unsynchronised or answer with a forged packet first.

import t from 'tap';
import { createSocket, type Socket } from 'node:dgram';
import { silentLogger } from '../../../common/log.js';
import { ntpCheck, readNtpTime, readSntpReply, sntpRequest, writeNtpTime } from '../../../agent/checks/ntp.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';

interface Responder {
  port: number;
  skewMs: number;
  mode: 'normal' | 'kod' | 'unsynced' | 'forged-first' | 'silent';
  violations: string[];
  requests: number;
}

async function responder(t: { teardown(fn: () => void): void }): Promise<Responder> {
  const socket: Socket = createSocket('udp4');
  const r: Responder = { port: 0, skewMs: 0, mode: 'normal', violations: [], requests: 0 };
  socket.on('message', (msg, from) => {
    r.requests++;
    const mode = msg[0]! & 7;
    const version = (msg[0]! >> 3) & 7;
    if (msg.length !== 48) return void r.violations.push(`length ${msg.length}`);
    if (mode !== 3) return void r.violations.push(`mode ${mode}`);
    if (version < 3 || version > 4) return void r.violations.push(`version ${version}`);
    if (msg.readUInt32BE(40) === 0) return void r.violations.push('no transmit timestamp');
    if (r.mode === 'silent') return;
    const reply = Buffer.alloc(48);
    const li = r.mode === 'unsynced' ? 3 : 0;
    reply[0] = (li << 6) | (4 << 3) | 4;
    reply[1] = r.mode === 'kod' ? 0 : 2;
    if (r.mode === 'kod') reply.write('RATE', 12, 'latin1');
    msg.copy(reply, 24, 40, 48); // originate = the client's transmit time
    const now = Date.now() + r.skewMs;
    writeNtpTime(reply, 16, now - 60_000);
    writeNtpTime(reply, 32, now);
    writeNtpTime(reply, 40, now + 0.2);
    if (r.mode === 'forged-first') {
      const forged = Buffer.from(reply);
      forged.writeUInt32BE(1, 24); // answers somebody else's request
      writeNtpTime(forged, 40, now + 3_600_000);
      socket.send(forged, from.port, from.address);
    }
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  r.port = socket.address().port;
  t.teardown(() => socket.close());
  return r;
}

async function check(port: number, extra: Record<string, unknown> = {}) {
  const spec = { name: 'clock', type: 'ntp', server: '127.0.0.1', port, timeout: '3s', ...extra };
  return (await runOnce(schedule(ntpCheck.create(spec as never, { agentId: 'his-app-01', dataDir: '/x', log: silentLogger }), spec))).outcome;
}

t.test('NTP timestamps: round trip, fractions, the 2036 era change', async (t) => {
  const buf = Buffer.alloc(8);
  for (const ms of [Date.UTC(2025, 5, 1, 8, 0, 0, 250), Date.UTC(2036, 1, 7, 6, 28, 16), Date.UTC(2040, 0, 1)]) {
    writeNtpTime(buf, 0, ms);
    t.ok(Math.abs(readNtpTime(buf, 0, ms + 5_000) - ms) < 0.001, new Date(ms).toISOString());
  }
  writeNtpTime(buf, 0, Date.UTC(2036, 1, 8));
  t.equal(buf.readUInt32BE(0), 24 * 3600 - (6 * 3600 + 28 * 60 + 16), 'seconds wrap to 0 at 2036-02-07T06:28:16Z');
  const req = sntpRequest(Date.UTC(2025, 0, 1));
  t.equal(req.length, 48);
  t.equal(req[0], 0x23, 'LI 0, version 4, mode 3');
});

t.test('offset and delay from the four timestamps', async (t) => {
  const t1 = Date.UTC(2025, 5, 1);
  const req = sntpRequest(t1);
  const reply = Buffer.alloc(48);
  reply[0] = 0x24;
  reply[1] = 1;
  req.copy(reply, 24, 40, 48);
  writeNtpTime(reply, 32, t1 + 5_010); // server 5 s ahead, 10 ms out
  writeNtpTime(reply, 40, t1 + 5_012);
  const r = readSntpReply(reply, req, t1, t1 + 22);
  t.ok(r.ok);
  if (r.ok) {
    t.ok(Math.abs(r.offsetMs - 5_000) < 0.01, `offset ${r.offsetMs}`);
    t.ok(Math.abs(r.delayMs - 20) < 0.01, `delay ${r.delayMs}`);
  }
});

t.test('against the SNTP responder: in sync, skewed, far off', async (t) => {
  const r = await responder(t);
  const inSync = await check(r.port);
  t.equal(inSync.status, 'ok');
  t.ok(Math.abs(inSync.fields?.offset_ms as number) < 250, `offset ${inSync.fields?.offset_ms}`);
  t.equal(inSync.fields?.stratum, 2);
  t.equal(inSync.target, `ntp://127.0.0.1:${r.port}`);
  r.skewMs = 3_000;
  const skewed = await check(r.port);
  t.equal(skewed.status, 'warning');
  t.ok(Math.abs((skewed.fields?.offset_ms as number) - 3_000) < 250);
  t.match(skewed.summary, /^clock 3\.0 s behind 127\.0\.0\.1 \(stratum 2\)$/);
  r.skewMs = -20_000;
  const far = await check(r.port);
  t.equal(far.status, 'critical');
  t.match(far.summary, /^clock 20\.0 s ahead of 127\.0\.0\.1/);
  t.same(r.violations, [], 'every request was a well-formed SNTP client packet');
});

t.test('refusals, forged replies and silence', async (t) => {
  const r = await responder(t);
  r.mode = 'kod';
  t.same(await check(r.port), { status: 'critical', summary: 'no time from 127.0.0.1: server refused (kiss code RATE)', target: `ntp://127.0.0.1:${r.port}`, errorClass: 'protocol' });
  r.mode = 'unsynced';
  t.equal((await check(r.port)).summary, 'no time from 127.0.0.1: server clock is not synchronised');
  r.mode = 'forged-first';
  const o = await check(r.port);
  t.equal(o.status, 'ok', 'a reply to another request is ignored');
  t.ok(Math.abs(o.fields?.offset_ms as number) < 250);
  r.mode = 'silent';
  const before = r.requests;
  t.same(await check(r.port, { timeout: '2500ms' }), { status: 'critical', summary: 'no answer within 2.5 s', errorClass: 'timeout' });
  t.equal(r.requests - before, 2, 'the request was sent again after 2 s');
  t.same(r.violations, []);
  const unused = createSocket('udp4');
  await new Promise<void>((resolve) => unused.bind(0, '127.0.0.1', resolve));
  const port = unused.address().port;
  await new Promise<void>((resolve) => unused.close(() => resolve()));
  t.same(await check(port), { status: 'critical', summary: 'no time from 127.0.0.1: ECONNREFUSED', target: `ntp://127.0.0.1:${port}`, errorClass: 'refused' }, 'nothing listening: refused at once');
});
