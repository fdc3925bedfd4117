// External ticket systems against local fakes that enforce each documented request shape (paths,
// methods, auth header form, required fields) and reject anything else: Jira Service
// Management, ServiceNow, Zammad and a generic webhook. A failing system is retried later from
// the queue in the store and does not hold up the others.

import t from 'tap';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { silentLogger } from '../../common/log.js';
import type { ItsmSpec } from '../../correlator/itsm/config.js';
import { ItsmQueue, SINK_TYPES } from '../../correlator/itsm/queue.js';
import { SqliteStore } from '../../correlator/store/sqlite.js';
import type { TicketEvent } from '../../correlator/desk/service.js';
import { planTickets, type Ticket } from '../../correlator/ticket/ticket.js';
import { incident, opened, T0 } from '../helpers/incidents.js';
import { must, startReceiver, type Received } from '../helpers/http-receiver.js';
import { tmpDir } from '../helpers/tmp.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

function jsonBody(req: Received): Record<string, any> {
  must(String(req.headers['content-type']).startsWith('application/json'), 'Content-Type: application/json');
  must(req.json && typeof req.json === 'object', 'a JSON object body');
  return req.json as Record<string, any>;
}

async function harness(t: { teardown(fn: () => void | Promise<void>): void }, specs: Record<string, ItsmSpec>) {
  const store = new SqliteStore(join(tmpDir(t), 'itsm.db'));
  t.teardown(() => store.close());
  const i = incident(1, 'his-db-01', T0, { priority: 'P1', title: 'HIS 数据库不可达' });
  await store.commit({ decisions: [opened(i)], tickets: planTickets([opened(i)]), sequences: [] });
  const ticket = (await store.getTicket(1))?.ticket as Ticket;
  let now = T0;
  const queue = new ItsmQueue({ store, log: silentLogger, sinks: Object.entries(specs).map(([n, s]) => SINK_TYPES[s.type](n, s)), language: 'zh', timeZone: 'Asia/Shanghai', ticketUrl: 'https://ww.hospital.local/tickets/{id}', clock: () => now, backoffMs: 1_000 });
  const event = (type: TicketEvent['type'], detail = '', tk: Ticket = ticket): TicketEvent => ({ type, ticket: tk, at: now, actor: type === 'opened' ? 'wardwatch' : 'zhang.wei', detail });
  return { store, queue, ticket, event, advance: (ms: number) => (now += ms) };
}

t.test('Jira Service Management: request, comment, transition', async (t) => {
  const jira = await startReceiver(t, (req) => {
    must(req.headers.authorization === basic('wardwatch@hospital.local', 'jira-api-token'), 'Basic e-mail:API token');
    must(req.headers.accept === 'application/json', 'Accept: application/json');
    if (req.method === 'POST' && req.path === '/rest/servicedeskapi/request') {
      const b = jsonBody(req);
      must(b.serviceDeskId === '10' && b.requestTypeId === '25', 'serviceDeskId and requestTypeId');
      must(typeof b.requestFieldValues?.summary === 'string' && b.requestFieldValues.summary.length <= 255, 'requestFieldValues.summary');
      must(typeof b.requestFieldValues.description === 'string' && b.requestFieldValues.description.includes('故障点：his-db-01'), 'description is the fault report');
      must(b.requestFieldValues.priority?.name === 'Highest', 'priority by name');
      return { status: 201, body: { issueId: '10042', issueKey: 'HOSP-17' } };
    }
    if (req.method === 'POST' && req.path === '/rest/servicedeskapi/request/HOSP-17/comment') {
      const b = jsonBody(req);
      must(typeof b.body === 'string' && b.public === false, 'internal comment {body, public: false}');
      return { status: 201, body: { id: '1' } };
    }
    if (req.method === 'GET' && req.path === '/rest/servicedeskapi/request/HOSP-17/transition') return { body: { values: [{ id: '11', name: 'Start progress' }, { id: '761', name: 'Resolve' }] } };
    if (req.method === 'POST' && req.path === '/rest/servicedeskapi/request/HOSP-17/transition') {
      const b = jsonBody(req);
      must(b.id === '761' && typeof b.additionalComment?.body === 'string', 'transition id and additionalComment.body');
      return { status: 204 };
    }
    throw new Error(`unexpected ${req.method} ${req.path}`);
  });
  const h = await harness(t, { jira: { type: 'jira', url: jira.url, email: 'wardwatch@hospital.local', token: 'jira-api-token', service_desk_id: '10', request_type_id: '25' } });
  await h.queue.follow(h.event('opened'));
  await h.queue.follow(h.event('acknowledged', 'owner zhang.wei'));
  await h.queue.follow(h.event('resolved', '切换备库'));
  for (let i = 0; i < 3; i++) await h.queue.work();
  t.same(jira.violations, []);
  t.same(jira.requests.map((r) => `${r.method} ${r.path}`), [
    'POST /rest/servicedeskapi/request',
    'POST /rest/servicedeskapi/request/HOSP-17/comment',
    'GET /rest/servicedeskapi/request/HOSP-17/transition',
    'POST /rest/servicedeskapi/request/HOSP-17/transition',
  ]);
  t.equal(await h.store.itsmLink('jira', 1), 'HOSP-17');
});

t.test('ServiceNow: Table API incident with correlation_id, work notes, state 6', async (t) => {
  let created = false;
  const snow = await startReceiver(t, (req) => {
    must(req.headers.authorization === basic('svc-wardwatch', 'snow-pass'), 'Basic user:password');
    must(req.path.startsWith('/api/now/table/incident'), 'the incident table');
    if (req.method === 'GET') {
      must(req.query.get('sysparm_query') === 'correlation_id=wardwatch:T-1^active=true', 'looked up by correlation_id first');
      return { body: { result: created ? [{ sys_id: 'a1b2c3d4', number: 'INC0010001' }] : [] } };
    }
    if (req.method === 'POST') {
      const b = jsonBody(req);
      must(req.query.get('sysparm_fields') === 'sys_id,number', 'sysparm_fields');
      must(typeof b.short_description === 'string' && b.urgency === '1' && b.impact === '1', 'short_description, urgency, impact');
      must(b.correlation_id === 'wardwatch:T-1' && b.correlation_display === 'Wardwatch', 'correlation_id');
      created = true;
      return { status: 201, body: { result: { sys_id: 'a1b2c3d4', number: 'INC0010001' } } };
    }
    must(req.method === 'PATCH' && req.path === '/api/now/table/incident/a1b2c3d4', 'PATCH by sys_id');
    const b = jsonBody(req);
    if (b.state !== undefined) must(b.state === '6' && b.close_code === 'Solution provided' && typeof b.close_notes === 'string', 'state 6 with close_code and close_notes');
    else must(typeof b.work_notes === 'string', 'work_notes');
    return { body: { result: { sys_id: 'a1b2c3d4' } } };
  });
  const h = await harness(t, { snow: { type: 'servicenow', url: `${snow.url}/`, username: 'svc-wardwatch', password: 'snow-pass' } });
  await h.queue.follow(h.event('opened'));
  await h.queue.follow(h.event('escalated', 'step 1'));
  await h.queue.follow(h.event('resolved', 'fixed'));
  for (let i = 0; i < 3; i++) await h.queue.work();
  t.same(snow.violations, []);
  t.same(snow.requests.map((r) => r.method), ['GET', 'POST', 'PATCH', 'PATCH']);
  t.equal(await h.store.itsmLink('snow', 1), 'a1b2c3d4');
});

t.test('Zammad: ticket with an internal note, articles, state closed; token auth', async (t) => {
  const zammad = await startReceiver(t, (req) => {
    must(req.headers.authorization === 'Token token=zammad-token', 'Authorization: Token token=…');
    const b = jsonBody(req);
    if (req.method === 'POST' && req.path === '/api/v1/tickets') {
      must(b.title && b.group === 'IT 运维' && b.customer === 'wardwatch@hospital.local', 'title, group, customer');
      must(b.article?.type === 'note' && b.article.internal === true && typeof b.article.body === 'string', 'an internal note article');
      return { status: 201, body: { id: 123, number: '31001' } };
    }
    if (req.method === 'POST' && req.path === '/api/v1/ticket_articles') {
      must(b.ticket_id === 123 && b.type === 'note' && b.internal === true && typeof b.body === 'string', 'ticket_id, note, internal');
      return { status: 201, body: { id: 9 } };
    }
    must(req.method === 'PUT' && req.path === '/api/v1/tickets/123' && b.state === 'closed', 'PUT state closed');
    return { body: { id: 123 } };
  });
  const h = await harness(t, { zammad: { type: 'zammad', url: zammad.url, token: 'zammad-token', group: 'IT 运维', customer: 'wardwatch@hospital.local' } });
  await h.queue.follow(h.event('opened'));
  await h.queue.follow(h.event('noted', 'vendor on site'));
  await h.queue.follow(h.event('resolved', 'done'));
  for (let i = 0; i < 3; i++) await h.queue.work();
  t.same(zammad.violations, []);
  t.same(zammad.requests.map((r) => `${r.method} ${r.path}`), ['POST /api/v1/tickets', 'POST /api/v1/ticket_articles', 'PUT /api/v1/tickets/123']);
});

t.test('a failing system degrades alone: queued, retried later, the others carry on', async (t) => {
  let down = true;
  const flaky = await startReceiver(t, (req) => {
    if (down) return { status: 503, body: 'maintenance' };
    const id = String(req.headers['webhook-id']);
    const ts = String(req.headers['webhook-timestamp']);
    must(req.headers['webhook-signature'] === `v1,${createHmac('sha256', 'hook-secret').update(`${id}.${ts}.${req.body}`).digest('base64')}`, 'signed');
    const b = jsonBody(req);
    must(['open', 'update', 'resolve'].includes(b.event) && b.ticket?.ref === 'T-1', 'event and ticket');
    return { body: { id: 'OPS-88' } };
  });
  const steady = await startReceiver(t, () => ({ body: {} }));
  const refusing = await startReceiver(t, () => ({ status: 400, body: { error: 'field group is required' } }));
  const h = await harness(t, {
    flaky: { type: 'webhook', url: flaky.url, secret: 'hook-secret' },
    steady: { type: 'webhook', url: steady.url },
    refusing: { type: 'webhook', url: refusing.url },
  });
  await h.queue.follow(h.event('opened'));
  await h.queue.follow(h.event('acknowledged', 'owner zhang.wei'));
  await h.queue.work();
  await h.queue.work();
  t.equal(steady.requests.length, 2, 'the healthy system got open and update');
  t.equal(flaky.requests.length, 1, 'the failing one was tried once and waits');
  t.equal(refusing.requests.length, 1, 'a 400 is not retried');
  down = false;
  await h.queue.work();
  t.equal(flaky.requests.length, 1, 'not before its backoff');
  h.advance(1_000);
  await h.queue.work();
  await h.queue.work();
  t.same(flaky.requests.slice(1).map((r) => (r.json as { event: string }).event), ['open', 'update'], 'retried in order once back');
  t.equal(await h.store.itsmLink('flaky', 1), 'OPS-88');
  t.same(flaky.violations, []);
  // Drill tickets stay out of external systems unless a system asks for them.
  const drill = { ...h.ticket, id: 2, drill: 'db-down-1' };
  await h.queue.follow(h.event('opened', '', drill));
  await h.queue.work();
  t.equal(steady.requests.length, 2);
});
