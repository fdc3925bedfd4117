// npm run scenarios: writes the recorded streams of the scenario suite (test/scenarios/*/
// stream.jsonl) from the fleet simulator. Deterministic: the same streams every time. The
// topology, rules and expectations next to each stream are written by hand.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../common/version.js';
import type { CheckResult } from '../protocol/schema.js';
import { FleetSim, random } from './fleet.js';

const DIR = join(PROJECT_ROOT, 'test', 'scenarios');
/** Monday 23 November 2026, 09:00 in Shanghai: the outpatient morning peak. */
const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);
const S = 1000;
const MIN = 60 * S;

const icmp = (node: string, ok: boolean): CheckResult => ({ check: `ping-${node}`, type: 'icmp', node, status: ok ? 'ok' : 'critical', summary: ok ? 'reachable' : '100% loss', fields: { loss_percent: ok ? 0 : 100 } });
const pad = (n: number, w = 3) => String(n).padStart(w, '0');

function coreSwitch(): FleetSim {
  const sim = new FleetSim();
  const rnd = random(1);
  const terminals: string[] = [];
  for (let sw = 1; sw <= 6; sw++) for (let i = 1; i <= 40; i++) terminals.push(`ws-opd-${pad((sw - 1) * 40 + i)}`);
  const inpatient = Array.from({ length: 40 }, (_, i) => `ws-ipd-${pad(i + 1)}`);
  const probed = ['core-sw-1', 'core-sw-2', ...Array.from({ length: 6 }, (_, i) => `acc-opd-${i + 1}`), 'acc-ipd-1'];
  sim.add('probe-01', 'probe', { building: 'datacenter' }, 30);
  for (const id of terminals) sim.add(id, 'terminal', { building: 'outpatient' }, 60);
  for (const id of inpatient) sim.add(id, 'terminal', { building: 'inpatient' }, 60);
  const start = T0 - 5 * MIN;
  sim.birth('probe-01', start);
  [...terminals, ...inpatient].forEach((id, i) => sim.birth(id, start + i * 50));
  const fail = T0;
  const recover = T0 + 12 * MIN;
  for (let t = start + 20 * S; t < T0 + 20 * MIN; t += 30 * S) {
    const down = t >= fail + 10 * S && t < recover;
    sim.events('probe-01', t, probed.map((n) => icmp(n, !(down && (n === 'core-sw-1' || n.startsWith('acc-opd'))))));
  }
  for (const id of [...terminals, ...inpatient]) {
    const offset = Math.floor(rnd() * 60) * S;
    const dies = terminals.includes(id) ? fail + 45 * S + Math.floor(rnd() * 30 * S) : Infinity;
    const back = recover + 5 * S + Math.floor(rnd() * 60 * S);
    for (let t = start + offset; t < T0 + 20 * MIN; t += MIN) {
      if (t >= fail && t < back && dies !== Infinity) continue;
      sim.metrics(id, t, [{ m: 'cpu', fields: { usage_percent: 20 + Math.floor(rnd() * 30) } }]);
    }
    if (dies !== Infinity) {
      sim.will(id, dies);
      sim.birth(id, back);
    }
  }
  return sim;
}

function database(): FleetSim {
  const sim = new FleetSim();
  sim.add('db-01', 'server', { service: 'his' }).add('his-app-01', 'server', { service: 'his' }).add('his-app-02', 'server', { service: 'his' }).add('probe-01', 'probe', {}, 30);
  const start = T0 - 5 * MIN;
  for (const id of ['db-01', 'his-app-01', 'his-app-02', 'probe-01']) sim.birth(id, start);
  const fail = T0;
  const recover = T0 + 8 * MIN;
  for (let t = start; t < T0 + 15 * MIN; t += 15 * S) {
    const down = t >= fail && t < recover;
    if (!down || t >= recover) sim.metrics('db-01', t, [{ m: 'cpu', fields: { usage_percent: 35 } }]);
    for (const app of ['his-app-01', 'his-app-02']) {
      sim.events(app, t + 3 * S, [{ check: 'db-conn', type: 'database', status: down ? 'critical' : 'ok', summary: down ? 'connect ECONNREFUSED' : 'SELECT 1 in 2 ms', node: app, labels: { service: 'his' } }]);
    }
  }
  for (let t = start + 7 * S; t < T0 + 15 * MIN; t += 30 * S) {
    const down = t >= fail + 15 * S && t < recover + 10 * S;
    sim.events('probe-01', t, [{ check: 'registration-flow', type: 'transaction', status: down ? 'critical' : 'ok', summary: down ? 'step 2 search-patient: HTTP 500' : 'ok in 1.2 s', node: 'registration', fields: { latency_mean_ms: down ? 5200 : 1200, error_rate_percent: down ? 100 : 0 } }]);
  }
  sim.will('db-01', fail + 2 * S);
  sim.birth('db-01', recover);
  return sim;
}

function egress(samplesAbove: number): FleetSim {
  const sim = new FleetSim();
  sim.add('probe-01', 'probe', {}, 15);
  const start = T0 - 3 * MIN;
  sim.birth('probe-01', start);
  let n = 0;
  for (let t = start; t < T0 + 6 * MIN; t += 15 * S) {
    const hot = t >= T0 && n < samplesAbove;
    if (hot) n++;
    const insuranceDown = t >= T0 - 30 * S && t < T0 + 4 * MIN;
    sim.events('probe-01', t, [
      { check: 'uplink-main', type: 'snmp', status: 'ok', node: 'egress-main', labels: { role: 'egress', line: 'main' }, fields: { in_percent: hot ? 97 + n : 70 } },
      { check: 'insurance-api', type: 'http', status: insuranceDown ? 'critical' : 'ok', summary: insuranceDown ? 'timeout after 10 s' : 'HTTP 200', node: 'insurance', labels: { external: 'insurance' } },
    ]);
  }
  return sim;
}

function flappingKiosk(): FleetSim {
  const sim = new FleetSim();
  sim.add('kiosk-17', 'terminal', { building: 'outpatient', type: 'kiosk' }, 60);
  let t = T0 - 5 * MIN;
  sim.birth('kiosk-17', t);
  for (let i = 0; i < 8; i++) {
    t += 40 * S;
    sim.will('kiosk-17', t);
    t += 35 * S;
    sim.birth('kiosk-17', t);
  }
  for (let k = 0; k < 30; k++) sim.metrics('kiosk-17', (t += MIN), [{ m: 'cpu', fields: { usage_percent: 10 } }]);
  return sim;
}

function maintenance(): FleetSim {
  const sim = new FleetSim();
  const night = Date.UTC(2026, 10, 23, 14, 0, 0); // 22:00 in Shanghai
  sim.add('pacs-01', 'server', { service: 'pacs' }).add('pacs-02', 'server', { service: 'pacs' }).add('probe-01', 'probe', {}, 30);
  for (const id of ['pacs-01', 'pacs-02', 'probe-01']) sim.birth(id, night - 10 * MIN);
  sim.silence(night - 5 * MIN, { id: 'pacs-upgrade', matchers: {}, nodes: ['pacs-01'], startsAt: night, endsAt: night + 60 * MIN, createdBy: 'wang.fang', comment: 'PACS 升级 (vendor change CR-2291)' });
  for (let t = night - 10 * MIN; t < night + 90 * MIN; t += 15 * S) {
    const upgrading = t >= night + 5 * MIN && t < night + 50 * MIN;
    if (!upgrading) sim.metrics('pacs-01', t, [{ m: 'cpu', fields: { usage_percent: 30 } }]);
    const pacs02Full = t >= night + 20 * MIN && t < night + 70 * MIN;
    sim.metrics('pacs-02', t + 2 * S, [{ m: 'fs', tags: { mount: '/archive', fstype: 'xfs' }, fields: { used_percent: pacs02Full ? 99 : 80 } }]);
  }
  for (let t = night - 10 * MIN; t < night + 90 * MIN; t += 30 * S) {
    const upgrading = t >= night + 5 * MIN && t < night + 50 * MIN;
    sim.events('probe-01', t + 5 * S, [{ check: 'pacs-viewer', type: 'http', status: upgrading ? 'critical' : 'ok', node: 'pacs-viewer', summary: upgrading ? 'HTTP 503' : 'HTTP 200' }]);
  }
  sim.will('pacs-01', night + 5 * MIN);
  sim.birth('pacs-01', night + 50 * MIN);
  return sim;
}

function twoFaults(): FleetSim {
  const sim = new FleetSim();
  sim.add('lis-app-01', 'server', { service: 'lis' }).add('pacs-01', 'server', { service: 'pacs' });
  for (const id of ['lis-app-01', 'pacs-01']) sim.birth(id, T0 - 5 * MIN);
  for (let t = T0 - 5 * MIN; t < T0 + 15 * MIN; t += 15 * S) {
    const busy = t >= T0 && t < T0 + 8 * MIN;
    sim.metrics('lis-app-01', t, [{ m: 'cpu', fields: { usage_percent: busy ? 98 : 40 } }]);
    if (t < T0 + 10 || t >= T0 + 6 * MIN) sim.metrics('pacs-01', t + S, [{ m: 'cpu', fields: { usage_percent: 25 } }]);
  }
  sim.will('pacs-01', T0 + 20 * S);
  sim.birth('pacs-01', T0 + 6 * MIN);
  return sim;
}

function hoveringCpu(): FleetSim {
  const sim = new FleetSim();
  const rnd = random(7);
  sim.add('his-app-01', 'server', { service: 'his' });
  sim.birth('his-app-01', T0 - MIN);
  let t = T0;
  for (let i = 0; i < 120; i++) sim.metrics('his-app-01', (t += 15 * S), [{ m: 'cpu', fields: { usage_percent: Math.round((87 + rnd() * 7) * 10) / 10 } }]);
  for (let i = 0; i < 10; i++) sim.metrics('his-app-01', (t += 15 * S), [{ m: 'cpu', fields: { usage_percent: 55 } }]);
  return sim;
}

const scenarios: Record<string, () => FleetSim> = {
  'core-switch': coreSwitch,
  database,
  'egress-3-samples': () => egress(3),
  'egress-2-samples': () => egress(2),
  'flapping-kiosk': flappingKiosk,
  'pacs-maintenance': maintenance,
  'two-faults': twoFaults,
  'hovering-cpu': hoveringCpu,
};

for (const [name, make] of Object.entries(scenarios)) {
  const sim = make();
  writeFileSync(join(DIR, name, 'stream.jsonl'), sim.jsonl());
  console.log(`${name.padEnd(18)} ${String(sim.lines.length).padStart(6)} lines`);
}
