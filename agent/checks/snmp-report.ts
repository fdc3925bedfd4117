// From one poll to results, pure: which interfaces get a result (and their labels), each
// interface's result, and the device's own. Interfaces are results of their own
// (type snmp_interface, label iface) rather than fields of the device's result, so a rule
// reads "check.out_percent where role: egress > 95 for 3" and the number of series stays the
// number of interfaces asked for.

import type { CheckStatus } from '../../protocol/schema.js';
import type { CheckOutcome } from './check.js';
import type { ItemOutcome } from './items.js';
import type { IfRow, Poll } from './snmp-poll.js';
import type { RatesResult } from './snmp-counters.js';

export interface InterfaceSelector {
  /** ifName, ifDescr or ifAlias; * and ? are wildcards; case does not matter. */
  name?: string;
  index?: number;
  labels?: Record<string, string>;
}

const SOFTWARE_LOOPBACK = 24;

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

export interface Chosen {
  row: IfRow;
  labels: Record<string, string>;
}

/**
 * The interfaces to report. With selectors: those matching one (the first match gives the
 * labels). Without: every interface that is administratively up, except software loopbacks.
 * At most `max`; the rest are counted, not reported.
 */
export function selectInterfaces(rows: readonly IfRow[], selectors: readonly InterfaceSelector[] | undefined, max: number): { chosen: Chosen[]; skipped: number } {
  const compiled = (selectors ?? []).map((s) => ({ s, re: s.name !== undefined ? glob(s.name) : undefined }));
  const chosen: Chosen[] = [];
  for (const row of rows) {
    if (compiled.length === 0) {
      if (row.admin === 1 && row.type !== SOFTWARE_LOOPBACK) chosen.push({ row, labels: {} });
      continue;
    }
    const hit = compiled.find(({ s, re }) => (s.index === undefined || s.index === row.index) && (!re || re.test(row.name) || re.test(row.descr) || (row.alias !== '' && re.test(row.alias))));
    if (hit) chosen.push({ row, labels: { ...(hit.s.labels ?? {}) } });
  }
  return { chosen: chosen.slice(0, max), skipped: Math.max(0, chosen.length - max) };
}

const OPER: Record<number, string> = { 1: 'up', 2: 'down', 3: 'testing', 4: 'unknown', 5: 'dormant', 6: 'not present', 7: 'lower layer down' };
const r2 = (n: number) => Math.round(n * 100) / 100;

export function speedText(bps: number | undefined): string {
  if (!bps) return 'speed unknown';
  if (bps >= 1e9) return `${r2(bps / 1e9)} Gbit/s`;
  if (bps >= 1e6) return `${r2(bps / 1e6)} Mbit/s`;
  return `${r2(bps / 1e3)} kbit/s`;
}

/** Link state as a status: down while administratively up is critical; shut down on purpose is fine. */
export function linkStatus(row: IfRow): { status: CheckStatus; words: string } {
  const oper = OPER[row.oper] ?? `state ${row.oper}`;
  if (row.admin === 2) return { status: 'ok', words: 'administratively down' };
  if (row.oper === 1) return { status: 'ok', words: 'up' };
  if (row.oper === 2 || row.oper === 7 || row.oper === 6) return { status: 'critical', words: oper };
  return { status: 'warning', words: oper };
}

export function interfaceItem(c: Chosen, rates: RatesResult, target: string): ItemOutcome {
  const { row } = c;
  const link = linkStatus(row);
  const fields: Record<string, number> = { if_index: row.index, oper_status: row.oper, admin_status: row.admin, counter_bits: row.bits };
  if (row.speedBps) fields.speed_mbps = r2(row.speedBps / 1e6);
  let load = '';
  if (rates.ok) {
    const r = rates.rates;
    Object.assign(fields, { in_bps: Math.round(r.inBps), out_bps: Math.round(r.outBps) });
    const opt: Array<[string, number | undefined]> = [
      ['in_percent', r.inPercent], ['out_percent', r.outPercent],
      ['in_errors_per_s', r.inErrorsPerS], ['out_errors_per_s', r.outErrorsPerS],
      ['in_discards_per_s', r.inDiscardsPerS], ['out_discards_per_s', r.outDiscardsPerS],
    ];
    for (const [k, v] of opt) if (v !== undefined) fields[k] = r2(v);
    const errors = (r.inErrorsPerS ?? 0) + (r.outErrorsPerS ?? 0);
    load = r.inPercent !== undefined ? `, in ${r2(r.inPercent)}% / out ${r2(r.outPercent ?? 0)}%` : `, in ${speedText(r.inBps)} / out ${speedText(r.outBps)}`;
    if (errors > 0) load += `, ${r2(errors)} errors/s`;
  } else if (link.status === 'ok' && row.admin !== 2) {
    load = ` (${rates.why})`;
  }
  return {
    key: { iface: row.name.slice(0, 128) },
    labels: c.labels,
    type: 'snmp_interface',
    status: link.status,
    summary: `${row.name} ${link.words}, ${speedText(row.speedBps)}${load}`,
    target,
    fields,
  };
}

/** The device's own result: it answered; uptime, CPU and RAM where the MIBs give them, link counts. */
export function deviceOutcome(poll: Poll, chosen: readonly Chosen[], skipped: number, target: string, restarted: boolean): CheckOutcome {
  const up = chosen.filter((c) => linkStatus(c.row).status === 'ok' && c.row.admin !== 2).length;
  const down = chosen.filter((c) => linkStatus(c.row).status === 'critical').length;
  const fields: Record<string, number> = { uptime_s: Math.floor(poll.ticks / 100), interfaces: chosen.length, interfaces_up: up, interfaces_down: down };
  const parts = [`${poll.sysName ? `${poll.sysName} ` : ''}answers, up ${uptimeText(poll.ticks / 100)}`];
  if (restarted) parts.push('restarted since the last poll');
  if (poll.cpuLoads.length > 0) {
    fields.cpu_percent = r2(poll.cpuLoads.reduce((s, v) => s + v, 0) / poll.cpuLoads.length);
    parts.push(`CPU ${fields.cpu_percent}%`);
  }
  if (poll.ram) {
    fields.mem_used_percent = r2((100 * poll.ram.usedBytes) / poll.ram.sizeBytes);
    fields.mem_total_bytes = poll.ram.sizeBytes;
    parts.push(`RAM ${fields.mem_used_percent}%`);
  }
  parts.push(`${chosen.length} interfaces: ${up} up, ${down} down${skipped ? `, ${skipped} more not reported (max_interfaces)` : ''}`);
  return { status: restarted ? 'warning' : 'ok', summary: parts.join(', '), target, fields };
}

function uptimeText(seconds: number): string {
  if (seconds >= 86400) return `${Math.floor(seconds / 86400)} d`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds)} s`;
}
