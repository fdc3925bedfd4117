// The Store contract, one table of cases run against both backends: SQLite (a file of its own)
// and the PostgreSQL server on this machine (a database of its own, dropped afterwards).

import t, { type Test } from 'tap';
import { join } from 'node:path';
import type { Decision } from '../../correlator/engine/engine.js';
import { PostgresStore } from '../../correlator/store/postgres.js';
import { SqliteStore } from '../../correlator/store/sqlite.js';
import type { Store, TicketQuery } from '../../correlator/store/store.js';
import { planTickets } from '../../correlator/ticket/ticket.js';
import { alert, incident, joined, opened, raised, resolved, tookOver, T0 } from '../helpers/incidents.js';
import { tempDatabase } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';

type Open = () => Promise<Store>;
interface Backend {
  name: string;
  /** A fresh store, and a function that opens the same data again (a restart). */
  make(t: Test): Promise<{ store: Store; reopen: Open }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    async make(t) {
      const path = join(tmpDir(t), 'w.db');
      return { store: new SqliteStore(path), reopen: async () => new SqliteStore(path) };
    },
  },
  {
    name: 'postgres',
    async make(t) {
      const url = await tempDatabase(t);
      return { store: await PostgresStore.open(url), reopen: () => PostgresStore.open(url) };
    },
  },
];

const commit = (store: Store, decisions: Decision[], sequences: Array<{ agent: string; seq: number }> = []) => store.commit({ decisions, tickets: planTickets(decisions), sequences });
const MIN = 60_000;

interface Case {
  name: string;
  run(t: Test, store: Store, reopen: Open): Promise<void>;
}

const cases: Case[] = [
  {
    name: 'one ticket per incident, never twice, with a timeline',
    async run(t, store) {
      const i = incident(1, 'his-db-01', T0);
      const first = await commit(store, [opened(i)]);
      t.same(first.opened, [{ ticketId: 1, incidentId: 1 }]);
      const again = await commit(store, [opened(i)]);
      t.same(again.opened, [], 'a redelivered open changes nothing');
      await commit(store, [resolved(i, T0 + 5 * MIN)]);
      const got = await store.getTicket(1);
      t.equal(got?.ticket.state, 'resolved');
      t.equal(got?.ticket.resolvedAt, T0 + 5 * MIN);
      t.same(got?.timeline.map((e) => [e.actor, e.action]), [['wardwatch', 'opened'], ['wardwatch', 'resolved']]);
      t.same((await store.listIncidents()).map((s) => [s.incident.id, s.incident.state, s.ticket?.state]), [[1, 'resolved', 'resolved']]);
      t.equal((await store.getIncident(1))?.ticket?.id, 1);
    },
  },
  {
    name: 'a commit is atomic: a failing ticket operation keeps the decisions out too',
    async run(t, store) {
      const i = incident(1, 'his-db-01', T0);
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const bad = { op: 'note' as const, incidentId: 1, action: 'updated', detail: 'x', report: circular as never, at: T0 };
      await commit(store, [opened(i)]);
      const i2 = incident(2, 'lis-db-01', T0);
      await t.rejects(store.commit({ decisions: [opened(i2)], tickets: [...planTickets([opened(i2)]), bad], sequences: [{ agent: 'lis-db-01', seq: 9 }] }));
      t.same((await store.listIncidents()).map((s) => s.incident.id), [1], 'incident 2 was not stored');
      t.equal((await store.load()).sequences.get('lis-db-01'), undefined, 'nor its sequence mark');
      t.equal(await store.ticketForIncident(2), undefined);
    },
  },
  {
    name: 'load() restores open incidents, firing alerts, silences and sequence marks after a restart',
    async run(t, store, reopen) {
      const i = incident(3, 'pacs-01', T0);
      const a = { id: 'cpu|pacs-01|', rule: 'cpu', kind: 'threshold' as const, node: 'pacs-01', site: 'main', labels: {}, priority: 'P3' as const, title: 'cpu', state: 'firing' as const, since: T0, firedAt: T0, triggerTs: T0, reason: 'threshold-crossed' as const };
      const silence = { id: 's1', matchers: { service: 'pacs' }, nodes: [], startsAt: T0, endsAt: T0 + 60 * MIN, createdBy: 'li.na', comment: 'upgrade' };
      await commit(store, [{ type: 'alert.firing', alert: a, reason: 'threshold-crossed' }, opened(i), { type: 'silence.set', silence }], [{ agent: 'pacs-01', seq: 7 }]);
      await commit(store, [], [{ agent: 'pacs-01', seq: 5 }]);
      await store.close();
      const again = await reopen();
      t.teardown(() => again.close());
      const state = await again.load();
      t.same(state.incidents.open.map((x) => x.id), [3]);
      t.equal(state.incidents.nextId, 4);
      t.same(state.alerts.map((x) => x.id), ['cpu|pacs-01|']);
      t.same(state.incidents.silences?.map((s) => s.id), ['s1']);
      t.equal(state.sequences.get('pacs-01'), 7, 'a lower mark never lowers the high-water mark');
      t.equal((await again.ticketForIncident(3))?.state, 'open', 'the ticket survived the restart');
    },
  },
  {
    name: 'the same fault coming back within the window reopens the old ticket',
    async run(t, store) {
      store.configureTickets({ reopenWithinMs: 30 * MIN });
      const first = incident(1, 'core-sw-1', T0, { rules: ['switch-down'] });
      await commit(store, [opened(first)]);
      await commit(store, [resolved(first, T0 + 10 * MIN)]);
      const back = incident(2, 'core-sw-1', T0 + 20 * MIN, { rules: ['switch-down'] });
      const r = await commit(store, [opened(back)]);
      t.same(r.opened, [], 'no new ticket');
      t.same(r.reopened, [{ ticketId: 1, incidentId: 2 }]);
      const ticket = await store.ticketForIncident(2);
      t.equal(ticket?.id, 1);
      t.equal(ticket?.state, 'open');
      t.equal(ticket?.reopened, 1);
      t.equal(ticket?.clockFrom, T0 + 20 * MIN, 'clocks restart at the reopening');
      t.equal((await store.ticketForIncident(1))?.id, 1, 'the old incident still finds its ticket');
      // The old incident resolving again (a late redelivery) does not resolve the reopened ticket.
      await commit(store, [resolved(first, T0 + 21 * MIN)]);
      t.equal((await store.getTicket(1))?.ticket.state, 'open');
      t.match((await store.getTicket(1))?.timeline.map((e) => e.action), ['opened', 'resolved', 'reopened']);
      // Other rules on the same root, or the same fault after the window: new tickets.
      await commit(store, [resolved(back, T0 + 30 * MIN)]);
      const other = incident(3, 'core-sw-1', T0 + 31 * MIN, { rules: ['switch-cpu'] });
      t.same((await commit(store, [opened(other)])).opened, [{ ticketId: 2, incidentId: 3 }]);
      const late = incident(4, 'core-sw-1', T0 + 90 * MIN, { rules: ['switch-down'] });
      t.same((await commit(store, [opened(late)])).opened, [{ ticketId: 3, incidentId: 4 }]);
    },
  },
  {
    name: 'first responder owns the ticket until an explicit hand-over',
    async run(t, store) {
      await commit(store, [opened(incident(1, 'his-app-01', T0))]);
      const ack = await store.act(1, { kind: 'acknowledge', actor: 'zhang.wei' }, T0 + MIN);
      t.ok(ack.ok && ack.ticket.owner === 'zhang.wei' && ack.ticket.state === 'acknowledged');
      const second = await store.act(1, { kind: 'acknowledge', actor: 'li.na' }, T0 + 2 * MIN);
      t.ok(second.ok && second.ticket.owner === 'zhang.wei', 'a second acknowledgement keeps the owner');
      const steal = await store.act(1, { kind: 'handover', actor: 'li.na', to: 'li.na' }, T0 + 3 * MIN);
      t.same(steal.ok ? 'ok' : steal.code, 'not-owner');
      const hand = await store.act(1, { kind: 'handover', actor: 'zhang.wei', to: 'wang.fang', note: 'network team' }, T0 + 4 * MIN);
      t.ok(hand.ok && hand.ticket.owner === 'wang.fang');
      const note = await store.act(1, { kind: 'note', actor: 'wang.fang', text: 'port 24 flapping' }, T0 + 5 * MIN);
      t.ok(note.ok);
      const res = await store.act(1, { kind: 'resolve', actor: 'wang.fang', note: 'replaced SFP on core-sw-1 port 24' }, T0 + 6 * MIN);
      t.ok(res.ok && res.ticket.state === 'resolved' && res.ticket.resolution === 'replaced SFP on core-sw-1 port 24');
      const late = await store.act(1, { kind: 'acknowledge', actor: 'li.na' }, T0 + 7 * MIN);
      t.same(late.ok ? 'ok' : late.code, 'invalid-state');
      const close = await store.act(1, { kind: 'close', actor: 'wardwatch', reason: 'auto' }, T0 + 8 * MIN);
      t.ok(close.ok && close.ticket.state === 'closed' && close.ticket.closedAt === T0 + 8 * MIN);
      t.same((await store.act(99, { kind: 'note', actor: 'x', text: 'y' }, T0)).ok ? 'ok' : 'not-found', 'not-found');
      const timeline = (await store.getTicket(1))?.timeline ?? [];
      t.same(timeline.map((e) => [e.actor, e.action]), [
        ['wardwatch', 'opened'],
        ['zhang.wei', 'acknowledged'],
        ['li.na', 'acknowledged'],
        ['zhang.wei', 'handed-over'],
        ['wang.fang', 'note'],
        ['wang.fang', 'resolved'],
        ['wardwatch', 'closed'],
      ]);
      t.match(timeline[3]?.detail, 'zhang.wei → wang.fang: network team');
      t.same((await store.resolvedTickets(10)).map((x) => x.id), [1], 'resolved with notes: the knowledge base corpus');
    },
  },
  {
    name: 'ticket terms, escalation steps and breaches persist on the ticket',
    async run(t, store, reopen) {
      store.configureTickets({ terms: (priority, at) => ({ policy: `policy-${priority}`, responseDueAt: at + 15 * MIN, resolutionDueAt: at + 240 * MIN }) });
      await commit(store, [opened(incident(1, 'his-db-01', T0, { priority: 'P1' }))]);
      t.same((await store.act(1, { kind: 'escalate', step: 1, detail: 'x' }, T0)).ok ? 'ok' : 'refused', 'refused', 'steps run in order');
      t.ok((await store.act(1, { kind: 'escalate', step: 0, detail: 'step 1: second line' }, T0 + 15 * MIN)).ok);
      t.ok((await store.act(1, { kind: 'breach', which: 'response', detail: 'late' }, T0 + 15 * MIN)).ok);
      t.notOk((await store.act(1, { kind: 'breach', which: 'response', detail: 'late' }, T0 + 16 * MIN)).ok, 'a breach is recorded once');
      await store.close();
      const again = await reopen();
      t.teardown(() => again.close());
      const ticket = await again.ticketForIncident(1);
      t.match(ticket, { policy: 'policy-P1', responseDueAt: T0 + 15 * MIN, resolutionDueAt: T0 + 240 * MIN, stepsDone: 1, breached: ['response'] });
      t.same((await again.listTickets({ state: 'active' })).map((x) => x.id), [1]);
    },
  },
  {
    name: 'a merged incident resolves its ticket towards the one it folded into and carries its owner',
    async run(t, store) {
      const [a, b] = [incident(1, 'ws-301', T0), incident(2, 'ws-302', T0)];
      await commit(store, [opened(a), opened(b)]);
      t.ok((await store.act(2, { kind: 'acknowledge', actor: 'li.na' }, T0 + MIN)).ok);
      const result = await commit(store, tookOver(a, [b], 'sw-3f', T0 + 2 * MIN));
      t.same(result.carried, [{ ticketId: 1, actor: 'li.na', detail: 'owner li.na: carried over from T-2, merged into this ticket' }]);
      t.match(await store.ticketForIncident(1), { state: 'acknowledged', owner: 'li.na', acknowledgedAt: T0 + 2 * MIN });
      t.match(await store.ticketForIncident(2), { state: 'resolved', owner: 'li.na' });
      t.match((await store.getTicket(2))?.timeline.at(-1)?.detail, /followed on T-1$/);
    },
  },
  {
    name: 'tickets list newest first, a page at a time, within a state',
    async run(t, store) {
      for (let n = 1; n <= 5; n++) await commit(store, [opened(incident(n, `kiosk-${n}`, T0 + n))]);
      t.ok((await store.act(4, { kind: 'acknowledge', actor: 'zhang.wei' }, T0 + 10)).ok);
      t.ok((await store.act(2, { kind: 'resolve', actor: 'zhang.wei', note: 'replaced the cable' }, T0 + 10)).ok);
      const ids = async (q: TicketQuery) => (await store.listTickets(q)).map((x) => x.id);
      t.same(await ids({ state: 'all', limit: 2 }), [5, 4]);
      t.same(await ids({ state: 'all', limit: 2, beforeId: 4 }), [3, 2]);
      t.same(await ids({ state: 'active', limit: 2, beforeId: 4 }), [3, 1], 'the resolved T-2 is not active');
      t.same(await ids({ state: 'open', beforeId: 5 }), [3, 1], 'nor is the acknowledged T-4 open');
      t.same(await ids({ state: 'active', beforeId: 1 }), []);
      // The timer's lean listing: the same tickets, the same clocks, no report.
      const full = await store.listTickets({ state: 'all', limit: 10 });
      const clocks = await store.ticketClocks({ state: 'all', limit: 10 });
      const pick = (x: Record<string, unknown>) => ({ id: x.id, state: x.state, priority: x.priority, policy: x.policy, stepsDone: x.stepsDone, responseDueAt: x.responseDueAt, resolutionDueAt: x.resolutionDueAt, breached: x.breached, resolvedAt: x.resolvedAt, clockFrom: x.clockFrom });
      t.same(clocks, full.map((x) => JSON.parse(JSON.stringify(pick(x as never)))));
      t.match(clocks.find((c) => c.id === 2), { state: 'resolved', resolvedAt: T0 + 10 });
      t.same((await store.ticketClocks({ state: 'active', limit: 2, beforeId: 4 })).map((c) => c.id), [3, 1]);
    },
  },
  {
    name: 'a raised priority tightens the deadlines from the ticket clock and switches policy',
    async run(t, store, reopen) {
      const respond: Record<string, number> = { P1: 15 * MIN, P2: 30 * MIN, P3: 120 * MIN };
      store.configureTickets({ terms: (priority, at) => ({ policy: `policy-${priority}`, responseDueAt: at + (respond[priority] ?? 0), resolutionDueAt: at + 480 * MIN }) });
      const i = incident(1, 'his-db-01', T0, { priority: 'P3' });
      await commit(store, [opened(i)]);
      t.ok((await store.act(1, { kind: 'escalate', step: 0, detail: 'step 1' }, T0 + 5 * MIN)).ok);
      await commit(store, [raised(i, 'P2', T0 + 10 * MIN)]);
      await store.close();
      const again = await reopen();
      t.teardown(() => again.close());
      const got = await again.getTicket(1);
      t.match(got?.ticket, { priority: 'P2', policy: 'policy-P2', stepsDone: 0, responseDueAt: T0 + 30 * MIN, resolutionDueAt: T0 + 480 * MIN }, 'P2 terms counted from the opening, not from the raise');
      const entry = got?.timeline.find((e) => e.action === 'priority-raised');
      t.equal(entry?.detail, `P3 → P2; respond by ${new Date(T0 + 30 * MIN).toISOString()}; escalation policy policy-P2`);

      // Acknowledged: the response was met, so only the resolution deadline may tighten.
      t.ok((await again.act(1, { kind: 'acknowledge', actor: 'zhang.wei' }, T0 + 12 * MIN)).ok);
      again.configureTickets({ terms: (priority, at) => ({ policy: `policy-${priority}`, responseDueAt: at + (respond[priority] ?? 0), resolutionDueAt: at + (priority === 'P1' ? 240 : 480) * MIN }) });
      await commit(again, [raised(i, 'P1', T0 + 20 * MIN)]);
      t.match((await again.getTicket(1))?.ticket, { priority: 'P1', responseDueAt: T0 + 30 * MIN, resolutionDueAt: T0 + 240 * MIN, acknowledgedAt: T0 + 12 * MIN });
    },
  },
  {
    name: 'symptoms update the report quietly; root alerts leave a timeline entry',
    async run(t, store) {
      const i = incident(1, 'core-sw-1', T0, { rules: ['switch-down'] });
      await commit(store, [opened(i)]);
      const symptoms = Array.from({ length: 30 }, (_, n) => joined(i, alert('terminal-offline', `ward-pc-${n}`, T0 + n * 1000, { role: 'symptom' }), T0 + n * 1000));
      await commit(store, symptoms);
      await commit(store, [joined(i, alert('switch-cpu', 'core-sw-1', T0 + MIN), T0 + MIN)]);
      const got = await store.getTicket(1);
      t.equal(got?.ticket.report.symptoms, 30);
      t.same(got?.ticket.rules, ['switch-cpu', 'switch-down']);
      t.same(got?.timeline.map((e) => e.action), ['opened', 'updated']);
    },
  },
  {
    name: 'notifications and dead letters are kept',
    async run(t, store) {
      await commit(store, [opened(incident(1, 'his-db-01', T0))]);
      await store.recordNotification({ ticketId: 1, channel: 'noc-wecom', kind: 'opened', recipients: ['张伟'], status: 'sent', attempts: 1, at: T0, detail: 'opened' });
      await store.recordNotification({ ticketId: 1, channel: 'sms', kind: 'opened', recipients: ['张伟'], status: 'dead', attempts: 5, at: T0 + 1, detail: 'http-5xx', payload: '【P2】…' });
      t.same((await store.notifications({ ticketId: 1 })).map((n) => [n.channel, n.status, n.recipients]), [['noc-wecom', 'sent', ['张伟']], ['sms', 'dead', ['张伟']]]);
      t.same((await store.notifications({ status: 'dead' })).map((n) => n.payload), ['【P2】…']);
    },
  },
  {
    name: 'the ITSM queue keeps each ticket in order and remembers external ids',
    async run(t, store) {
      await store.enqueueItsm([
        { sink: 'jira', ticketId: 1, op: 'open', payload: '{"a":1}', nextAt: T0 },
        { sink: 'jira', ticketId: 1, op: 'update', payload: '{"a":2}', nextAt: T0 },
        { sink: 'jira', ticketId: 2, op: 'open', payload: '{"a":3}', nextAt: T0 },
      ]);
      let due = await store.dueItsm(T0, 10);
      t.same(due.map((j) => [j.ticketId, j.op]), [[1, 'open'], [2, 'open']], 'one job per ticket: updates wait for the open');
      await store.finishItsm(due[0]!.id, { ok: false, error: 'HTTP 503', nextAt: T0 + 30_000 });
      due = await store.dueItsm(T0 + 1, 10);
      t.same(due.map((j) => [j.ticketId, j.op]), [[2, 'open']], 'a failed job waits for its retry and holds back its ticket');
      due = await store.dueItsm(T0 + 30_000, 10);
      t.same(due.map((j) => [j.ticketId, j.op, j.attempts, j.lastError]), [[1, 'open', 1, 'HTTP 503'], [2, 'open', 0, undefined]]);
      await store.finishItsm(due[0]!.id, { ok: true, externalId: 'HOSP-17' });
      t.equal(await store.itsmLink('jira', 1), 'HOSP-17');
      t.same((await store.dueItsm(T0 + 30_000, 10)).map((j) => [j.ticketId, j.op]), [[1, 'update'], [2, 'open']]);
    },
  },
  {
    name: 'API tokens are stored as hashes and can be revoked',
    async run(t, store) {
      const rec = await store.createToken({ name: 'noc', role: 'viewer', hash: 'a'.repeat(64), at: T0 });
      t.match(rec, { name: 'noc', role: 'viewer', createdAt: T0 });
      t.match(await store.tokenByHash('a'.repeat(64)), { name: 'noc', role: 'viewer' });
      t.equal(await store.tokenByHash('b'.repeat(64)), undefined);
      t.ok(await store.revokeToken('noc', T0 + 1));
      t.equal((await store.tokenByHash('a'.repeat(64)))?.revokedAt, T0 + 1);
      t.notOk(await store.revokeToken('noc', T0 + 2), 'revoking twice changes nothing');
      t.same((await store.listTokens()).map((x) => x.name), ['noc']);
    },
  },
];

for (const backend of backends) {
  t.test(backend.name, async (t) => {
    for (const c of cases) {
      await t.test(c.name, async (t) => {
        const { store, reopen } = await backend.make(t);
        let closed = false;
        const close = store.close.bind(store);
        store.close = async () => {
          if (!closed) await close();
          closed = true;
        };
        t.teardown(() => store.close());
        await c.run(t, store, reopen);
      });
    }
  });
}
