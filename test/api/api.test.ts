// The HTTP API through real sockets, on a running correlator: tickets (list, show, acknowledge,
// hand over, note, resolve), silences, alerts from Alertmanager and Zabbix, and every way a
// request can be wrong, each answered with a stable code from the catalogue.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ERRORS } from '../../correlator/api/errors.js';
import { hashToken, newToken } from '../../correlator/api/auth.js';
import { ROOT } from '../helpers/cli.js';
import { eventually } from '../helpers/tmp.js';
import { alertmanagerPayload, startApiHarness, TOKENS } from '../helpers/api.js';

t.test('tickets through the API', async (t) => {
  const api = await startApiHarness(t);
  const fire = alertmanagerPayload('firing', [{ fingerprint: 'a1b2c3', labels: { alertname: 'MySQLDown', instance: 'his-db-01:9104', severity: 'critical', service: 'his' }, annotations: { summary: 'HIS 数据库不可达', runbook: 'runbooks/database-failover.md' } }]);
  const ingest = await api.call('POST', '/api/v1/ingest/alertmanager', { body: fire });
  t.same([ingest.status, ingest.json], [200, { accepted: 1 }]);
  const list = await eventually(async () => {
    const r = await api.call('GET', '/api/v1/tickets?state=open', { token: TOKENS.noc });
    return r.json?.tickets?.length === 1 ? r.json.tickets : undefined;
  }, 10_000, 'a ticket');
  t.match(list[0], { ref: 'T-1', state: 'open', priority: 'P2', owner: null, root: 'his-db-01' });

  const detail = await api.call('GET', '/api/v1/tickets/T-1', { token: TOKENS.noc });
  t.equal(detail.status, 200);
  t.match(detail.json.reportText, /故障点：his-db-01/, 'the report in the configured language (Chinese by default)');
  t.match(detail.json.runbooks, [{ ref: 'runbooks/database-failover.md', summary: /fail over to the standby/, content: /# 数据库故障：切换到备库/ }]);
  t.match(detail.json.timeline, [{ actor: 'wardwatch', action: 'opened' }]);
  const inc = await api.call('GET', '/api/v1/incidents/INC-1', { token: TOKENS.noc });
  t.match(inc.json, { ref: 'INC-1', ticket: { ref: 'T-1' }, alerts: [{ rule: 'alertmanager', node: 'his-db-01' }] });

  t.match(await api.call('POST', '/api/v1/tickets/T-1/ack', { token: TOKENS.noc, body: {} }), { status: 403, json: { error: { code: 'forbidden' } } });
  t.match(await api.call('POST', '/api/v1/tickets/T-1/ack', { body: { note: '我来处理' } }), { status: 200, json: { ticket: { owner: 'zhang.wei', state: 'acknowledged' }, entry: { actor: 'zhang.wei', action: 'acknowledged' } } });
  t.match(await api.call('POST', '/api/v1/tickets/T-1/ack', { token: TOKENS.li }), { status: 200, json: { ticket: { owner: 'zhang.wei' } } }, 'a second acknowledgement keeps the first responder');
  t.match(await api.call('POST', '/api/v1/tickets/T-1/handover', { token: TOKENS.li, body: { to: 'li.na' } }), { status: 403, json: { error: { code: 'not-owner' } } });
  t.match(await api.call('POST', '/api/v1/tickets/T-1/handover', { body: { to: 'li.na', note: '转交数据库组' } }), { status: 200, json: { ticket: { owner: 'li.na' } } });
  t.match(await api.call('POST', '/api/v1/tickets/T-1/notes', { token: TOKENS.li, body: { text: '归档日志满' } }), { status: 200 });
  const resolved = await api.call('POST', '/api/v1/tickets/T-1/resolve', { token: TOKENS.li, body: { note: '清理归档日志，切回主库' } });
  t.match(resolved, { status: 200, json: { ticket: { state: 'resolved', resolution: '清理归档日志，切回主库' } } });
  // The answer came after the commit: the store already has it.
  t.equal((await api.correlator.store.getTicket(1))?.ticket.state, 'resolved');
  t.match(await api.call('POST', '/api/v1/tickets/T-1/ack', { token: TOKENS.li }), { status: 409, json: { error: { code: 'invalid-state' } } });
  const timeline = (await api.call('GET', '/api/v1/tickets/1', { token: TOKENS.noc })).json.timeline.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`);
  t.same(timeline, ['wardwatch opened', 'zhang.wei acknowledged', 'li.na acknowledged', 'zhang.wei handed-over', 'li.na note', 'li.na resolved']);

  // The source says resolved: the incident resolves; the ticket stays resolved with its notes.
  await api.call('POST', '/api/v1/ingest/alertmanager', { body: alertmanagerPayload('resolved', [{ fingerprint: 'a1b2c3', labels: { alertname: 'MySQLDown', instance: 'his-db-01:9104' } }]) });
  await eventually(async () => (await api.call('GET', '/api/v1/incidents/1', { token: TOKENS.noc })).json?.state === 'resolved', 10_000, 'incident resolved');

  // The knowledge base: the same fault on the other database server finds this one and what fixed it.
  const other = alertmanagerPayload('firing', [{ fingerprint: 'd4e5f6', labels: { alertname: 'MySQLDown', instance: 'his-db-02:9104', severity: 'critical', service: 'his' }, annotations: { summary: 'HIS 数据库不可达' } }]);
  await api.call('POST', '/api/v1/ingest/alertmanager', { body: other });
  const t2 = await eventually(async () => {
    const r = await api.call('GET', '/api/v1/tickets/T-2', { token: TOKENS.noc });
    return r.status === 200 ? r.json : undefined;
  }, 10_000, 'a second ticket');
  t.match(t2.similar, [{ ticket: 'T-1', resolution: '清理归档日志，切回主库' }]);
  t.match(t2.reportText, /相似历史：T-1 .*清理归档日志，切回主库/);

  // The same fault back on his-db-01 within the hour reopens T-1 instead of opening a third ticket.
  await api.call('POST', '/api/v1/ingest/alertmanager', { body: alertmanagerPayload('firing', [{ fingerprint: 'g7h8', labels: { alertname: 'MySQLDown', instance: 'his-db-01:9104', severity: 'critical' } }]) });
  const reopened = await eventually(async () => {
    const r = await api.call('GET', '/api/v1/tickets/T-1', { token: TOKENS.noc });
    return r.json?.state === 'open' ? r.json : undefined;
  }, 10_000, 'T-1 reopened');
  t.match(reopened, { reopened: 1, owner: 'li.na', incident: 'INC-3' });
  t.equal((await api.call('GET', '/api/v1/tickets?state=all', { token: TOKENS.noc })).json.tickets.length, 2, 'no third ticket');
  const page1 = (await api.call('GET', '/api/v1/tickets?limit=1', { token: TOKENS.noc })).json.tickets;
  const page2 = (await api.call('GET', `/api/v1/tickets?limit=1&before=${page1[0].ref}`, { token: TOKENS.noc })).json.tickets;
  t.same([...page1, ...page2].map((x: { ref: string }) => x.ref), ['T-2', 'T-1'], 'newest first, a page at a time');
});

t.test('bad requests get clear 4xx answers from the catalogue', async (t) => {
  const api = await startApiHarness(t);
  const cases: Array<[string, Parameters<typeof api.call>, number, string, RegExp?]> = [
    ['no token', ['GET', '/api/v1/tickets', { token: null }], 401, 'token-missing'],
    ['unknown token', ['GET', '/api/v1/tickets', { token: 'not-a-real-token-xxxxxxxxxxxxxx' }], 401, 'token-invalid'],
    ['viewer acting', ['POST', '/api/v1/silences', { token: TOKENS.noc, body: { comment: 'x', duration: '1h', nodes: ['a'] } }], 403, 'forbidden'],
    ['malformed JSON', ['POST', '/api/v1/tickets/T-1/notes', { raw: '{"text": "unclosed' }], 400, 'bad-json'],
    ['unknown field', ['POST', '/api/v1/tickets/T-1/notes', { body: { text: 'x', urgent: true } }], 400, 'bad-request', /unknown field "urgent"/],
    ['missing field', ['POST', '/api/v1/tickets/T-1/handover', { body: {} }], 400, 'bad-request', /missing required field "to"/],
    ['wrong type', ['POST', '/api/v1/tickets/T-1/notes', { body: { text: 42 } }], 400, 'bad-request', /text: expected string/],
    ['oversized body', ['POST', '/api/v1/tickets/T-1/notes', { body: { text: 'x'.repeat(5000) } }], 413, 'body-too-large'],
    ['not JSON', ['POST', '/api/v1/tickets/T-1/notes', { raw: 'text=hi', contentType: 'application/x-www-form-urlencoded' }], 415, 'unsupported-media-type'],
    ['unknown ticket', ['POST', '/api/v1/tickets/T-99/notes', { body: { text: 'x' } }], 404, 'not-found'],
    ['unknown endpoint', ['GET', '/api/v1/nothing', {}], 404, 'not-found'],
    ['bad query', ['GET', '/api/v1/tickets?state=done', {}], 400, 'bad-request', /state: expected one of/],
    ['bad page', ['GET', '/api/v1/tickets?before=yesterday', {}], 400, 'bad-request', /before: expected a ticket such as T-120/],
    ['silence without an end', ['POST', '/api/v1/silences', { body: { comment: 'x', nodes: ['a'] } }], 400, 'bad-request', /ends_at or duration/],
    ['silence holding everything', ['POST', '/api/v1/silences', { body: { comment: 'x', duration: '1h' } }], 400, 'bad-request', /needs matchers or nodes/],
    ['not an Alertmanager payload', ['POST', '/api/v1/ingest/alertmanager', { body: { version: '3', alerts: [] } }], 400, 'bad-request', /Alertmanager/],
  ];
  for (const [name, args, status, code, message] of cases) {
    const r = await api.call(...args);
    t.equal(r.status, status, `${name}: status`);
    t.equal(r.json?.error?.code, code, `${name}: code`);
    if (message) t.match(r.json?.error?.message, message, `${name}: message`);
    t.notMatch(r.text, /at .*\.(ts|js):\d+/, `${name}: no stack trace`);
    t.notMatch(r.text, /token-0123456789/, `${name}: no token in the answer`);
  }
  const bad = await fetch(`${api.url}/api/v1/tickets`, { headers: { authorization: 'Basic dXNlcjpwdw==' } });
  t.equal(bad.status, 401, 'Basic auth is not a bearer token');
});

t.test('silences through the API go through the pipeline', async (t) => {
  const api = await startApiHarness(t);
  const created = await api.call('POST', '/api/v1/silences', { body: { matchers: { service: 'pacs' }, duration: '2h', comment: 'PACS 升级' } });
  t.equal(created.status, 201);
  t.match(created.json, { id: /^sil-/, matchers: { service: 'pacs' }, active: true, createdBy: 'zhang.wei' });
  t.match((await api.call('GET', '/api/v1/silences', { token: TOKENS.noc })).json.silences, [{ id: created.json.id, comment: 'PACS 升级' }]);
  // A PACS alert arriving now is held: no incident.
  await api.call('POST', '/api/v1/ingest/alertmanager', { body: alertmanagerPayload('firing', [{ fingerprint: 'p1', labels: { alertname: 'DiskFull', instance: 'pacs-01', service: 'pacs', severity: 'warning' } }]) });
  await new Promise((r) => setTimeout(r, 600));
  t.same((await api.call('GET', '/api/v1/incidents', { token: TOKENS.noc })).json.incidents, [], 'held by the silence');
  t.match(await api.call('DELETE', `/api/v1/silences/${created.json.id}`), { status: 200, json: { expired: true } });
  await eventually(async () => (await api.call('GET', '/api/v1/incidents', { token: TOKENS.noc })).json.incidents.length === 1, 10_000, 'the held alert opens an incident when the silence ends');
  t.match(await api.call('DELETE', '/api/v1/silences/sil-nope'), { status: 404, json: { error: { code: 'not-found' } } });
});

t.test('Zabbix problems and recoveries; tokens issued into the store', async (t) => {
  const api = await startApiHarness(t);
  const token = newToken();
  await api.correlator.store.createToken({ name: 'zabbix', role: 'operator', hash: hashToken(token), at: Date.now() });
  // Zabbix writes times in its server's zone (here Asia/Shanghai, UTC+8).
  const started = new Date(Date.now() + 8 * 3_600_000).toISOString().replace(/-/g, '.').replace('T', ' ').slice(0, 19);
  const problem = { event_id: '4711', event_value: '1', event_update_status: '0', severity: 5, name: '医保接口不可达', host: 'insurance-gw', ip: '10.12.9.3', tags: [{ tag: 'service', value: 'insurance' }], started };
  const r = await api.call('POST', '/api/v1/ingest/zabbix', { token, body: problem });
  t.match(r, { status: 200, json: { accepted: 1 } });
  const incident = await eventually(async () => (await api.call('GET', '/api/v1/incidents', { token: TOKENS.noc })).json.incidents[0], 10_000, 'an incident');
  t.match(incident, { priority: 'P1', root: 'insurance-gw', title: '医保接口不可达', alerts: [{ rule: 'zabbix' }] });
  t.match(await api.call('POST', '/api/v1/ingest/zabbix', { token, body: { ...problem, event_update_status: '1' } }), { json: { accepted: 0 } }, 'an acknowledgement in Zabbix changes nothing here');
  await api.call('POST', '/api/v1/ingest/zabbix', { token, body: { ...problem, event_value: '0' } });
  await eventually(async () => (await api.call('GET', '/api/v1/incidents/1', { token: TOKENS.noc })).json.state === 'resolved', 10_000, 'resolved by the recovery');
  await api.correlator.store.revokeToken('zabbix', Date.now());
  t.match(await api.call('POST', '/api/v1/ingest/zabbix', { token, body: problem }), { status: 401, json: { error: { code: 'token-invalid' } } }, 'a revoked token stops working');
});

t.test('every error code is documented in correlator/api/README.md, and nothing else is', async (t) => {
  const readme = readFileSync(join(ROOT, 'correlator', 'api', 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Errors'));
  const documented = [...table.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
  t.same(documented, Object.entries(API_ERRORS).map(([code, e]) => [code, e.status]));
});
