// `replay --explain` as plain data: incidents in, the lines a person reads out. A suspected
// root with its holds and release, a confirmed one, symptoms with their dependency path and
// reachability, and a merged incident that is one line, never an ordinary one.

import t from 'tap';
import type { Decision } from '../../correlator/engine/engine.js';
import type { Evidence, Incident, IncidentAlert } from '../../correlator/correlate/incident.js';
import { explainIncident, explainReplay, HeldBySilence } from '../../correlator/replay/explain.js';
import { topologyFrom } from '../helpers/rules.js';

const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);

const topology = topologyFrom(`
nodes:
  - { id: core-sw-1, kind: switch }
  - { id: acc-3, kind: switch, depends_on: [core-sw-1] }
  - { id: ws-(01..06), kind: terminal, depends_on: [acc-3] }
  - { id: dns-01, kind: server, depends_on: [core-sw-1] }
  - { id: lab-pc-1, kind: terminal }
`);

function alert(node: string, rule: string, role: IncidentAlert['role'], extra: Partial<IncidentAlert> = {}): IncidentAlert {
  return { id: `${rule}|${node}|`, rule, node, title: `${rule} on ${node}`, state: 'firing', priority: 'P4', role, labels: {}, since: T0, firedAt: T0 + 1_000, ...extra };
}

function incident(id: number, root: string, alerts: IncidentAlert[], evidence: Evidence[] = [], extra: Partial<Incident> & { suspected?: boolean } = {}): Incident {
  return { id, state: 'open', root, site: 'main', title: `${root} failing`, priority: 'P2', priorityReason: 'P2: 门诊挂号 (core service) lost 4 of 6 terminals', alerts, evidence, openedAt: T0 + 4_000, updatedAt: T0 + 4_000, runbooks: [], ...extra };
}

// The reasons the correlator gives its holds and inferences (beside the older ones).
const ev = (at: number, reason: string, detail: string, alertId = 'x'): Evidence => ({ at: T0 + at, alert: alertId, event: 'fired', reason: reason as Evidence['reason'], detail });

t.test('a suspected root: no alert of its own, symptoms grouped by their way up, holds and release in order', async (t) => {
  const terminals = ['ws-01', 'ws-02', 'ws-03', 'ws-04'].map((n) => alert(n, 'terminal-offline', 'symptom', { reachability: 'unreachable' }));
  const lines = explainIncident(
    incident(7, 'acc-3', [...terminals, alert('ws-05', 'app-errors', 'symptom')], [
      ev(1_000, 'held', 'terminal-offline on ws-01: held while acc-3 may be the cause'),
      ev(4_000, 'inferred-root', '4 of 6 behind acc-3 lost within 3 s'),
      ev(9_000, 'released', 'app-errors on ws-05 stands on its own'),
    ], { suspected: true }),
    topology,
  );
  t.same(lines, [
    'INC-7  P2  root acc-3 (suspected)  opened 2026-11-23T01:00:04Z  open',
    '  title: acc-3 failing',
    '  why P2: P2: 门诊挂号 (core service) lost 4 of 6 terminals',
    '  root alerts: none — acc-3 is inferred from what failed behind it',
    '  symptoms: 5 node(s)',
    '    ws-01 … ws-04 (4 nodes)  unreachable  → acc-3  [terminal-offline]',
    '    ws-05  failing  → acc-3  [app-errors]',
    '  held, released, merged:',
    '    2026-11-23T01:00:01Z  held: terminal-offline on ws-01: held while acc-3 may be the cause',
    '    2026-11-23T01:00:04Z  inferred-root: 4 of 6 behind acc-3 lost within 3 s',
    '    2026-11-23T01:00:09Z  released: app-errors on ws-05 stands on its own',
  ]);
});

t.test('a confirmed root; a symptom outside the topology path shows why it joined', async (t) => {
  const lines = explainIncident(
    incident(3, 'core-sw-1', [alert('core-sw-1', 'device-unreachable', 'root'), alert('ws-06', 'terminal-offline', 'symptom', { reachability: 'unreachable' }), alert('lab-pc-1', 'dns-check', 'symptom')], [
      { at: T0 + 2_000, alert: 'dns-check|lab-pc-1|', event: 'joined', reason: 'upstream-failing', detail: 'dns-check on lab-pc-1: its check target dns-01 is failing' },
    ]),
    topology,
  );
  t.equal(lines[0], 'INC-3  P2  root core-sw-1 (confirmed)  opened 2026-11-23T01:00:04Z  open', 'no `suspected` is confirmed');
  t.equal(lines[3], '  root alerts: device-unreachable (firing, since 2026-11-23T01:00:00Z)');
  t.ok(lines.includes('    ws-06  unreachable  → acc-3 → core-sw-1  [terminal-offline]'), 'the whole path up to the root');
  t.ok(lines.includes('    lab-pc-1  failing  (upstream-failing: dns-check on lab-pc-1: its check target dns-01 is failing)  [dns-check]'), 'no path: the evidence says why');
  t.notOk(lines.some((l) => l.includes('held, released')), 'nothing held, nothing to say about it');
});

t.test('merged incidents are one line each; a long run of merges is folded', async (t) => {
  const merges = Array.from({ length: 6 }, (_, k) => ev(5_000, 'merged', `INC-${k + 2} has the same root core-sw-1`));
  const main = incident(1, 'core-sw-1', [alert('core-sw-1', 'device-unreachable', 'root')], merges);
  const merged = Array.from({ length: 6 }, (_, k) => incident(k + 2, `ws-0${k + 1}`, [alert(`ws-0${k + 1}`, 'terminal-offline', 'root')], [], { mergedInto: 1 }));
  const lines = explainReplay([main, ...merged], topology);
  t.same(lines.filter((l) => /^INC-\d+  /.test(l)).map((l) => l.split('  ')[0]), ['INC-1'], 'only the surviving incident has a header');
  t.same(lines.filter((l) => /^INC-\d+ merged into/.test(l)), ['INC-2 merged into INC-1', 'INC-3 merged into INC-1', 'INC-4 merged into INC-1', 'INC-5 merged into INC-1', 'INC-6 merged into INC-1', 'INC-7 merged into INC-1']);
  t.same(lines.filter((l) => l.includes('merged: ') || l.includes('more merged')).map((l) => l.trim().replace(/^\S+\s+/, '')), ['merged: INC-2 has the same root core-sw-1', 'merged: INC-3 has the same root core-sw-1', '3 more merged', 'merged: INC-7 has the same root core-sw-1']);
  t.equal(lines[lines.length - 1], '1 incident(s): 1 confirmed, 0 suspected; 6 merged into others');
});

t.test('what silences held, by silence', async (t) => {
  const held = new HeldBySilence();
  const silence = { id: 'pacs-upgrade', matchers: {}, nodes: ['pacs-01'], startsAt: T0, endsAt: T0 + 3_600_000, createdBy: 'wang.fang', comment: 'PACS 升级' };
  const suppressed = (node: string, reason: 'silenced' | 'upstream-in-maintenance'): Decision => ({ type: 'alert.suppressed', alert: { id: `x|${node}|`, rule: 'x', kind: 'threshold', node, site: 'main', labels: {}, priority: 'P3', title: 'x', state: 'firing', since: T0, firedAt: T0, triggerTs: T0, reason: 'threshold-crossed' }, reason, silence: 'pacs-upgrade' });
  for (const d of [{ type: 'silence.set', silence } as Decision, suppressed('pacs-01', 'silenced'), suppressed('pacs-viewer', 'upstream-in-maintenance'), suppressed('pacs-01', 'silenced')]) held.add(d);
  t.same(held.lines(), ['held by silences:', '  pacs-upgrade "PACS 升级": held 3 alert(s) (silenced 2, upstream-in-maintenance 1) on pacs-01, pacs-viewer']);
  t.same(new HeldBySilence().lines(), [], 'no silence, no section');
});
