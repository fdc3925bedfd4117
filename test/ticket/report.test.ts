// The fault report as a person reads it, in Chinese (the default) and English: what is broken,
// measured evidence, scope, symptoms folded in, since when, priority and why, the runbook.

import t from 'tap';
import { faultReport, renderReport } from '../../correlator/ticket/report.js';
import { alert, incident, T0 } from '../helpers/incidents.js';

const MIN = 60_000;
const checkLabels = { agent: 'probe-01', site: 'main', check: 'registration', service: 'his', role: 'probe' };
const storm = incident(12, 'core-sw-1', T0, {
  priority: 'P1',
  title: 'Core switch core-sw-1 is down',
  priorityReason: 'outpatient registration down for 38 of 120 terminals in the morning peak',
  alerts: [
    alert('switch-down', 'core-sw-1', T0, { priority: 'P1', labels: { agent: 'probe-01', site: 'main', role: 'switch' } }),
    alert('registration-slow', 'core-sw-1', T0 + MIN, { role: 'root', metric: 'check.latency_mean_ms', value: 5200, threshold: 3000, labels: checkLabels }),
    alert('registration-errors', 'core-sw-1', T0 + MIN, { role: 'root', metric: 'check.error_rate_percent', value: 3, threshold: 1, labels: checkLabels }),
    ...Array.from({ length: 38 }, (_, i) => alert('terminal-offline', `opd-pc-${i + 1}`, T0 + 2 * MIN, { role: 'symptom', priority: 'P4', title: `Terminal opd-pc-${i + 1} is not reporting`, labels: { agent: `opd-pc-${i + 1}`, site: 'main', role: 'terminal', building: 'outpatient' } })),
  ],
  impact: { services: ['his-registration'], terminals: { affected: 38, total: 120 }, buildings: ['门诊楼'], floors: ['1F', '2F'] },
  runbooks: ['runbooks/server-down.md'],
});

t.test('data: measured figures by check, scope from impact, symptoms counted', async (t) => {
  const r = faultReport(storm);
  t.same(r.measurements.find((m) => m.subject === 'registration')?.figures, [
    { metric: 'check.latency_mean_ms', value: 5200 },
    { metric: 'check.error_rate_percent', value: 3 },
  ]);
  t.same(r.scope, { services: ['his-registration'], terminals: { affected: 38, total: 120 }, buildings: ['门诊楼'], floors: ['1F', '2F'] });
  t.equal(r.symptoms, 38);
  t.equal(r.evidence.length, 3, 'evidence lists the root-cause alerts only');
  t.equal(r.since, T0);
});

t.test('Chinese', async (t) => {
  const text = renderReport(faultReport(storm), T0 + 5 * MIN, { language: 'zh', timeZone: 'Asia/Shanghai' });
  t.match(text, /^INC-12 P1  Core switch core-sw-1 is down$/m);
  t.match(text, /^故障点：core-sw-1 \(院区 main\)$/m);
  t.match(text, /^开始时间：2026-11-20 09:12 \(持续 5m\)$/m);
  t.match(text, /^优先级：P1, 原因 outpatient registration down for 38 of 120 terminals in the morning peak$/m);
  t.match(text, /^实测：registration：平均响应 5\.2 秒，错误率 3%$/m);
  t.match(text, /^影响范围：业务 his-registration; 终端 38\/120; 门诊楼; 1F、2F$/m);
  t.match(text, /^关联告警：38 条下游症状告警已归并 \(opd-pc-1、opd-pc-2/m);
  t.match(text, /^处置预案：runbooks\/server-down\.md$/m);
});

t.test('English', async (t) => {
  const text = renderReport(faultReport(storm), T0 + 5 * MIN, { language: 'en', timeZone: 'Asia/Shanghai', similar: [{ ticket: 'T-4', title: 'core-sw-1 down', score: 0.82, resolution: 'replaced PSU' }] });
  t.match(text, /^Root cause:  core-sw-1 \(site main\)$/m);
  t.match(text, /^Measured:    registration: mean response 5\.2 s, error rate 3%$/m);
  t.match(text, /^Scope:       services his-registration; terminals 38\/120; 门诊楼; 1F, 2F$/m);
  t.match(text, /^Symptoms:    38 alert\(s\) on dependent nodes folded in/m);
  t.match(text, /^Since:       2026-11-20 09:12 \(for 5m\)$/m);
  t.match(text, /^Similar:     T-4 core-sw-1 down \(similarity 0\.82\): replaced PSU$/m);
});

t.test('without the engine\'s impact, the scope comes from the alerts\' labels', async (t) => {
  const plain = incident(2, 'ward-sw-3', T0, {
    alerts: [
      alert('switch-down', 'ward-sw-3', T0, { labels: { site: 'main', building: '住院楼', floor: '5F', service: 'nursing' } }),
      alert('terminal-offline', 'ns-5-01', T0, { role: 'symptom', labels: { site: 'main', role: 'terminal', building: '住院楼', floor: '5F' } }),
      alert('terminal-offline', 'ns-5-02', T0, { role: 'symptom', labels: { site: 'main', role: 'terminal', building: '住院楼', floor: '5F' } }),
    ],
  });
  t.same(faultReport(plain).scope, { services: ['nursing'], terminals: { affected: 2, total: 2 }, buildings: ['住院楼'], floors: ['5F'] });
});
