// Shared set-up for notification tests: a real store, a notifier with short timings, and a
// P1 fault report.

import { join } from 'node:path';
import { silentLogger } from '../../common/log.js';
import type { Person } from '../../correlator/escalate/policy.js';
import { resolveNotifySection, type ChannelSpec } from '../../correlator/notify/config.js';
import { Notifier, type NotifyRequest } from '../../correlator/notify/notifier.js';
import { SqliteStore } from '../../correlator/store/sqlite.js';
import type { Language } from '../../correlator/ticket/i18n.js';
import { faultReport } from '../../correlator/ticket/report.js';
import { alert, incident, T0 } from './incidents.js';
import { tmpDir } from './tmp.js';

export const ZHANG: Person = { id: 'zhang.wei', name: '张伟', phone: '13800001111', email: 'zhang.wei@hospital.local', wecom: 'zhangwei', dingtalk: '13800001111', feishu: 'ou_zhangwei' };
export const LI: Person = { id: 'li.na', name: '李娜', phone: '13900002222', email: 'li.na@hospital.local' };

export function p1Report(id = 3) {
  const i = incident(id, 'his-app-01', T0, {
    priority: 'P1',
    title: '门诊挂号接口超时',
    alerts: [
      alert('his-registration-slow', 'his-app-01', T0, {
        priority: 'P1',
        metric: 'check.latency_mean_ms',
        value: 5200,
        threshold: 3000,
        labels: { agent: 'probe-01', site: 'main', check: 'registration', service: 'his', building: 'outpatient' },
      }),
    ],
    runbooks: ['runbooks/server-down.md'],
  });
  return faultReport(i);
}

export function request(over: Partial<NotifyRequest> = {}): NotifyRequest {
  return { kind: 'opened', ticketId: 7, report: p1Report(), recipients: [ZHANG], at: T0, priority: 'P1', ...over };
}

export function setup(
  t: { teardown(fn: () => void | Promise<void>): void },
  channels: Record<string, ChannelSpec>,
  opts: { updateEvery?: string; attempts?: number; language?: Language; drill?: { channels?: string[]; allow_page?: boolean }; rateWindowMs?: number } = {},
) {
  const store = new SqliteStore(join(tmpDir(t), 'notify.db'));
  const settings = resolveNotifySection({
    channels,
    routes: { P1: 'all', P2: 'all', P3: 'all', P4: 'all' },
    update_every: opts.updateEvery ?? '300ms',
    retry: { attempts: opts.attempts ?? 3, backoff: '50ms', max_backoff: '200ms', throttle_pause: '400ms' },
    ...(opts.drill ? { drill: opts.drill } : {}),
  });
  const recorded: Array<{ channel: string; status: string; kind: string; detail: string; ticketIds: number[]; waitedMs: number }> = [];
  const notifier = new Notifier(settings, {
    store,
    log: silentLogger,
    context: { language: opts.language ?? 'zh', timeZone: 'Asia/Shanghai', ticketUrl: 'https://wardwatch.hospital.local/tickets/{id}' },
    ...(opts.rateWindowMs ? { rateWindowMs: opts.rateWindowMs } : {}),
    onRecorded: (r) => void recorded.push({ channel: r.channel, status: r.status, kind: r.kind, detail: r.detail, ticketIds: r.ticketIds, waitedMs: r.waitedMs }),
  });
  t.teardown(async () => {
    await notifier.stop();
    await store.close();
  });
  return { store, notifier, recorded };
}

export async function until(fn: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
