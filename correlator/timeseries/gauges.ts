// The periodic gauges a wall dashboard shows: agents online per building, open incidents per
// priority, and the SLA clocks of open tickets. Pure: state in, points out, time an argument.
// They are written as snapshots rather than derived from events so a panel shows the right
// number for any time range, including right after the correlator restarted.

import type { Incident } from '../correlate/incident.js';
import type { AgentRecord } from '../evaluate/fleet.js';
import { sortedTags, US_PER_MS, type Point, type TicketEvent } from './points.js';

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;

/**
 * An agent counts as offline once it has been silent for this many of its own intervals, the
 * same grace the shipped offline rules give (`after: 3`).
 */
export const SILENT_AFTER_INTERVALS = 3;

export function isOnline(agent: AgentRecord, at: number, silentAfter = SILENT_AFTER_INTERVALS): boolean {
  return agent.online && at - agent.lastSeenAt <= silentAfter * agent.intervalMs;
}

export function fleetPoints(agents: Iterable<AgentRecord>, at: number): Point[] {
  const groups = new Map<string, { tags: Record<string, string>; online: number; offline: number }>();
  for (const a of agents) {
    const tags = sortedTags({ site: a.site, building: a.labels.building, floor: a.labels.floor, role: a.labels.role ?? a.inventory?.role });
    const key = JSON.stringify(tags);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { tags, online: 0, offline: 0 }));
    if (isOnline(a, at)) g.online++;
    else g.offline++;
  }
  return [...groups.values()].map((g) => ({ rp: 'raw', measurement: 'fleet', tags: g.tags, fields: { online: g.online, offline: g.offline, total: g.online + g.offline }, ts: at * US_PER_MS }));
}

/** Open incidents per site and priority; every priority of every site is written, zeros included. */
export function incidentCountPoints(open: readonly Incident[], sites: Iterable<string>, at: number): Point[] {
  const counts = new Map<string, Record<string, number>>();
  const row = (site: string) => {
    let r = counts.get(site);
    if (!r) counts.set(site, (r = Object.fromEntries(PRIORITIES.map((p) => [p, 0]))));
    return r;
  };
  for (const site of sites) row(site);
  for (const i of open) {
    const r = row(i.site);
    r[i.priority] = (r[i.priority] ?? 0) + 1;
  }
  const out: Point[] = [];
  for (const [site, r] of counts) {
    for (const priority of PRIORITIES) out.push({ rp: 'raw', measurement: 'incidents', tags: { priority, site }, fields: { open: r[priority] ?? 0 }, ts: at * US_PER_MS });
  }
  return out;
}

interface OpenTicket {
  priority: string;
  site?: string;
  acknowledged: boolean;
  responseDue?: number;
  resolveDue?: number;
}

const CLOSING = new Set(['resolved', 'closed', 'cancelled']);
const ACKNOWLEDGING = new Set(['acknowledged', 'accepted', 'in-progress']);

/** Open tickets as the ticket service reported them, for the SLA gauges. */
export class TicketBook {
  private readonly open = new Map<number, OpenTicket>();
  /** Groups that had tickets: written with zeros once their tickets close, so panels drop to 0. */
  private readonly seen = new Map<string, Record<string, string>>();

  get size(): number {
    return this.open.size;
  }

  apply(e: TicketEvent, site: string | undefined): void {
    if (CLOSING.has(e.action)) {
      this.open.delete(e.ticketId);
      return;
    }
    const t = this.open.get(e.ticketId) ?? { priority: e.priority, acknowledged: false };
    t.priority = e.priority;
    const s = e.site ?? site ?? t.site;
    if (s !== undefined) t.site = s;
    if (ACKNOWLEDGING.has(e.action)) t.acknowledged = true;
    if (e.responseDue !== undefined) t.responseDue = e.responseDue;
    if (e.resolveDue !== undefined) t.resolveDue = e.resolveDue;
    this.open.set(e.ticketId, t);
  }

  /** Per site and priority: open tickets, unacknowledged ones, overdue ones, and the nearest deadlines. */
  points(at: number): Point[] {
    const groups = new Map<string, { tags: Record<string, string>; tickets: OpenTicket[] }>();
    for (const [key, tags] of this.seen) groups.set(key, { tags, tickets: [] });
    for (const t of this.open.values()) {
      const tags = sortedTags({ site: t.site, priority: t.priority });
      const key = JSON.stringify(tags);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { tags, tickets: [] }));
      g.tickets.push(t);
      this.seen.set(key, tags);
    }
    const out: Point[] = [];
    for (const g of groups.values()) {
      const waiting = g.tickets.filter((t) => !t.acknowledged);
      const responseDues = waiting.flatMap((t) => (t.responseDue !== undefined ? [t.responseDue] : []));
      const resolveDues = g.tickets.flatMap((t) => (t.resolveDue !== undefined ? [t.resolveDue] : []));
      const fields: Point['fields'] = {
        open: g.tickets.length,
        unacknowledged: waiting.length,
        response_overdue: responseDues.filter((d) => d < at).length,
        resolve_overdue: resolveDues.filter((d) => d < at).length,
      };
      if (responseDues.length > 0) fields.response_left_seconds = (Math.min(...responseDues) - at) / 1000;
      if (resolveDues.length > 0) fields.resolve_left_seconds = (Math.min(...resolveDues) - at) / 1000;
      out.push({ rp: 'raw', measurement: 'sla', tags: g.tags, fields, ts: at * US_PER_MS });
    }
    return out;
  }
}
