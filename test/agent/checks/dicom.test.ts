// DICOM C-ECHO against real dcmtk peers: storescp (accepts any called AE, or refuses every
// association) and dcmqrscp (knows one AE title and rejects the others).

import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { silentLogger } from '../../../common/log.js';
import { dicomCheck, rejectionText, type DicomCheckSpec } from '../../../agent/checks/dicom.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { freePort } from '../../helpers/ports.js';
import { startDcmqrscp, startStorescp } from '../../helpers/dcmtk.js';

const ctx = { agentId: 'probe-01', dataDir: '/nonexistent', log: silentLogger };

function echo(spec: Omit<DicomCheckSpec, 'name' | 'type'>) {
  const full = { name: 'pacs-echo', type: 'dicom' as const, ...spec };
  return runOnce(schedule(dicomCheck.create(full, ctx), full));
}

t.test('C-ECHO to storescp: ok, with the echo time and the DIMSE status', async (t) => {
  const scp = await startStorescp(t);
  const r = await echo({ host: '127.0.0.1', port: scp.port, called_ae: 'PACS01', calling_ae: 'WARDWATCH' });
  t.equal(r.outcome.status, 'ok', r.outcome.summary);
  t.match(r.outcome.summary, /^C-ECHO ok in \d+ ms$/);
  t.equal(r.outcome.target, `dicom://127.0.0.1:${scp.port}/PACS01`);
  t.equal(r.outcome.fields?.status, 0);
  t.ok((r.outcome.fields?.echo_ms as number) > 0 && (r.outcome.fields?.echo_ms as number) < 5000);
});

t.test('a slow echo is a warning when warn_after is set', async (t) => {
  const scp = await startStorescp(t);
  const r = await echo({ host: '127.0.0.1', port: scp.port, called_ae: 'PACS01', warn_after: '0ms' });
  t.equal(r.outcome.status, 'warning');
});

t.test('closed port: critical, says the connection was refused', async (t) => {
  const port = await freePort();
  const r = await echo({ host: '127.0.0.1', port, called_ae: 'PACS01' });
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, `cannot connect: connect ECONNREFUSED 127.0.0.1:${port}`);
  t.equal(r.outcome.errorClass, 'refused');
});

t.test('association refused by storescp --refuse: critical with the reject reason', async (t) => {
  const scp = await startStorescp(t, { refuse: true });
  const r = await echo({ host: '127.0.0.1', port: scp.port, called_ae: 'PACS01' });
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'association rejected permanently: no reason given');
});

t.test('dcmqrscp rejects an unknown called AE title and answers its own', async (t) => {
  const scp = await startDcmqrscp(t, { aeTitle: 'PACS01' });
  const wrong = await echo({ host: '127.0.0.1', port: scp.port, called_ae: 'WRONGAE' });
  t.equal(wrong.outcome.status, 'critical');
  t.equal(wrong.outcome.summary, 'association rejected permanently: called AE title not recognised');
  const right = await echo({ host: '127.0.0.1', port: scp.port, called_ae: 'PACS01' });
  t.equal(right.outcome.status, 'ok', right.outcome.summary);
});

t.test('a peer that accepts the connection and never answers: critical within the timeout', async (t) => {
  const port = await freePort();
  const peers: Socket[] = [];
  const server = createServer((s) => {
    peers.push(s);
    s.resume(); // read, so the peer notices when the probe closes
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.teardown(() => {
    server.close();
  });
  const r = await echo({ host: '127.0.0.1', port, called_ae: 'PACS01', timeout: '1s' });
  t.equal(r.outcome.status, 'critical');
  t.match(r.outcome.summary, /^no C-ECHO response within \d+ ms$|^no answer within 1\.0 s$/);
  t.ok(r.durationMs < 1500, `settled in ${Math.round(r.durationMs)} ms`);
  // The probe must not leave its socket behind: the peer sees it closed.
  await new Promise<void>((resolve) => (peers[0]?.closed ? resolve() : peers[0]?.once('close', () => resolve())));
  t.equal(peers.length, 1);
});

t.test('a peer that speaks something else: critical, and the agent keeps running', async (t) => {
  const port = await freePort();
  const server = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.teardown(() => {
    server.close();
  });
  const r = await echo({ host: '127.0.0.1', port, called_ae: 'PACS01', timeout: '2s' });
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'the peer does not speak DICOM (Unknown PDU type: 72)', '0x48 is the H of HTTP');
});

t.test('reject reasons read as PS3.8 names them', async (t) => {
  t.equal(rejectionText({ result: 1, source: 1, reason: 3 }), 'association rejected permanently: calling AE title not recognised');
  t.equal(rejectionText({ result: 2, source: 3, reason: 1 }), 'association rejected transiently: temporary congestion');
  t.equal(rejectionText({ result: 1, source: 2, reason: 9 }), 'association rejected permanently: source 2, reason 9');
});

t.test('the schema refuses AE titles longer than 16 characters', async (t) => {
  const { parseYaml } = await import('../../../common/yaml-file.js');
  const r = parseYaml('name: x\ntype: dicom\nhost: pacs\nport: 104\ncalled_ae: THIS_IS_TOO_LONG_AE\n', dicomCheck.schema, { displayName: 'c.yaml' });
  t.notOk(r.ok);
  if (!r.ok) t.match(r.errors[0]?.message, /expected an AE title of 1 to 16 characters/);
});
