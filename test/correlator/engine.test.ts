import t from 'tap';
import { Engine, type Decision, type EngineInput } from '../../correlator/engine/engine.js';
import type { Message } from '../../protocol/schema.js';
import { birth, cpu, fs, metrics, will } from '../helpers/messages.js';
import { CPU_RULE, OFFLINE_RULE, rulesFrom } from '../helpers/rules.js';

const RULES = rulesFrom(`rules:${CPU_RULE}${OFFLINE_RULE}
  - id: disk-full
    kind: threshold
    title: "{mount} on {node} is {value}% full"
    priority: P2
    metric: fs.used_percent
    op: ">"
    value: 90
    for: 1
`);

const T0 = 1_763_773_200_000;
const msg = (at: number, message: Message): EngineInput => ({ type: 'message', message, at });
const summary = (ds: Decision[]) =>
  ds.map((d) => {
    if (d.type === 'alert.firing' || d.type === 'alert.resolved') return `${d.type} ${d.alert.rule}@${d.alert.node} (${d.reason})`;
    if (d.type === 'agent.online' || d.type === 'agent.offline') return `${d.type} ${d.agent.id}`;
    if (d.type !== 'incident.opened' && d.type !== 'incident.updated' && d.type !== 'incident.resolved') return d.type;
    return `${d.type} INC-${d.incident.id} ${d.incident.priority}`;
  });

function run(engine: Engine, inputs: EngineInput[]): string[] {
  return inputs.flatMap((i) => summary(engine.handle(i)));
}

t.test('threshold fires on the Nth consecutive sample and clears below the clear level', async (t) => {
  const e = new Engine(RULES);
  const values = [95, 95, 85, 95, 95, 95, 88, 85, 79];
  const out = values.map((v, i) => summary(e.handle(msg(T0 + i * 15_000, metrics('his-app-01', i + 1, T0 + i * 15_000, [cpu(v)])))));
  t.same(out, [
    [],
    [],
    [], // 85 breaks the run of samples above 90
    [],
    [],
    ['alert.firing cpu-high@his-app-01 (threshold-crossed)', 'incident.opened INC-1 P3'],
    [], // 88 is below 90 but above the clear level 80: still firing (hysteresis)
    [],
    ['alert.resolved cpu-high@his-app-01 (threshold-cleared)', 'incident.resolved INC-1 P3'],
  ]);
});

t.test('a value hovering at the threshold does not chatter', async (t) => {
  const e = new Engine(RULES);
  const values = [91, 92, 93, 89, 91, 89, 92, 88, 91, 90.5, 89.9];
  const out = run(e, values.map((v, i) => msg(T0 + i * 1000, metrics('db-01', i + 1, T0 + i * 1000, [cpu(v)]))));
  t.same(out, ['alert.firing cpu-high@db-01 (threshold-crossed)', 'incident.opened INC-1 P3'], 'fires once and stays firing');
});

t.test('alerts on one node fold into one incident; two nodes are two incidents', async (t) => {
  const e = new Engine(RULES);
  const out = run(e, [
    msg(T0, metrics('pacs-01', 1, T0, [fs('/data', 95)])),
    msg(T0 + 1, metrics('pacs-01', 2, T0 + 1, [fs('/var', 96)])),
    msg(T0 + 2, metrics('lis-01', 1, T0 + 2, [fs('/', 99)])),
  ]);
  t.same(out, [
    'alert.firing disk-full@pacs-01 (threshold-crossed)',
    'incident.opened INC-1 P2',
    'alert.firing disk-full@pacs-01 (threshold-crossed)',
    'incident.updated INC-1 P2',
    'alert.firing disk-full@lis-01 (threshold-crossed)',
    'incident.opened INC-2 P2',
  ]);
  t.same(e.openIncidents().map((i) => [i.id, i.root, i.alerts.length]), [[1, 'pacs-01', 2], [2, 'lis-01', 1]]);
  t.equal(e.openIncidents()[0]?.title, '/data on pacs-01 is 95% full');
});

t.test('the Last Will marks the agent offline at once; a new birth clears it', async (t) => {
  const e = new Engine(RULES);
  const out = run(e, [
    msg(T0, birth('his-app-01', 4, T0)),
    msg(T0 + 5_000, will('his-app-01', 3, T0 - 60_000)), // a will from an older session: ignored
    msg(T0 + 6_000, will('his-app-01', 4, T0)),
    msg(T0 + 60_000, birth('his-app-01', 5, T0 + 60_000)),
  ]);
  t.same(out, [
    'agent.online his-app-01',
    'agent.offline his-app-01',
    'alert.firing server-offline@his-app-01 (last-will)',
    'incident.opened INC-1 P2',
    'agent.online his-app-01',
    'alert.resolved server-offline@his-app-01 (agent-back)',
    'incident.resolved INC-1 P2',
  ]);
});

t.test('an agent silent for three of its intervals is offline; data brings it back', async (t) => {
  const e = new Engine(RULES);
  const out = run(e, [
    msg(T0, birth('lis-app-01', 1, T0, { intervalS: 10 })),
    msg(T0 + 10_000, metrics('lis-app-01', 1, T0 + 10_000, [cpu(5)], 'main', 10)),
    { type: 'tick', at: T0 + 40_000 }, // 30 s of silence: exactly three intervals, not more
    { type: 'tick', at: T0 + 40_001 },
    { type: 'tick', at: T0 + 50_000 },
    msg(T0 + 55_000, metrics('lis-app-01', 2, T0 + 55_000, [cpu(5)], 'main', 10)),
  ]);
  t.same(out, ['agent.online lis-app-01', 'alert.firing server-offline@lis-app-01 (agent-silent)', 'incident.opened INC-1 P2', 'alert.resolved server-offline@lis-app-01 (agent-back)', 'incident.resolved INC-1 P2']);
});

t.test('offline rules apply by role: a terminal is not a server', async (t) => {
  const e = new Engine(RULES);
  const out = run(e, [msg(T0, birth('kiosk-001', 1, T0, { role: 'terminal' })), msg(T0 + 1, will('kiosk-001', 1, T0))]);
  t.same(out, ['agent.online kiosk-001', 'agent.offline kiosk-001'], 'no server-offline rule matches a terminal: no alert, no incident');
});

t.test('redelivered data messages are dropped by sequence number', async (t) => {
  const e = new Engine(RULES);
  const m = (seq: number) => msg(T0 + seq, metrics('db-01', seq, T0 + seq, [cpu(95)]));
  const out = run(e, [m(1), m(2), m(2), m(1), m(3)]);
  t.same(out, ['alert.firing cpu-high@db-01 (threshold-crossed)', 'incident.opened INC-1 P3'], 'fires on seq 3, the third distinct sample');
  t.equal(e.duplicates, 2);
});

t.test('an agent that lost its data directory starts counting again', async (t) => {
  const e = new Engine(RULES);
  run(e, [msg(T0, birth('db-01', 9, T0, { seq: 500 })), msg(T0 + 1, metrics('db-01', 501, T0 + 1, [cpu(1)]))]);
  run(e, [msg(T0 + 2, birth('db-01', 1, T0 + 2, { seq: 0 }))]);
  t.notOk(e.fleet.isDuplicate('db-01', 1), 'sequence 1 is new after the reset');
  const f = new Engine(RULES);
  run(f, [msg(T0, birth('db-01', 9, T0, { seq: 500 })), msg(T0 + 1, metrics('db-01', 501, T0 + 1, [cpu(1)]))]);
  run(f, [msg(T0 + 2, birth('db-01', 8, T0 - 60_000, { seq: 400 }))]);
  t.same([f.fleet.get('db-01')?.session, f.fleet.isDuplicate('db-01', 501)], [9, true], 'an old birth arriving late is not a reset');
});

t.test('rules reload: a removed rule resolves its alerts, others keep their state', async (t) => {
  const e = new Engine(RULES);
  run(e, [1, 2, 3].map((s) => msg(T0 + s, metrics('db-01', s, T0 + s, [cpu(95), fs('/', 99)]))));
  t.equal(e.firingAlerts().length, 2);
  const withoutCpu = rulesFrom(`rules:
  - id: disk-full
    kind: threshold
    title: "{mount} on {node} is {value}% full"
    priority: P2
    metric: fs.used_percent
    op: ">"
    value: 90
`);
  const out = summary(e.handle({ type: 'rules', rules: withoutCpu, at: T0 + 10 }));
  t.same(out, ['alert.resolved cpu-high@db-01 (rule-removed)', 'incident.updated INC-1 P2']);
  t.same(e.firingAlerts().map((a) => a.rule), ['disk-full']);
});

t.test('a snapshot restores open incidents and firing alerts, which then clear normally', async (t) => {
  const a = new Engine(RULES);
  run(a, [1, 2, 3].map((s) => msg(T0 + s, metrics('db-01', s, T0 + s, [cpu(95)]))));
  const b = new Engine(RULES, {}, a.snapshot());
  t.same(b.openIncidents().map((i) => i.id), [1]);
  t.ok(b.fleet.isDuplicate('db-01', 3), 'sequence marks survive');
  const out = run(b, [msg(T0 + 10, metrics('db-01', 4, T0 + 10, [cpu(10)])), msg(T0 + 11, metrics('db-02', 1, T0 + 11, [fs('/', 99)]))]);
  t.same(out, ['alert.resolved cpu-high@db-01 (threshold-cleared)', 'incident.resolved INC-1 P3', 'alert.firing disk-full@db-02 (threshold-crossed)', 'incident.opened INC-2 P2'], 'incident numbering continues');
});

t.test('same input, same decisions', async (t) => {
  const inputs: EngineInput[] = [];
  for (let i = 0; i < 200; i++) inputs.push(msg(T0 + i * 100, metrics(`ws-${i % 7}`, Math.floor(i / 7) + 1, T0 + i * 100, [cpu((i * 37) % 100), fs('/', (i * 53) % 100)])));
  const a = new Engine(RULES);
  const b = new Engine(RULES);
  const first = inputs.map((i) => a.handle(i));
  t.ok(first.flat().length > 10, 'the input produces decisions');
  t.same(first, inputs.map((i) => b.handle(i)));
});

t.test('a silence holds matching alerts; what still fails when it ends opens an incident then', async (t) => {
  const e = new Engine(RULES);
  const silence = { id: 's1', matchers: {}, nodes: ['pacs-01'], startsAt: T0, endsAt: T0 + 60_000, createdBy: 'zhang.wei', comment: 'PACS upgrade' };
  t.same(summary(e.handle({ type: 'silence', silence, at: T0 })), ['silence.set']);
  const during = run(e, [msg(T0 + 1000, metrics('pacs-01', 1, T0 + 1000, [fs('/data', 99)])), msg(T0 + 1000, metrics('lis-01', 1, T0 + 1000, [fs('/', 99)]))]);
  t.same(during, ['alert.firing disk-full@pacs-01 (threshold-crossed)', 'alert.suppressed', 'alert.firing disk-full@lis-01 (threshold-crossed)', 'incident.opened INC-1 P2'], 'the PACS alert is recorded, not opened; LIS is not in maintenance');
  t.same(summary(e.handle({ type: 'tick', at: T0 + 30_000 })), [], 'still inside the window');
  t.same(summary(e.handle({ type: 'tick', at: T0 + 60_000 })), ['silence.expired', 'incident.opened INC-2 P2'], 'still failing at the end: opens now');
});

t.test('an alert that clears inside the window leaves nothing behind', async (t) => {
  const e = new Engine(RULES);
  e.handle({ type: 'silence', silence: { id: 's1', matchers: { mount: '/data' }, nodes: [], startsAt: T0, endsAt: T0 + 60_000, createdBy: 'a', comment: 'b' }, at: T0 });
  run(e, [msg(T0 + 1, metrics('pacs-01', 1, T0 + 1, [fs('/data', 99)])), msg(T0 + 2, metrics('pacs-01', 2, T0 + 2, [fs('/data', 50)]))]);
  t.same(summary(e.handle({ type: 'unsilence', id: 's1', by: 'a', at: T0 + 3 })), ['silence.expired']);
  t.equal(e.openIncidents().length, 0);
});

t.test('alerts from other monitoring join the same correlation and resolve from their source', async (t) => {
  const e = new Engine(RULES);
  const ext = (status: 'firing' | 'resolved') => ({ type: 'external' as const, at: T0, alert: { source: 'zabbix' as const, key: '4711', status, node: 'pacs-01', site: 'main', title: 'Zabbix: PACS archive unreachable', priority: 'P2' as const, labels: { severity: 'high' }, startsAt: T0 - 5000 } });
  t.same(summary(e.handle(ext('firing'))), ['alert.firing zabbix@pacs-01 (source-firing)', 'incident.opened INC-1 P2']);
  t.same(summary(e.handle(ext('firing'))), [], 'the source repeating a firing alert changes nothing');
  run(e, [msg(T0 + 1, metrics('pacs-01', 1, T0 + 1, [fs('/data', 99)]))]);
  t.equal(e.openIncidents()[0]?.alerts.length, 2, 'a Wardwatch alert on the same node joins it');
  t.same(summary(e.handle(ext('resolved'))), ['alert.resolved zabbix@pacs-01 (source-resolved)', 'incident.updated INC-1 P2']);
});

t.test('a retired agent is forgotten: its offline alert resolves and silence raises nothing', async (t) => {
  const e = new Engine(RULES);
  run(e, [msg(T0, birth('ws-retire', 1, T0)), msg(T0 + 1, will('ws-retire', 1, T0))]);
  t.equal(e.openIncidents().length, 1, 'offline while it was still in service');
  const out = run(e, [msg(T0 + 2, { ...will('ws-retire', 1, T0 + 2), reason: 'retired' })]);
  t.same(out, ['agent.retired', 'alert.resolved server-offline@ws-retire (agent-retired)', 'incident.resolved INC-1 P2']);
  t.equal(e.fleet.get('ws-retire'), undefined);
  t.same(run(e, [{ type: 'tick', at: T0 + 3_600_000 }]), [], 'an hour of silence raises nothing');
  t.ok(e.fleet.isDuplicate('ws-retire', 0), 'its sequence mark is kept');
});
