// HL7 v2 over MLLP against a local interface-engine stand-in started by the test: it parses
// each MLLP frame, checks the message is a test message (MSH-11 = T) and answers with a real
// ACK, or misbehaves the way engines do (AE, AR, an ACK for another message, silence, garbage).

import t from 'tap';
import { createServer, type Server, type Socket } from 'node:net';
import { silentLogger } from '../../../common/log.js';
import { hl7Check, type Hl7CheckSpec } from '../../../agent/checks/hl7.js';
import { buildMessage, frame, judgeAck, MllpReader, newControlId, parseAck } from '../../../agent/checks/hl7-message.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { freePort } from '../../helpers/ports.js';

const ctx = { agentId: 'probe-01', dataDir: '/nonexistent', log: silentLogger };

type Behaviour = 'AA' | 'CA' | 'AE' | 'AR' | 'wrong-id' | 'silent' | 'garbage' | 'close' | 'split';

interface Received {
  msh: string[];
  segments: string[];
}

/** An MLLP peer that answers every frame according to `behaviour`. */
async function mllpPeer(t: { teardown(fn: () => void): void }, behaviour: Behaviour): Promise<{ port: number; received: Received[] }> {
  const port = await freePort();
  const received: Received[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    const reader = new MllpReader();
    socket.on('data', (chunk: Buffer) => {
      const r = reader.push(chunk);
      if (r.kind !== 'frame') return;
      const segments = r.payload.toString('utf8').split('\r').filter(Boolean);
      const msh = (segments[0] ?? '').split('|');
      received.push({ msh, segments });
      const id = msh[9] ?? '';
      const ack = (code: string, ackId = id, text = '') =>
        frame(`MSH|^~\\&|ENGINE|HOSP|${msh[2]}|${msh[3]}|20261122010542||ACK^A19^ACK|ACK${Date.now()}|T|2.4\rMSA|${code}|${ackId}${text ? `|${text}` : ''}\r`);
      if (behaviour === 'AA' || behaviour === 'CA') socket.write(ack(behaviour));
      else if (behaviour === 'AE') socket.write(ack('AE', id, 'Unsupported message type'));
      else if (behaviour === 'AR') socket.write(ack('AR', id, 'Processing ID not accepted'));
      else if (behaviour === 'wrong-id') socket.write(ack('AA', 'SOMEONE-ELSE-1'));
      else if (behaviour === 'garbage') socket.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
      else if (behaviour === 'close') socket.end();
      else if (behaviour === 'split') {
        const bytes = ack('AA');
        socket.write(bytes.subarray(0, 7));
        setTimeout(() => socket.write(bytes.subarray(7)), 30);
      }
      // silent: reads and never answers
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port, received };
}

function probe(port: number, extra: Partial<Hl7CheckSpec> = {}) {
  const spec = { name: 'lis-adt-channel', type: 'hl7' as const, host: '127.0.0.1', port, ...extra };
  return schedule(hl7Check.create(spec, ctx), spec);
}

t.test('AA: ok, with the round trip and the code; the message is a test message with our control id', async (t) => {
  const peer = await mllpPeer(t, 'AA');
  const s = probe(peer.port, { receiving_application: 'LIS', receiving_facility: 'HOSP' });
  const r = await runOnce(s);
  t.equal(r.outcome.status, 'ok', r.outcome.summary);
  t.match(r.outcome.summary, /^ACK AA in \d+ ms$/);
  t.equal(r.outcome.target, `mllp://127.0.0.1:${peer.port}`);
  t.equal(r.outcome.fields?.ack_code, 'AA');
  t.ok(typeof r.outcome.fields?.ack_ms === 'number' && typeof r.outcome.fields?.connect_ms === 'number');
  const msg = peer.received[0];
  t.equal(msg?.msh[8], 'QRY^A19', 'MSH-9 default');
  t.equal(msg?.msh[10], 'T', 'MSH-11 marks a test message');
  t.same(msg?.msh.slice(2, 6), ['WARDWATCH', 'PROBE', 'LIS', 'HOSP']);
  t.equal(msg?.msh[9], r.outcome.fields?.control_id, 'MSH-10 is the control id the ACK must echo');
  t.match(msg?.segments[1], /^QRD\|\d{14}\+0000\|R\|I\|WW[0-9A-Z]+\|\|\|1\^RD\|WARDWATCH-PROBE/);
  await runOnce(s);
  t.not(peer.received[1]?.msh[9], peer.received[0]?.msh[9], 'each run has its own control id');
});

t.test('CA (enhanced mode commit ACK) is ok too', async (t) => {
  const peer = await mllpPeer(t, 'CA');
  t.equal((await runOnce(probe(peer.port))).outcome.status, 'ok');
});

t.test('an ACK arriving in pieces is put together', async (t) => {
  const peer = await mllpPeer(t, 'split');
  t.equal((await runOnce(probe(peer.port))).outcome.status, 'ok');
});

t.test('AE: a warning by default, critical when configured, with the engine\'s text', async (t) => {
  const peer = await mllpPeer(t, 'AE');
  const warn = await runOnce(probe(peer.port));
  t.equal(warn.outcome.status, 'warning');
  t.match(warn.outcome.summary, /^ACK AE \(error\): Unsupported message type in \d+ ms$/);
  t.equal(warn.outcome.fields?.ack_code, 'AE');
  t.equal((await runOnce(probe(peer.port, { on_error: 'critical' }))).outcome.status, 'critical');
});

t.test('AR: critical', async (t) => {
  const peer = await mllpPeer(t, 'AR');
  const r = await runOnce(probe(peer.port));
  t.equal(r.outcome.status, 'critical');
  t.match(r.outcome.summary, /^ACK AR \(rejected\): Processing ID not accepted in \d+ ms$/);
});

t.test('an ACK for another message: critical', async (t) => {
  const peer = await mllpPeer(t, 'wrong-id');
  const r = await runOnce(probe(peer.port));
  t.equal(r.outcome.status, 'critical');
  t.match(r.outcome.summary, /^ACK AA is for another message \(MSA-2 "SOMEONE-ELSE-1", sent "WW[0-9A-Z]+"\)/);
});

t.test('a peer that never answers: critical, says it connected and got no ACK, within the timeout', async (t) => {
  const peer = await mllpPeer(t, 'silent');
  const r = await runOnce(probe(peer.port, { timeout: '1s' }));
  t.equal(r.outcome.status, 'critical');
  t.match(r.outcome.summary, /^connected in \d+ ms; no ACK within 800 ms$/);
  t.ok(r.durationMs < 1000);
  t.equal(peer.received.length, 1, 'the message did arrive');
});

t.test('garbage instead of a frame: critical, names the first wrong byte', async (t) => {
  const peer = await mllpPeer(t, 'garbage');
  const r = await runOnce(probe(peer.port));
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'answer is not MLLP-framed (byte 0x48 where 0x0b was expected)');
});

t.test('the peer hangs up without answering: critical', async (t) => {
  const peer = await mllpPeer(t, 'close');
  const r = await runOnce(probe(peer.port));
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'connection closed before an ACK');
});

t.test('nothing listening: critical, cannot connect', async (t) => {
  const r = await runOnce(probe(await freePort()));
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'cannot connect: ECONNREFUSED');
  t.equal(r.outcome.errorClass, 'refused');
  t.notOk('connect_ms' in (r.outcome.fields ?? {}));
});

t.test('message, framing and ACK reading as pure functions', async (t) => {
  const msg = buildMessage(
    { sendingApplication: 'WARDWATCH', sendingFacility: 'PROBE', receivingApplication: 'HIS', receivingFacility: '', messageType: 'ADT^A01', processingId: 'D', version: '2.5', segments: ['EVN|A01|{timestamp}'] },
    'WW1',
    Date.UTC(2026, 10, 22, 1, 5, 42),
  );
  t.equal(msg, 'MSH|^~\\&|WARDWATCH|PROBE|HIS||20261122010542+0000||ADT^A01|WW1|D|2.5\rEVN|A01|20261122010542+0000\r');
  const framed = frame(msg);
  t.same([framed[0], framed.at(-2), framed.at(-1)], [0x0b, 0x1c, 0x0d]);

  const reader = new MllpReader();
  t.same(reader.push(Buffer.from([0x0d, 0x0a, 0x0b, 0x41])), { kind: 'more' }, 'line breaks between frames are tolerated');
  const done = reader.push(Buffer.from([0x42, 0x1c, 0x0d]));
  t.equal(done.kind === 'frame' ? done.payload.toString() : '', 'AB');

  t.same(parseAck(Buffer.from('MSH|^~\\&|E|H|||x||ACK|1|T|2.4\nMSA|ca|WW1\n')), { code: 'CA', controlId: 'WW1', text: '' }, 'LF-separated and lowercase tolerated');
  t.equal(parseAck(Buffer.from('PID|1||123')), 'answer is not an HL7 message (no MSH segment first)');
  t.equal(parseAck(Buffer.from('MSH|^~\\&|E|H|||x||ADR^A19|1|T|2.4\rQAK|1|NF')), 'answer has no MSA segment (not an acknowledgement)');
  t.same(parseAck(Buffer.from('MSH#^~\\&#E#H###x##ACK#1#T#2.4\rMSA#AA#WW1')), { code: 'AA', controlId: 'WW1', text: '' }, 'field separator taken from MSH');

  t.same(judgeAck({ code: 'XX', controlId: 'A', text: '' }, 'A', 'warning'), { status: 'critical', why: 'unknown acknowledgement code "XX"' });
  t.equal(judgeAck({ code: 'CR', controlId: 'A', text: '' }, 'A', 'warning').status, 'critical');
  t.equal(judgeAck({ code: 'CE', controlId: 'A', text: '' }, 'A', 'critical').status, 'critical');

  const ids = new Set(Array.from({ length: 500 }, () => newControlId(1763773215000)));
  t.equal(ids.size, 500, 'control ids are unique even within one millisecond');
  t.ok([...ids].every((id) => id.length <= 20), 'and fit MSH-10');
});

t.test('the schema refuses a production processing id and separators in MSH fields', async (t) => {
  const { parseYaml } = await import('../../../common/yaml-file.js');
  const bad = parseYaml('name: x\ntype: hl7\nhost: e\nport: 2575\nprocessing_id: P\nsending_application: "A|B"\n', hl7Check.schema, { displayName: 'c.yaml' });
  t.notOk(bad.ok);
  if (!bad.ok) t.same(bad.errors.map((e) => e.path).sort(), ['processing_id', 'sending_application']);
});
