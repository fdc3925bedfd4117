// Priority from business impact, the hospital's own scale: which business services an
// incident touches, what share of their terminals it takes away, and when (the outpatient
// morning peak raises it one step). A rule sets the floor and may bound it. The result says
// why, in words that go to the ticket.

import { PRIORITY_RANK } from '../evaluate/alert.js';
import type { Priority } from '../rules/schema.js';
import type { Failing, Topology, TopoNode } from '../topology/topology.js';
import type { Impact } from './incident.js';

export interface Assessment {
  priority: Priority;
  reason: string;
  impact: Impact;
}

export interface RuleFloor {
  priority: Priority;
  rule: string;
  maxPriority?: Priority;
}

const STEP_UP: Record<Priority, Priority> = { P1: 'P1', P2: 'P1', P3: 'P2', P4: 'P3' };
const DAY = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 } as Record<string, number>;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday (0 = Sunday) and minute of the day of `at` in the calendar's time zone. */
export function localTime(at: number, timezone: string): { day: number; minute: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return { day: DAY[parts.weekday ?? 'Sun'] ?? 0, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

export function activePeak(topology: Topology, service: string, at: number): string | undefined {
  if (topology.peaks.length === 0) return undefined;
  const { day, minute } = localTime(at, topology.timezone);
  for (const p of topology.peaks) {
    if (!p.days.has(day) || minute < p.fromMin || minute >= p.toMin) continue;
    if (p.services && !p.services.has(service)) continue;
    return p.name;
  }
  return undefined;
}

function levelFor(criticality: TopoNode['criticality'], share: number): Priority {
  if (criticality === 'core') return share >= 0.5 ? 'P1' : share >= 0.2 ? 'P2' : 'P3';
  if (criticality === 'important') return share >= 0.5 ? 'P2' : 'P3';
  return share >= 0.5 ? 'P3' : 'P4';
}

/** A service slowed is one step below the same service lost (a core service degraded for all: P2). */
const STEP_DOWN: Record<Priority, Priority> = { P1: 'P2', P2: 'P3', P3: 'P4', P4: 'P4' };

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** Terminals using any of the touched services (a union only when there is more than one). */
function userCount(users: Array<readonly TopoNode[]>): number {
  if (users.length <= 1) return users[0]?.length ?? 0;
  const ids = new Set<string>();
  for (const list of users) for (const t of list) ids.add(t.id);
  return ids.size;
}

/**
 * `root` is the incident's root node; `failing` the nodes with alerts in it (root and
 * symptoms); `anywhere` whether a node has alerts in any incident. Everything downstream of the
 * root counts as affected, except past a redundant node that the rest of its members keep up.
 */
export function assess(
  topology: Topology,
  root: string,
  failing: ReadonlySet<string>,
  floors: RuleFloor[],
  at: number,
  anywhere: Failing = (n) => failing.has(n),
  effect: 'outage' | 'degraded' | 'local' = 'outage',
  suspected = false,
): Assessment {
  // A local condition concerns the node itself: nothing downstream is counted as affected.
  const affected = new Set(effect === 'local' ? [] : topology.liveDescendants(root, anywhere));
  affected.add(root);
  for (const n of failing) affected.add(n);
  const affectedTerminals = [...affected].map((id) => topology.node(id)).filter((n): n is TopoNode => n?.kind === 'terminal');

  let best: { priority: Priority; why: string } | undefined;
  const services: string[] = [];
  const users: Array<readonly TopoNode[]> = [];
  // Count, per service, its terminals among the affected nodes (walking the affected set, which
  // is small for most incidents, rather than every service's terminals).
  const hits = new Map<string, number>();
  for (const t of affectedTerminals) for (const s of topology.servicesOf(t.id)) hits.set(s, (hits.get(s) ?? 0) + 1);
  for (const s of topology.services()) {
    const whole = affected.has(s.id);
    if (!whole && !hits.has(s.id)) continue;
    const terminals = topology.serviceTerminals(s);
    const hit = whole ? terminals.length : (hits.get(s.id) ?? 0);
    services.push(s.id);
    users.push(terminals);
    const share = whole ? 1 : hit / terminals.length;
    let level = levelFor(s.criticality, share);
    if (effect === 'degraded') level = STEP_DOWN[level];
    const scope =
      effect === 'degraded'
        ? whole
          ? 'is degraded for all its users'
          : `is degraded for ${hit} of ${terminals.length} terminals (${pct(share)})`
        : whole
          ? `is down for all its users`
          : `lost ${hit} of ${terminals.length} terminals (${pct(share)})`;
    let why = `${s.name ?? s.id} (${s.criticality ?? 'normal'} service) ${scope}`;
    const peak = activePeak(topology, s.id, at);
    if (peak && level !== 'P1') {
      level = STEP_UP[level];
      why += `, raised one step during ${peak}`;
    }
    if (!best || PRIORITY_RANK[level] < PRIORITY_RANK[best.priority]) best = { priority: level, why };
  }

  const floor = floors.reduce<RuleFloor | undefined>((acc, f) => (!acc || PRIORITY_RANK[f.priority] < PRIORITY_RANK[acc.priority] ? f : acc), undefined);
  let priority: Priority = floor?.priority ?? 'P4';
  let reason = floor ? `rule ${floor.rule} sets ${floor.priority}` : suspected ? 'suspected root, no alert of its own yet' : 'no rule priority';
  if (best && PRIORITY_RANK[best.priority] < PRIORITY_RANK[priority]) {
    priority = best.priority;
    reason = best.why;
  } else if (best) {
    reason += `; impact: ${best.why}`;
  } else {
    reason += '; no business service affected';
  }
  const cap = floors.map((f) => f.maxPriority).filter((p): p is Priority => p !== undefined).sort((a, b) => PRIORITY_RANK[b] - PRIORITY_RANK[a])[0];
  if (cap && PRIORITY_RANK[priority] < PRIORITY_RANK[cap]) {
    reason += `; bounded to ${cap} by rule`;
    priority = cap;
  }
  // Where a redundant node stands on its other members, this is lost redundancy: its own
  // priority, unless the failure reaches a business service some other way.
  const standing = topology.standingBelow(root, anywhere);
  if (standing.length > 0) {
    const carriers = standing.map((g) => `${g.name ?? g.id} runs on ${g.dependsOn.filter((m) => !topology.isDown(m, anywhere)).join(', ')}`);
    reason += `; redundancy: ${carriers.join('; ')}`;
    const degraded = standing.map((g) => g.degraded ?? 'P3').sort((a, b) => PRIORITY_RANK[a] - PRIORITY_RANK[b])[0] as Priority;
    if (!best && PRIORITY_RANK[priority] < PRIORITY_RANK[degraded]) {
      reason += `, so ${degraded} (lost redundancy, not an outage)`;
      priority = degraded;
    }
  }
  if (effect !== 'outage') reason += effect === 'degraded' ? ' (effect: degraded, not down)' : ' (effect: local, only this node)';
  const terminalsAffected = affectedTerminals.length;
  const buildings = [...new Set(affectedTerminals.map((t) => t.building).filter((b): b is string => !!b))].sort();
  const floorsList = [...new Set(affectedTerminals.map((t) => (t.floor ? `${t.building ?? ''}:${t.floor}` : '')).filter((f) => f))].sort();
  const rootNode = topology.node(root);
  if (buildings.length === 0 && rootNode?.building) buildings.push(rootNode.building);
  return {
    priority,
    reason: `${priority}: ${reason}`,
    impact: {
      services: services.sort(),
      terminals: { affected: terminalsAffected, total: Math.max(terminalsAffected, userCount(users)) },
      buildings,
      floors: floorsList,
    },
  };
}
