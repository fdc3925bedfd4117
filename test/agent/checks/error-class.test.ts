// The error classes of failed network checks, from real failures on loopback: a closed port, a
// name under .invalid, a server with an untrusted certificate, an HTTP 503, a listener that
// never answers, a server that hangs up. First the classifier on the errors Node raises, then
// the checks' results as they go on the wire (error_class, target, target_node).

import t from 'tap';
import { lookup } from 'node:dns/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { silentLogger } from '../../../common/log.js';
import { classOfCode, errorClassOf } from '../../../agent/checks/error-class.js';
import { dbErrorClass } from '../../../agent/checks/database.js';
import { DbFailure } from '../../../agent/checks/database-sql.js';
import { httpCheck } from '../../../agent/checks/http.js';
import { hl7Check } from '../../../agent/checks/hl7.js';
import { judgePing } from '../../../agent/checks/icmp.js';
import { pingFailure } from '../../../agent/checks/icmp-ping.js';
import { ItemReporter } from '../../../agent/checks/items.js';
import { CheckRunner, schedule } from '../../../agent/checks/runner.js';
import { tcpCheck } from '../../../agent/checks/tcp.js';
import { tlsCheck } from '../../../agent/checks/tls.js';
import { decode } from '../../../protocol/decode.js';
import { topicFor } from '../../../protocol/topics.js';
import type { CheckResult } from '../../../protocol/schema.js';
import { freePort } from '../../helpers/ports.js';
import { tmpDir, type Teardown } from '../../helpers/tmp.js';
import { selfSigned } from './certs.js';

const ctx = { agentId: 'ws-opd-012', dataDir: '/nonexistent', log: silentLogger };

function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

function tcp(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

/** Listens on a free loopback port; at the end, hangs up on whatever is still connected. */
async function listening<S extends Server | HttpServer>(t: Teardown, server: S): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as { port: number }).port;
}

/** A listener that accepts connections and never says a word: the target is up but hung. */
function silent(t: Teardown): Promise<number> {
  return listening(t, createTcpServer(() => undefined));
}

t.test('the classifier on the errors Node raises', async (t) => {
  const closed = await freePort();
  t.equal(errorClassOf(await failure(tcp(closed))), 'refused', 'connect to a closed loopback port');
  t.equal(errorClassOf(await failure(fetch(`http://127.0.0.1:${closed}/`))), 'refused', "fetch's wrapped cause");

  t.equal(errorClassOf(await failure(lookup('his-app.wardwatch-test.invalid'))), 'dns', 'a name under .invalid');

  const dir = tmpDir(t);
  const pem = selfSigned(dir, 'untrusted', 'his.hospital.test', 30);
  const tlsPort = await listening(t, createHttpsServer({ key: pem.key, cert: pem.cert }, (_req, res) => res.end('ok')));
  t.equal(errorClassOf(await failure(fetch(`https://127.0.0.1:${tlsPort}/`))), 'tls', 'an untrusted certificate through fetch');
  const handshake = new Promise<void>((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, servername: 'his.hospital.test' });
    s.once('secureConnect', () => resolve());
    s.once('error', reject);
  });
  t.equal(errorClassOf(await failure(handshake)), 'tls', 'and through a raw TLS connect');

  const hung = await silent(t);
  t.equal(errorClassOf(await failure(fetch(`http://127.0.0.1:${hung}/`, { signal: AbortSignal.timeout(200) }))), 'timeout', 'a listener that never answers');

  const hangUp = await listening(t, createTcpServer((s) => s.resetAndDestroy()));
  t.equal(errorClassOf(await failure(fetch(`http://127.0.0.1:${hangUp}/`))), 'reset', 'a server that resets the connection');

  const notHttp = await listening(t, createTcpServer((s) => s.end('220 smtp.hospital.test ESMTP\r\n')));
  t.equal(errorClassOf(await failure(fetch(`http://127.0.0.1:${notHttp}/`))), 'protocol', 'a server that does not speak HTTP');
});

t.test('codes without a live failure to make them, and what no code says', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['EAI_AGAIN', 'dns'],
    ['ETIMEDOUT', 'timeout'],
    ['EPIPE', 'reset'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['HPE_INVALID_CONSTANT', 'protocol'],
    ['EACCES', undefined],
  ];
  for (const [code, want] of cases) t.equal(classOfCode(code), want, code);
  const aggregate = new AggregateError([Object.assign(new Error('a'), { code: 'ENETUNREACH' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })], 'connect failed');
  t.equal(errorClassOf(aggregate), 'unreachable', 'dual-stack connects: the first known code of the addresses tried');
  t.equal(errorClassOf(new Error('ERROR: connect ECONNREFUSED 10.1.2.3:5432')), 'refused', 'a code quoted by a driver, past a word that only looks like one');
  t.equal(errorClassOf(new Error('something odd')), 'other');
  t.equal(errorClassOf('not an error'), 'other');
  t.equal(dbErrorClass(new DbFailure('network', 'getaddrinfo ENOTFOUND db-his-01.invalid')), 'dns', 'a database network failure is split by its code');
  t.equal(dbErrorClass(new DbFailure('auth', 'password authentication failed')), 'auth');
  t.equal(dbErrorClass(new DbFailure('query', 'relation "x" does not exist')), 'protocol');
  t.equal(dbErrorClass(new DbFailure('refused', 'cannot execute INSERT in a read-only transaction')), undefined, 'the probe refused to write: not the target failing');
});

/** Runs checks through the runner, as the agent does, and returns what it would publish. */
async function results(specs: Array<Record<string, unknown>>, create: (spec: never) => ReturnType<typeof tcpCheck.create>): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const runner = new CheckRunner([], { agentId: ctx.agentId, log: silentLogger, publish: () => undefined });
  for (const spec of specs) out.push(await runner.runAndReport(schedule(create(spec as never), spec as never)));
  await runner.stop();
  return out;
}

t.test('the results on the wire: error_class, target and target_node', async (t) => {
  const closed = await freePort();
  const hung = await silent(t);
  const [refused, timeout, dns] = await results(
    [
      { name: 'dns-tcp', type: 'tcp', host: '127.0.0.1', port: closed, target_node: 'dns-01' },
      { name: 'his-port', type: 'tcp', host: '127.0.0.1', port: hung, timeout: '300ms' },
      { name: 'lis-port', type: 'tcp', host: 'lis-app.wardwatch-test.invalid', port: 8080 },
    ],
    (s) => tcpCheck.create(s, ctx),
  );
  t.match(refused, { status: 'critical', error_class: 'refused', target: `tcp://127.0.0.1:${closed}`, target_node: 'dns-01' });
  t.equal(dns?.error_class, 'dns', 'name not resolved');
  t.equal(dns?.target, 'tcp://lis-app.wardwatch-test.invalid:8080');
  // A TCP connect to a listening port succeeds at once: the hung listener shows as a timeout on
  // protocols that wait for an answer (HTTP, HL7 below).
  t.equal(timeout?.status, 'ok');
  t.notOk(timeout && 'error_class' in timeout, 'a passing check carries no error class');

  const http = await listening(
    t,
    createHttpServer((req, res) => {
      res.statusCode = req.url === '/down' ? 503 : 200;
      res.end(req.url === '/down' ? 'maintenance' : '{"status":"DOWN"}');
    }),
  );
  const dir = tmpDir(t);
  const pem = selfSigned(dir, 'untrusted', 'his.hospital.test', 30);
  const https = await listening(t, createHttpsServer({ key: pem.key, cert: pem.cert }, (_req, res) => res.end('ok')));
  const [status, body, tls, hang] = await results(
    [
      { name: 'his-down', type: 'http', url: `http://127.0.0.1:${http}/down` },
      { name: 'his-body', type: 'http', url: `http://127.0.0.1:${http}/health`, expect: { json: [{ path: '$.status', equals: 'UP' }] } },
      { name: 'his-tls', type: 'http', url: `https://127.0.0.1:${https}/` },
      { name: 'his-hung', type: 'http', url: `http://127.0.0.1:${hung}/`, timeout: '300ms' },
    ],
    (s) => httpCheck.create(s, ctx),
  );
  t.match(status, { status: 'critical', error_class: 'http-status', target: `http://127.0.0.1:${http}/down` });
  t.match(body, { status: 'critical', error_class: 'protocol' }, 'an answer that fails its assertions');
  t.match(tls, { status: 'critical', error_class: 'tls' });
  t.match(hang, { status: 'critical', error_class: 'timeout' }, 'the runner gives up: a timeout');

  const [hl7] = await results([{ name: 'his-adt', type: 'hl7', host: '127.0.0.1', port: hung, timeout: '500ms' }], (s) => hl7Check.create(s, ctx));
  t.match(hl7, { status: 'critical', error_class: 'timeout', target: `mllp://127.0.0.1:${hung}` });

  const [expired] = await results([{ name: 'pacs-cert', type: 'tls', host: '127.0.0.1', port: closed }], (s) => tlsCheck.create(s, ctx));
  t.match(expired, { status: 'critical', error_class: 'refused', target: `tls://127.0.0.1:${closed}` });

  for (const r of [refused, dns, status, body, tls, hang, hl7, expired]) {
    const message = { v: 1, kind: 'events', agent: ctx.agentId, site: 'main', seq: 1, ts: 1, events: [r] };
    const decoded = decode(topicFor('events', 'main', ctx.agentId), Buffer.from(JSON.stringify(message)));
    t.ok(decoded.ok, `${r?.check}: valid against the events schema${decoded.ok ? '' : `: ${decoded.detail}`}`);
  }
});

t.test('checks with one result per item carry the error class of each item', async (t) => {
  const spec = { name: 'kiosks', type: 'icmp', target_node: 'dns-01' };
  const reporter = new ItemReporter(spec, 'icmp');
  const wait = { warnMs: Infinity, warnLoss: 0, waitMs: 200 };
  const [unresolved, silent, answering] = reporter.report(
    [
      { ...judgePing('kiosk-ob-12.invalid', pingFailure('ping: kiosk-ob-12.invalid: Name or service not known\n'), wait), key: { host: 'kiosk-ob-12.invalid' } },
      { ...judgePing('10.3.12.22', { kind: 'stats', stats: { transmitted: 3, received: 0, lossPercent: 100 } }, wait), key: { host: '10.3.12.22' } },
      { ...judgePing('10.3.12.23', { kind: 'stats', stats: { transmitted: 3, received: 3, lossPercent: 0, min: 1, avg: 1, max: 1 } }, wait), key: { host: '10.3.12.23' } },
    ],
    10,
  );
  t.match(unresolved, { status: 'critical', error_class: 'dns', target: 'icmp://kiosk-ob-12.invalid', target_node: 'dns-01' });
  t.match(silent, { status: 'critical', error_class: 'timeout' }, 'no reply at all: the host did not answer in time');
  t.equal(answering?.status, 'ok');
  t.notOk(answering && 'error_class' in answering);
});
