// Alerts from other monitoring mapped onto ExternalAlert: as a table.

import t from 'tap';
import { DEFAULT_INBOUND, fromAlertmanager, fromZabbix } from '../../correlator/itsm/inbound.js';

const NOW = Date.UTC(2026, 10, 20, 1, 12);

t.test('Alertmanager: one notification may mix firing and resolved', async (t) => {
  const got = fromAlertmanager(
    {
      version: '4',
      alerts: [
        { status: 'firing', fingerprint: 'f1', labels: { alertname: 'NodeDown', instance: '10.12.1.21:9100', severity: 'critical', 'bad-key': 'x' }, annotations: { summary: 'node 10.12.1.21 down', runbook_url: 'https://wiki/node' }, startsAt: '2026-11-20T01:10:00Z' },
        { status: 'resolved', fingerprint: 'f2', labels: { alertname: 'DiskFull', node: 'pacs-01', priority: 'P1', site: 'east' }, startsAt: '0001-01-01T00:00:00Z' },
        { status: 'firing', fingerprint: 'f3', labels: { alertname: 'Odd', severity: 'page' } },
      ],
    },
    DEFAULT_INBOUND,
    NOW,
  );
  t.same(
    got.map((a) => [a.key, a.status, a.node, a.site, a.priority, a.title, a.startsAt]),
    [
      ['f1', 'firing', '10.12.1.21', 'main', 'P2', 'node 10.12.1.21 down', Date.UTC(2026, 10, 20, 1, 10)],
      ['f2', 'resolved', 'pacs-01', 'east', 'P1', 'DiskFull', NOW],
      ['f3', 'firing', 'alertmanager', 'main', 'P3', 'Odd', NOW],
    ],
  );
  t.equal(got[0]?.runbook, 'https://wiki/node');
  t.notOk('bad-key' in (got[0]?.labels ?? {}), 'label names we cannot use are dropped');
});

t.test('Zabbix: problems, recoveries, updates', async (t) => {
  const base = { event_id: '4711', event_value: '1' as const, severity: 4, name: 'HIS 挂号响应慢', host: 'HIS-APP-01', tags: [{ tag: 'service', value: 'his' }], started: '2026.11.20 09:10:00' };
  t.match(fromZabbix(base, DEFAULT_INBOUND, NOW), { source: 'zabbix', key: '4711', status: 'firing', node: 'his-app-01', priority: 'P2', labels: { service: 'his', host: 'HIS-APP-01', severity: '4' }, startsAt: Date.UTC(2026, 10, 20, 1, 10) });
  t.match(fromZabbix({ ...base, event_value: '0' }, DEFAULT_INBOUND, NOW), { status: 'resolved' });
  t.equal(fromZabbix({ ...base, event_update_status: '1' }, DEFAULT_INBOUND, NOW), undefined, 'an acknowledgement in Zabbix is no alert');
  t.match(fromZabbix({ ...base, severity: 5, started: 'garbage' }, DEFAULT_INBOUND, NOW), { priority: 'P1', startsAt: NOW });
});
