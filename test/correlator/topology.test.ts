import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatError } from '../../common/yaml-file.js';
import { expandRange, loadTopology } from '../../correlator/topology/load.js';
import { assess, localTime } from '../../correlator/correlate/impact.js';
import { topologyFrom } from '../helpers/rules.js';
import { tmpDir } from '../helpers/tmp.js';

t.test('ranges expand with their zero padding; paired ranges pair index by index', async (t) => {
  t.same(expandRange('ws-(08..11)'), ['ws-08', 'ws-09', 'ws-10', 'ws-11']);
  t.same(expandRange('acc-(1..3)-b'), ['acc-1-b', 'acc-2-b', 'acc-3-b']);
  t.same(expandRange('plain'), ['plain']);
  const topo = topologyFrom(`
nodes:
  - { id: acc-(1..2), kind: switch }
  - { id: ws-(1..2), kind: terminal, depends_on: [acc-(1..2)] }
`);
  t.same(topo.parents('ws-2'), ['acc-2']);
});

t.test('mistakes in a topology file are reported with file:line', async (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'hospital.topology.yaml');
  writeFileSync(
    path,
    `nodes:
  - { id: core, kind: switch, depends_on: [edge] }
  - { id: edge, kind: switch, depends_on: [core] }
  - { id: ws-(1..3), kind: terminal, depends_on: [acc-(1..2)] }
  - { id: core, kind: router }
  - { id: app, kind: app, depends_on: [db-01] }
  - { id: x, kind: toaster }
peaks:
  - { name: am, from: "07:30", to: "11:30", services: [registration] }
timezone: Mars/Olympus
`,
  );
  const r = loadTopology(path, dir);
  t.same(r.ok ? [] : r.errors.map(formatError), ['hospital.topology.yaml:7:20: nodes[5].kind: expected one of server, app, database, storage, switch, router, firewall, wifi, egress, external, terminal, service, group, other, got "toaster"']);
  writeFileSync(path, readFixed());
  const r2 = loadTopology(path, dir);
  t.same(r2.ok ? [] : r2.errors.map(formatError).map((e) => e.replace(/^hospital\.topology\.yaml:/, '')), [
    '2:43: nodes[0].depends_on: dependency cycle: core → edge → core',
    '4:51: nodes[2].depends_on[0]: range of 2 nodes cannot pair with 3 nodes of "ws-(1..3)"',
    '4:51: nodes[2].depends_on[0]: unknown node "acc-1"',
    '4:51: nodes[2].depends_on[0]: unknown node "acc-2"',
    '5:11: nodes[3].id: duplicate node "core"; first declared in nodes[0]',
    '6:40: nodes[4].depends_on[0]: unknown node "db-01"',
    '8:56: peaks[0].services[0]: "registration" is not a node of kind service',
    '9:11: timezone: unknown time zone "Mars/Olympus"; expected an IANA name like "Asia/Shanghai"',
  ]);
  function readFixed(): string {
    return `nodes:
  - { id: core, kind: switch, depends_on: [edge] }
  - { id: edge, kind: switch, depends_on: [core] }
  - { id: ws-(1..3), kind: terminal, depends_on: [acc-(1..2)] }
  - { id: core, kind: router }
  - { id: app, kind: app, depends_on: [db-01] }
peaks:
  - { name: am, from: "07:30", to: "11:30", services: [registration] }
timezone: Mars/Olympus
`;
  }
});

t.test('agents become nodes: declared by id, adopted by a match block, or standalone', async (t) => {
  const topo = topologyFrom(`
nodes:
  - { id: acc-ward-3, kind: switch, building: inpatient }
  - match: { role: terminal, building: inpatient, floor: "3" }
    kind: terminal
    depends_on: [acc-ward-3]
  - { id: his-app-01, kind: app }
`);
  const ns = topo.ensure('ns-0301', { site: 'main', labels: { role: 'terminal', building: 'inpatient', floor: '3' } });
  t.same([ns.kind, ns.dependsOn, ns.origin, ns.labels.building], ['terminal', ['acc-ward-3'], 'match', 'inpatient']);
  t.ok(topo.ancestors('ns-0301').has('acc-ward-3'));
  t.equal(topo.ensure('his-app-01').origin, 'file', 'declared nodes keep their file definition');
  const lone = topo.ensure('kiosk-77', { labels: { role: 'terminal', building: 'outpatient' } });
  t.same([lone.kind, lone.dependsOn, lone.origin], ['terminal', [], 'agent']);
  t.ok(topo.descendants('acc-ward-3').has('ns-0301'), 'descendants see nodes added later');
});

t.test('priority from impact: share of a service\'s terminals, criticality, peak hours, rule bounds', async (t) => {
  const topo = topologyFrom(`
timezone: Asia/Shanghai
nodes:
  - { id: acc-(1..4), kind: switch }
  - { id: ws-(01..10), kind: terminal, building: outpatient, depends_on: [acc-1] }
  - { id: ws-(11..20), kind: terminal, building: outpatient, depends_on: [acc-2] }
  - { id: ws-(21..40), kind: terminal, building: outpatient, depends_on: [acc-3] }
  - { id: ws-(41..50), kind: terminal, building: inpatient, depends_on: [acc-4] }
  - { id: registration, kind: service, name: 门诊挂号, criticality: core, terminals: { building: outpatient } }
  - { id: canteen, kind: service, criticality: normal, terminals: { building: inpatient } }
peaks:
  - { name: outpatient-morning, days: [mon, tue, wed, thu, fri, sat], from: "07:30", to: "11:30", services: [registration] }
`);
  const night = Date.UTC(2026, 10, 23, 14, 0); // Monday 22:00 in Shanghai
  const morning = Date.UTC(2026, 10, 23, 1, 0); // Monday 09:00 in Shanghai
  t.same(localTime(morning, 'Asia/Shanghai'), { day: 1, minute: 9 * 60 });
  const floor = [{ priority: 'P4' as const, rule: 'switch-down' }];
  const cases: Array<[string, number, string, string]> = [
    ['acc-1', night, 'P3', 'P3: 门诊挂号 (core service) lost 10 of 40 terminals (25%)'.replace('P3', 'P2')],
    ['acc-3', night, 'P1', 'P1: 门诊挂号 (core service) lost 20 of 40 terminals (50%)'],
    ['acc-1', morning, 'P1', 'P1: 门诊挂号 (core service) lost 10 of 40 terminals (25%), raised one step during outpatient-morning'],
    ['acc-4', morning, 'P3', 'P3: canteen (normal service) lost 10 of 10 terminals (100%)'],
  ];
  for (const [root, at, , reason] of cases) {
    const r = assess(topo, root, new Set([root]), floor, at);
    t.equal(r.reason, reason, `${root} at ${new Date(at).toISOString()}`);
  }
  const bounded = assess(topo, 'acc-3', new Set(['acc-3']), [{ priority: 'P3', rule: 'access-switch', maxPriority: 'P2' }], night);
  t.equal(bounded.priority, 'P2');
  t.match(bounded.reason, /bounded to P2 by rule/);
  const none = assess(topo, 'unknown-host', new Set(['unknown-host']), [{ priority: 'P3', rule: 'cpu' }], night);
  t.equal(none.reason, 'P3: rule cpu sets P3; no business service affected');
  t.same(assess(topo, 'acc-3', new Set(['acc-3']), floor, night).impact, { services: ['registration'], terminals: { affected: 20, total: 40 }, buildings: ['outpatient'], floors: [] });
});
