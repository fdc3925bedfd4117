// Alerts raised by other monitoring (Prometheus Alertmanager, Zabbix, a generic webhook) join
// the same correlation as Wardwatch's own: they arrive already decided (firing or resolved),
// keyed by the source's own stable id, and land on a topology node like any other alert.

import type { Priority } from '../rules/schema.js';
import type { Labels } from '../topology/selector.js';
import type { Alert, AlertChange } from './alert.js';

export interface ExternalAlert {
  source: 'alertmanager' | 'zabbix' | 'webhook';
  /** The source's stable id: Alertmanager fingerprint, Zabbix event id. */
  key: string;
  status: 'firing' | 'resolved';
  /** Topology node (host) the alert is about. */
  node: string;
  site: string;
  title: string;
  priority: Priority;
  labels: Labels;
  /** When the source says the problem started (ms). */
  startsAt: number;
  runbook?: string;
}

export function externalAlertId(a: Pick<ExternalAlert, 'source' | 'key'>): string {
  return `${a.source}|${a.key}|`;
}

export class ExternalAlerts {
  readonly firing = new Map<string, Alert>();

  handle(ext: ExternalAlert, at: number): AlertChange[] {
    const id = externalAlertId(ext);
    const existing = this.firing.get(id);
    if (ext.status === 'resolved') {
      if (!existing) return [];
      this.firing.delete(id);
      return [{ type: 'alert.resolved', alert: { ...existing, state: 'resolved', resolvedAt: at }, reason: 'source-resolved' }];
    }
    if (existing) {
      // The source repeats firing alerts (Alertmanager's repeat_interval): an update, not a new alert.
      existing.title = ext.title;
      return [];
    }
    const alert: Alert = {
      id,
      rule: `${ext.source}`,
      kind: 'external',
      node: ext.node,
      site: ext.site,
      labels: { ...ext.labels, source: ext.source },
      priority: ext.priority,
      title: ext.title,
      state: 'firing',
      since: ext.startsAt,
      firedAt: at,
      // Arrival time, not the source's start: an alert Zabbix raised an hour ago is news now,
      // not stale data.
      triggerTs: at,
      reason: 'source-firing',
      ...(ext.runbook ? { runbook: ext.runbook } : {}),
    };
    this.firing.set(id, alert);
    return [{ type: 'alert.firing', alert, reason: 'source-firing' }];
  }

  restore(alerts: Alert[]): void {
    for (const a of alerts) if (a.kind === 'external') this.firing.set(a.id, { ...a });
  }
}
