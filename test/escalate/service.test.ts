// Escalation through the ticket service with a store and a clock the test moves: an
// unacknowledged ticket escalates on time, every step is on the timeline, a restart (a new
// service on the same store) continues from the stored state, an acknowledgement stops it,
// resolved tickets close by themselves. Deadlines count on the priority's calendar.

import t from 'tap';
import { join } from 'node:path';
import { silentLogger } from '../../common/log.js';
import { resolveEscalationSections } from '../../correlator/escalate/config.js';
import { openingTerms } from '../../correlator/escalate/policy.js';
import type { NotifyRequest } from '../../correlator/notify/notifier.js';
import { SqliteStore } from '../../correlator/store/sqlite.js';
import { TicketService, type TicketEvent } from '../../correlator/desk/service.js';
import { planTickets } from '../../correlator/ticket/ticket.js';
import { incident, opened, raised, resolved, tookOver, T0 } from '../helpers/incidents.js';
import { tmpDir } from '../helpers/tmp.js';

const MIN = 60_000;
const settings = resolveEscalationSections(
  { priorities: { P1: { respond: '15m', resolve: '4h' }, P3: { respond: '2h', calendar: '8x5' } } },
  {
    people: { 'zhang.wei': { name: '张伟' }, 'li.na': { name: '李娜' }, 'chen.gang': { name: '陈刚' }, 'his-vendor': { name: 'HIS 厂商值班' } },
    groups: { 'second-line': ['chen.gang'], vendor: ['his-vendor'] },
    oncall: { 'first-line': { start: '2026-11-16T08:00', every: '1d', people: ['zhang.wei', 'li.na'] } },
    policies: {
      standard: {
        notify: ['oncall:first-line'],
        steps: [
          { after: '10m', notify: ['second-line'] },
          { after: '30m', notify: ['vendor'], channels: ['sms'] },
        ],
      },
    },
    default: 'standard',
  },
);

function harness(t: { teardown(fn: () => void | Promise<void>): void }, path: string, clock: { now: number }, pageSize?: number) {
  const store = new SqliteStore(path);
  store.configureTickets({ terms: (priority, at) => openingTerms(settings.sla, priority, at), reopenWithinMs: 0 });
  const sent: NotifyRequest[] = [];
  const events: TicketEvent[] = [];
  const service = new TicketService({ store, log: silentLogger, sla: settings.sla, directory: settings.directory, autoCloseAfterMs: 60 * MIN, notify: (r) => void sent.push(r), clock: () => clock.now, ...(pageSize ? { pageSize } : {}) });
  service.onTicketEvent((e) => events.push(e));
  service.onTicketEvent(() => {
    throw new Error('a broken listener');
  });
  t.teardown(() => store.close());
  return { store, service, sent, events };
}

t.test('unacknowledged P1 escalates on time, across a restart', async (t) => {
  const path = join(tmpDir(t), 'esc.db');
  const clock = { now: T0 };
  const a = harness(t, path, clock);
  const i = incident(1, 'his-db-01', T0, { priority: 'P1' });
  const decisions = [opened(i)];
  const result = await a.store.commit({ decisions, tickets: planTickets(decisions), sequences: [] });
  await a.service.deliver(decisions, result);
  t.match(a.sent, [{ kind: 'opened', priority: 'P1', recipients: [{ name: '张伟' }] }], 'first line (on call Friday 09:12: 张伟) told at opening');
  t.match(a.events, [{ type: 'opened', responseDueAt: T0 + 15 * MIN }]);

  clock.now = T0 + 9 * MIN;
  await a.service.tick();
  t.equal(a.sent.length, 1, 'nothing before the first step is due');
  clock.now = T0 + 10 * MIN;
  await a.service.tick();
  t.match(a.sent[1], { kind: 'escalated', step: 1, recipients: [{ name: '陈刚' }] }, 'second line at 10 min');
  await a.service.tick();
  t.equal(a.sent.length, 2, 'a step runs once');

  // The correlator restarts: a new service on the same store knows where the ticket is.
  await a.store.close();
  const b = harness(t, path, clock);
  clock.now = T0 + 16 * MIN;
  await b.service.tick();
  t.match(b.events, [{ type: 'breached', detail: /response time/ }], 'response deadline breach recorded');
  clock.now = T0 + 31 * MIN;
  await b.service.tick();
  t.match(b.sent, [{ kind: 'escalated', step: 2, channels: ['sms'], recipients: [{ name: 'HIS 厂商值班' }] }], 'vendor at 30 min, by SMS');
  const timeline = (await b.store.getTicket(1))?.timeline.map((e) => `${e.action}: ${e.detail}`);
  t.match(timeline, [/^opened/, /^escalated: step 1: not acknowledged; 陈刚 \(second-line\)/, /^sla-breached/, /^escalated: step 2: not acknowledged; HIS 厂商值班 \(vendor\)/]);
});

t.test('acknowledging stops escalation; resolved tickets close after the configured time', async (t) => {
  const clock = { now: T0 };
  const h = harness(t, join(tmpDir(t), 'esc.db'), clock);
  const i = incident(1, 'his-db-01', T0, { priority: 'P1' });
  await h.store.commit({ decisions: [opened(i)], tickets: planTickets([opened(i)]), sequences: [] });
  clock.now = T0 + 5 * MIN;
  const ack = await h.service.act(1, { kind: 'acknowledge', actor: 'zhang.wei' });
  t.ok(ack.ok);
  clock.now = T0 + 40 * MIN;
  await h.service.tick();
  t.equal(h.sent.filter((s) => s.kind === 'escalated').length, 0, 'no escalation after an acknowledgement');
  t.notOk(h.events.some((e) => e.type === 'breached' && /response/.test(e.detail)), 'acknowledged in time: no response breach');
  const res = [resolved(i, T0 + 50 * MIN)];
  const r = await h.store.commit({ decisions: res, tickets: planTickets(res), sequences: [] });
  await h.service.deliver(res, r);
  t.match(h.sent.at(-1), { kind: 'resolved', recipients: [{ name: '张伟' }] }, 'the owner hears it resolved');
  clock.now = T0 + 109 * MIN;
  await h.service.tick();
  t.equal((await h.store.getTicket(1))?.ticket.state, 'resolved');
  clock.now = T0 + 111 * MIN;
  await h.service.tick();
  t.equal((await h.store.getTicket(1))?.ticket.state, 'closed', 'closed an hour after resolution');
  t.match(h.events.map((e) => e.type), ['acknowledged', 'resolved', 'closed']);
});

t.test('the timer reaches every ticket, however many there are', async (t) => {
  const clock = { now: T0 };
  const h = harness(t, join(tmpDir(t), 'esc.db'), clock, 2);
  const decisions = [1, 2, 3, 4, 5].map((n) => opened(incident(n, `his-app-0${n}`, T0, { priority: 'P1' })));
  await h.store.commit({ decisions, tickets: planTickets(decisions), sequences: [] });
  t.ok((await h.service.act(3, { kind: 'acknowledge', actor: 'zhang.wei' })).ok);
  clock.now = T0 + 10 * MIN;
  await h.service.tick();
  const escalated = h.events.filter((e) => e.type === 'escalated').map((e) => e.ticket.id);
  t.same(escalated.sort(), [1, 2, 4, 5], 'all four unacknowledged tickets escalate, three pages of two');
  await h.service.act(1, { kind: 'resolve', actor: 'li.na', note: 'restarted' });
  await h.service.act(2, { kind: 'resolve', actor: 'li.na', note: 'restarted' });
  await h.service.act(4, { kind: 'resolve', actor: 'li.na', note: 'restarted' });
  clock.now = T0 + 80 * MIN;
  await h.service.tick();
  t.same(h.events.filter((e) => e.type === 'closed').map((e) => e.ticket.id).sort(), [1, 2, 4], 'and every resolved one closes');
});

t.test('a late root cause merges tickets: the merged one is not "recovered", its owner follows the fault', async (t) => {
  const clock = { now: T0 };
  const h = harness(t, join(tmpDir(t), 'esc.db'), clock);
  const [a, b, c] = [incident(1, 'ws-301', T0), incident(2, 'ws-302', T0), incident(3, 'ws-303', T0)];
  const open = [opened(a), opened(b), opened(c)];
  await h.store.commit({ decisions: open, tickets: planTickets(open), sequences: [] });
  clock.now = T0 + 2 * MIN;
  t.ok((await h.service.act(2, { kind: 'acknowledge', actor: 'li.na' })).ok);
  t.ok((await h.service.act(3, { kind: 'acknowledge', actor: 'chen.gang' })).ok);
  h.sent.length = 0;

  clock.now = T0 + 3 * MIN;
  const over = tookOver(a, [b, c], 'sw-3f', clock.now);
  const r = await h.store.commit({ decisions: over, tickets: planTickets(over), sequences: [] });
  await h.service.deliver(over, r);

  const t1 = await h.store.getTicket(1);
  t.match(t1?.ticket, { state: 'acknowledged', owner: 'li.na' }, 'the first to answer a merged ticket owns the one it folded into');
  t.match(
    t1?.timeline.filter((e) => e.action === 'acknowledged').map((e) => `${e.actor}: ${e.detail}`),
    ['li.na: owner li.na: carried over from T-2, merged into this ticket', 'chen.gang: also acknowledged; owner stays li.na: carried over from T-3, merged into this ticket'],
  );
  t.match((await h.store.getTicket(2))?.timeline.at(-1), { action: 'resolved', detail: 'merged into INC-1: same root sw-3f; followed on T-1' });
  t.notOk(h.sent.some((s) => s.kind === 'resolved'), 'nobody is told the fault recovered');
  t.match(
    h.events.filter((e) => e.type === 'acknowledged' && e.ticket.id === 1).map((e) => e.actor),
    ['li.na', 'chen.gang'],
    'listeners (time series, external ticket systems) hear of the carried acknowledgements',
  );
  t.same(
    h.sent.map((s) => `${s.kind} T-${s.ticketId} → ${s.recipients.map((p) => p.name).join(', ')}`).sort(),
    ['update T-1 → 李娜', 'update T-1 → 陈刚'],
    'the new owner hears the root cause; the other responder hears where the fault went',
  );
});

t.test('a P3 under 8x5 opened Friday 17:50 is due Monday 09:50', async (t) => {
  const friday1750 = Date.UTC(2026, 10, 20, 9, 50);
  const terms = openingTerms(settings.sla, 'P3', friday1750);
  t.equal(new Date(terms.responseDueAt).toISOString(), '2026-11-23T01:50:00.000Z');
});

t.test('a P3 raised to P1 gets the P1 clock from its opening and tells the first line', async (t) => {
  const clock = { now: T0 };
  const h = harness(t, join(tmpDir(t), 'esc.db'), clock);
  const i = incident(1, 'his-db-01', T0, { priority: 'P3' });
  const open = [opened(i)];
  await h.service.deliver(open, await h.store.commit({ decisions: open, tickets: planTickets(open), sequences: [] }));
  clock.now = T0 + 12 * MIN;
  const up = [raised(i, 'P1', T0 + 12 * MIN)];
  await h.service.deliver(up, await h.store.commit({ decisions: up, tickets: planTickets(up), sequences: [] }));
  t.match(h.sent.at(-1), { kind: 'update', priority: 'P1', recipients: [{ name: '张伟' }] }, 'nobody owns it: the on-call first line hears of the raise');
  t.equal((await h.store.getTicket(1))?.ticket.responseDueAt, T0 + 15 * MIN, 'due 15 min after opening, not 2 h');
  clock.now = T0 + 16 * MIN;
  await h.service.tick();
  t.match(h.events.filter((e) => e.type === 'breached'), [{ detail: /P1 response time/ }], 'and breached on the P1 clock');
  t.match(h.sent.filter((s) => s.kind === 'escalated'), [{ step: 1, recipients: [{ name: '陈刚' }] }], 'the 10 min step, already due, fires');
});
