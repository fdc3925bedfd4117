import t from 'tap';
import { join } from 'node:path';
import { Engine, type EngineInput } from '../../correlator/engine/engine.js';
import { SqliteStore } from '../../correlator/store/sqlite.js';
import { planTickets } from '../../correlator/ticket/ticket.js';
import { renderReport } from '../../correlator/ticket/report.js';
import { cpu, metrics, birth, will } from '../helpers/messages.js';
import { CPU_RULE, OFFLINE_RULE, rulesFrom } from '../helpers/rules.js';
import { tmpDir } from '../helpers/tmp.js';

const RULES = rulesFrom(`rules:${CPU_RULE}${OFFLINE_RULE}`);
const T0 = 1_763_773_200_000;
const m = (seq: number, value: number): EngineInput => ({ type: 'message', at: T0 + seq * 1000, message: metrics('his-app-01', seq, T0 + seq * 1000, [cpu(value)]) });

t.test('a ticket per incident, never twice, with a timeline', async (t) => {
  const store = new SqliteStore(join(tmpDir(t), 'w.db'));
  t.teardown(() => store.close());
  const engine = new Engine(RULES);
  const opened = [];
  for (const input of [m(1, 95), m(2, 95), m(3, 97)]) {
    const decisions = engine.handle(input);
    const r = await store.commit({ decisions, tickets: planTickets(decisions), sequences: [] });
    opened.push(...r.opened);
  }
  t.same(opened, [{ ticketId: 1, incidentId: 1 }]);
  // The same decisions committed again (a redelivery after a crash) open nothing new.
  const again = engine.snapshot().incidents.open[0];
  if (!again) throw new Error('no open incident');
  const replay = await store.commit({ decisions: [{ type: 'incident.opened', incident: again, reason: 'again' }], tickets: planTickets([{ type: 'incident.opened', incident: again, reason: 'again' }]), sequences: [] });
  t.same(replay.opened, [], 'a second open for the same incident is ignored');
  const resolved = engine.handle(m(4, 10));
  await store.commit({ decisions: resolved, tickets: planTickets(resolved), sequences: [{ agent: 'his-app-01', seq: 4 }] });
  const got = await store.getTicket(1);
  t.equal(got?.ticket.state, 'resolved');
  t.same(got?.timeline.map((e) => [e.actor, e.action]), [['wardwatch', 'opened'], ['wardwatch', 'resolved']]);
  const list = await store.listIncidents();
  t.same(list.map((l) => [l.incident.id, l.incident.state, l.ticket?.state]), [[1, 'resolved', 'resolved']]);
  t.match(renderReport(got!.ticket.report), /Evidence:\n  - \[resolved\] CPU above 90% on his-app-01 \(97%\): cpu\.usage_percent = 10 \(threshold 90\) \(rule cpu-high\)/);
});

t.test('load() gives the engine what it needs after a restart', async (t) => {
  const path = join(tmpDir(t), 'w.db');
  const store = new SqliteStore(path);
  const engine = new Engine(RULES);
  for (const input of [
    { type: 'message', at: T0, message: birth('his-app-01', 2, T0) } as EngineInput,
    m(1, 95),
    m(2, 95),
    m(3, 95),
    { type: 'message', at: T0 + 5000, message: will('his-app-01', 2, T0) } as EngineInput,
  ]) {
    const decisions = engine.handle(input);
    const seq = input.type === 'message' && input.message.kind === 'metrics' ? [{ agent: 'his-app-01', seq: input.message.seq }] : [];
    await store.commit({ decisions, tickets: planTickets(decisions), sequences: seq });
  }
  await store.close();
  const reopened = new SqliteStore(path);
  t.teardown(() => reopened.close());
  const state = await reopened.load();
  t.same(state.incidents.open.map((i) => [i.id, i.alerts.map((a) => a.rule)]), [[1, ['cpu-high', 'server-offline']]]);
  t.same(state.alerts.map((a) => a.rule).sort(), ['cpu-high', 'server-offline']);
  t.equal(state.sequences.get('his-app-01'), 3);
  t.same(state.agents.map((a) => [a.id, a.online, a.session]), [['his-app-01', false, 2]]);
  const restarted = new Engine(RULES, {}, state);
  t.same(restarted.handle(m(3, 99)), [], 'a redelivered message changes nothing');
  const back = restarted.handle({ type: 'message', at: T0 + 9000, message: birth('his-app-01', 3, T0 + 9000) });
  t.ok(back.some((d) => d.type === 'alert.resolved' && d.alert.rule === 'server-offline'), 'the restored offline alert clears when the agent returns');
});
