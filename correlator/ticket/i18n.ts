// Words people read in tickets and messages, in the hospital's language (Chinese by default)
// and English. One table per language with the same keys, so a missing phrase is a type error.

export type Language = 'zh' | 'en';

export const LANGUAGES: readonly Language[] = ['zh', 'en'];

const zh = {
  rootCause: '故障点',
  suspected: '疑似，尚无其自身告警',
  site: '院区',
  service: '业务',
  measured: '实测',
  scope: '影响范围',
  services: '业务',
  terminals: '终端',
  symptoms: '关联告警',
  symptomsFolded: (n: number) => `${n} 条下游症状告警已归并`,
  since: '开始时间',
  lasting: '持续',
  resolved: '已恢复',
  priority: '优先级',
  because: '原因',
  evidence: '证据',
  runbook: '处置预案',
  similar: '相似历史',
  similarity: '相似度',
  fixedBy: '处理办法',
  drill: '演练',
  flapping: '频繁波动',
  ticket: '工单',
  owner: '负责人',
  nobody: '无人认领',
  state: { open: '待响应', acknowledged: '处理中', resolved: '已解决', closed: '已关闭' } as Record<string, string>,
  respondBy: '响应时限',
  resolveBy: '解决时限',
  timeline: '处理记录',
  sep: '：',
  listSep: '、',
  figureSep: '，',
  open: '新故障',
  update: '故障更新',
  escalated: '升级',
  reopened: '故障复发',
  closedMsg: '已恢复',
  digest: (n: number) => `${n} 条故障通知合并`,
  moreAlerts: (n: number) => `新增 ${n} 条告警`,
  notAcknowledged: (step: number) => `无人响应，已升级至第 ${step} 级`,
  notify: '通知',
  figure: {
    'check.latency_mean_ms': (v: number) => `平均响应 ${seconds(v)} 秒`,
    'check.latency_p95_ms': (v: number) => `P95 响应 ${seconds(v)} 秒`,
    'check.error_rate_percent': (v: number) => `错误率 ${num(v)}%`,
    'check.duration_ms': (v: number) => `耗时 ${seconds(v)} 秒`,
    'check.status_level': (v: number) => `状态 ${['正常', '警告', '严重', '未知'][v] ?? v}`,
    'cpu.usage_percent': (v: number) => `CPU 使用率 ${num(v)}%`,
    'mem.used_percent': (v: number) => `内存使用率 ${num(v)}%`,
    'fs.used_percent': (v: number) => `已用 ${num(v)}%`,
  } as Record<string, (v: number) => string>,
  threshold: '阈值',
};

const en: typeof zh = {
  rootCause: 'Root cause',
  suspected: 'suspected, no alert of its own yet',
  site: 'site',
  service: 'service',
  measured: 'Measured',
  scope: 'Scope',
  services: 'services',
  terminals: 'terminals',
  symptoms: 'Symptoms',
  symptomsFolded: (n: number) => `${n} alert(s) on dependent nodes folded in`,
  since: 'Since',
  lasting: 'for',
  resolved: 'resolved',
  priority: 'Priority',
  because: 'because',
  evidence: 'Evidence',
  runbook: 'Runbook',
  similar: 'Similar',
  similarity: 'similarity',
  fixedBy: 'fixed by',
  drill: 'DRILL',
  flapping: 'flapping',
  ticket: 'Ticket',
  owner: 'Owner',
  nobody: 'nobody yet',
  state: { open: 'open', acknowledged: 'acknowledged', resolved: 'resolved', closed: 'closed' },
  respondBy: 'Respond by',
  resolveBy: 'Resolve by',
  timeline: 'Timeline',
  sep: ': ',
  listSep: ', ',
  figureSep: ', ',
  open: 'New fault',
  update: 'Update',
  escalated: 'Escalated',
  reopened: 'Fault is back',
  closedMsg: 'Resolved',
  digest: (n: number) => `${n} notifications merged`,
  moreAlerts: (n: number) => `${n} more alert(s)`,
  notAcknowledged: (step: number) => `not acknowledged; escalated to step ${step}`,
  notify: 'notify',
  figure: {
    'check.latency_mean_ms': (v: number) => `mean response ${seconds(v)} s`,
    'check.latency_p95_ms': (v: number) => `p95 response ${seconds(v)} s`,
    'check.error_rate_percent': (v: number) => `error rate ${num(v)}%`,
    'check.duration_ms': (v: number) => `took ${seconds(v)} s`,
    'check.status_level': (v: number) => `status ${['ok', 'warning', 'critical', 'unknown'][v] ?? v}`,
    'cpu.usage_percent': (v: number) => `CPU ${num(v)}%`,
    'mem.used_percent': (v: number) => `memory ${num(v)}%`,
    'fs.used_percent': (v: number) => `${num(v)}% full`,
  },
  threshold: 'threshold',
};

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10) / 10);
}

function seconds(ms: number): string {
  return num(Math.round(ms / 100) / 10);
}

export type Phrases = typeof zh;

export function phrases(language: Language): Phrases {
  return language === 'en' ? en : zh;
}

/** A measured value as a phrase ("mean response 5.2 s"); the metric name and value when unknown. */
export function figurePhrase(language: Language, metric: string, value: number): string {
  const f = phrases(language).figure[metric];
  return f ? f(value) : `${metric} = ${num(value)}`;
}

/** Wall-clock time in a time zone, "2026-11-20 17:50". */
export function localTime(ms: number, timeZone: string, withSeconds = false): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}${withSeconds ? `:${get('second')}` : ''}`;
}
