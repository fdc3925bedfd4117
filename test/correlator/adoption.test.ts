// Agents become topology nodes the way they really announce themselves: the role and site come
// from the birth inventory beside the labels, and metrics may arrive before the birth.

import t from 'tap';
import { Engine } from '../../correlator/engine/engine.js';
import { birth, cpu, metrics } from '../helpers/messages.js';
import { rulesFrom, topologyFrom, CPU_RULE } from '../helpers/rules.js';

const HOSPITAL = `
site: main
nodes:
  - { id: core-sw-1, kind: switch }
  - { id: acc-opd-(1..3), kind: switch, building: outpatient, depends_on: [core-sw-1] }
  - match: { role: terminal, building: outpatient, floor: ["1", "2"] }
    kind: terminal
    depends_on: [acc-opd-1]
  - match: { role: terminal, building: outpatient }
    kind: terminal
    depends_on: [acc-opd-3]
  - match: { role: probe, site: east }
    depends_on: [acc-opd-2]
  - { id: registration, kind: service, criticality: core, terminals: { building: outpatient } }
`;

t.test('match blocks see the role and site an agent reports, not only its labels', async (t) => {
  const topo = topologyFrom(HOSPITAL);
  const ws = topo.ensure('ws-0301', { site: 'main', role: 'terminal', labels: { building: 'outpatient', floor: '3', department: 'cardiology' } });
  t.same([ws.kind, ws.dependsOn, ws.origin], ['terminal', ['acc-opd-3'], 'match']);
  t.equal(ws.labels.role, 'terminal', 'the role is a label of the node, for selectors');
  t.equal(ws.labels.department, 'cardiology', 'agent labels stay on the node');
  const probe = topo.ensure('probe-east', { site: 'east', role: 'probe', labels: {} });
  t.same([probe.dependsOn, probe.origin, probe.site], [['acc-opd-2'], 'match', 'east']);
  const mainProbe = topo.ensure('probe-main', { site: 'main', role: 'probe', labels: {} });
  t.same([mainProbe.dependsOn, mainProbe.origin], [[], 'agent'], 'a site the block does not name is not matched');
});

t.test('a standalone node is adopted when the birth brings its labels, and the indexes follow', async (t) => {
  const topo = topologyFrom(HOSPITAL);
  const registration = topo.node('registration');
  t.same(topo.serviceTerminals(registration!).map((n) => n.id), [], 'no terminals yet');
  t.same([...topo.descendants('acc-opd-1')], []);
  const lone = topo.ensure('ws-0102', { site: 'main' });
  t.same([lone.dependsOn, lone.origin], [[], 'agent']);
  t.same([...topo.ancestors('ws-0102')], [], 'standalone so far (and cached so)');

  const adopted = topo.ensure('ws-0102', { site: 'main', role: 'terminal', labels: { building: 'outpatient', floor: '1' } });
  t.same([adopted.kind, adopted.dependsOn, adopted.origin], ['terminal', ['acc-opd-1'], 'match']);
  t.equal(topo.node('ws-0102'), adopted);
  t.same([...topo.ancestors('ws-0102')].sort(), ['acc-opd-1', 'core-sw-1'], 'ancestors are not the cached standalone answer');
  t.ok(topo.descendants('core-sw-1').has('ws-0102'));
  t.same(topo.serviceTerminals(registration!).map((n) => n.id), ['ws-0102'], 'services see the terminal it became');
  t.same(topo.servicesOf('ws-0102'), ['registration']);

  // It moves a floor up: placed anew, and no longer a child of the old switch.
  topo.ensure('ws-0102', { site: 'main', role: 'terminal', labels: { building: 'outpatient', floor: '3' } });
  t.same(topo.parents('ws-0102'), ['acc-opd-3']);
  t.notOk(topo.descendants('acc-opd-1').has('ws-0102'), 'the old parent lost it');
  t.ok(topo.descendants('acc-opd-3').has('ws-0102'));

  // Facts without labels (an external alert, metrics) never undo a placement.
  t.same(topo.ensure('ws-0102', { site: 'main' }).dependsOn, ['acc-opd-3']);
  t.equal(topo.ensure('core-sw-1', { site: 'main', role: 'terminal', labels: { building: 'outpatient' } }).origin, 'file', 'declared nodes keep their file definition');
});

t.test('the engine adopts an agent whose metrics arrive before its birth', async (t) => {
  const e = new Engine(rulesFrom(`rules:${CPU_RULE}`), { topology: topologyFrom(HOSPITAL) });
  const t0 = Date.UTC(2026, 11, 7, 8, 0);
  e.handle({ type: 'message', message: metrics('ws-0301', 4, t0, [cpu(20)]), at: t0 });
  t.equal(e.topology.node('ws-0301')?.origin, 'agent', 'nothing known yet but the site');
  e.handle({ type: 'message', message: birth('ws-0301', 2, t0 + 1000, { seq: 5, role: 'terminal', labels: { building: 'outpatient', floor: '3' } }), at: t0 + 1000 });
  const node = e.topology.node('ws-0301');
  t.same([node?.kind, node?.dependsOn, node?.origin], ['terminal', ['acc-opd-3'], 'match']);
  t.ok(e.topology.ancestors('ws-0301').has('core-sw-1'));
});
