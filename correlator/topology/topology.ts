// The dependency model, in memory and pure: nodes, their upstream edges, and the questions
// correlation asks (what is upstream of this node, what depends on that one, which terminals
// use this service). Agents become nodes when they first report: by id when the file
// declares them, through a `match` block by their labels, or standalone.

import { compileSelector, type Labels, type Predicate } from './selector.js';
import type { NodeKind } from './schema.js';

export interface TopoNode {
  id: string;
  kind: NodeKind;
  name?: string;
  site: string;
  building?: string;
  floor?: string;
  /** The node's labels plus kind, site, building and floor, for selectors. */
  labels: Labels;
  dependsOn: readonly string[];
  criticality?: 'core' | 'important' | 'normal';
  /** Services: which terminals use it. */
  terminals?: Predicate;
  /** Up while any one of its parents is (a primary/standby pair, main and backup lines). */
  redundant?: boolean;
  /** Redundant nodes: the highest priority of losing some of its parents while others carry on. */
  degraded?: 'P1' | 'P2' | 'P3' | 'P4';
  origin: 'file' | 'match' | 'agent';
  /** Host names and IP addresses the node answers on, lowercase: check targets find it by them. */
  addresses?: readonly string[];
}

/** Whether a node has an alert firing (the correlator's state, asked by the topology). */
export type Failing = (id: string) => boolean;

export interface MatchRule {
  matches: Predicate;
  kind?: NodeKind;
  building?: string;
  floor?: string;
  labels: Labels;
  dependsOn: readonly string[];
}

export interface Peak {
  name: string;
  days: ReadonlySet<number>;
  fromMin: number;
  toMin: number;
  services?: ReadonlySet<string>;
}

/** What an agent tells about itself: its birth inventory's role and labels, its site. */
export interface AgentFacts {
  site?: string;
  labels?: Labels;
  role?: string;
}

const ROLE_KIND: Record<string, NodeKind> = { server: 'server', terminal: 'terminal', probe: 'other' };

export function nodeLabels(n: Omit<TopoNode, 'labels'> & { labels?: Labels }): Labels {
  return {
    ...(n.labels ?? {}),
    node: n.id,
    kind: n.kind,
    site: n.site,
    ...(n.building ? { building: n.building } : {}),
    ...(n.floor ? { floor: n.floor } : {}),
  };
}

function samePlace(a: TopoNode, b: TopoNode): boolean {
  if (a.kind !== b.kind || a.site !== b.site || a.origin !== b.origin || a.dependsOn.join('\0') !== b.dependsOn.join('\0')) return false;
  const ka = Object.keys(a.labels);
  return ka.length === Object.keys(b.labels).length && ka.every((k) => a.labels[k] === b.labels[k]);
}

export class Topology {
  readonly nodes = new Map<string, TopoNode>();
  private readonly children = new Map<string, string[]>();
  private readonly ancestorCache = new Map<string, ReadonlySet<string>>();
  private descendantCache = new Map<string, ReadonlySet<string>>();
  private serviceTerminalCache = new Map<string, readonly TopoNode[]>();
  private serviceList: TopoNode[] | undefined;
  private servicesByTerminal: Map<string, string[]> | undefined;
  private readonly redundantIds = new Set<string>();
  private addressIndex: Map<string, string> | undefined;

  constructor(
    nodes: TopoNode[] = [],
    private readonly matches: readonly MatchRule[] = [],
    readonly peaks: readonly Peak[] = [],
    readonly timezone = 'Asia/Shanghai',
    readonly defaultSite = 'main',
  ) {
    for (const n of nodes) this.add(n);
  }

  static empty(): Topology {
    return new Topology();
  }

  get size(): number {
    return this.nodes.size;
  }

  private add(n: TopoNode): void {
    this.nodes.set(n.id, n);
    if (n.redundant) this.redundantIds.add(n.id);
    for (const p of n.dependsOn) {
      const list = this.children.get(p) ?? [];
      list.push(n.id);
      this.children.set(p, list);
    }
    this.descendantCache = new Map();
    this.serviceTerminalCache = new Map();
    this.serviceList = undefined;
    this.servicesByTerminal = undefined;
  }

  node(id: string): TopoNode | undefined {
    return this.nodes.get(id);
  }

  /**
   * The node of an agent or of a check result about a node: declared in the file, adopted by a
   * match block, or standalone. Match blocks see the agent's labels, its role and its site.
   * A node not declared in the file is placed again whenever labels or a role arrive (metrics
   * can come before the birth that carries them; an agent may move a floor): facts without
   * them never undo a placement.
   */
  ensure(id: string, facts: AgentFacts = {}): TopoNode {
    const known = this.nodes.get(id);
    if (known && (known.origin === 'file' || (facts.labels === undefined && facts.role === undefined))) return known;
    const node = this.place(id, facts, known);
    if (!known) this.add(node);
    else if (!samePlace(known, node)) this.replace(known, node);
    else return known;
    return node;
  }

  private place(id: string, facts: AgentFacts, known: TopoNode | undefined): TopoNode {
    const role = facts.role ?? facts.labels?.role ?? known?.labels.role;
    const labels: Labels = { ...(facts.labels ?? {}), ...(role ? { role } : {}) };
    const site = facts.site ?? labels.site ?? known?.site ?? this.defaultSite;
    const match = this.matches.find((m) => m.matches({ ...labels, site, node: id }));
    const kind = match?.kind ?? ROLE_KIND[role ?? ''] ?? 'other';
    const building = match?.building ?? labels.building;
    const floor = match?.floor ?? labels.floor;
    const base = { id, kind, site, ...(building ? { building } : {}), ...(floor ? { floor } : {}), dependsOn: match?.dependsOn ?? [], origin: match ? ('match' as const) : ('agent' as const) };
    return { ...base, labels: nodeLabels({ ...base, labels: { ...labels, ...(match?.labels ?? {}) } }) };
  }

  /** Swaps an agent's node for its new placement; edges and every cache that saw the old one follow. */
  private replace(old: TopoNode, node: TopoNode): void {
    for (const p of old.dependsOn) {
      const list = (this.children.get(p) ?? []).filter((c) => c !== old.id);
      if (list.length > 0) this.children.set(p, list);
      else this.children.delete(p);
    }
    // Its descendants' ancestors change with it; re-placing is rare, so all of them go.
    this.ancestorCache.clear();
    this.add(node);
  }

  parents(id: string): readonly string[] {
    return this.nodes.get(id)?.dependsOn ?? [];
  }

  /** The nodes that depend on this one directly. */
  dependants(id: string): readonly string[] {
    return this.children.get(id) ?? [];
  }

  /** Every node upstream of this one (not including itself). */
  ancestors(id: string): ReadonlySet<string> {
    const cached = this.ancestorCache.get(id);
    if (cached) return cached;
    const out = new Set<string>();
    const stack = [...this.parents(id)];
    while (stack.length > 0) {
      const p = stack.pop() as string;
      if (out.has(p) || p === id) continue;
      out.add(p);
      stack.push(...this.parents(p));
    }
    this.ancestorCache.set(id, out);
    return out;
  }

  /** Every node downstream of this one (not including itself). */
  descendants(id: string): ReadonlySet<string> {
    const cached = this.descendantCache.get(id);
    if (cached) return cached;
    const out = new Set<string>();
    const stack = [...(this.children.get(id) ?? [])];
    while (stack.length > 0) {
      const c = stack.pop() as string;
      if (out.has(c) || c === id) continue;
      out.add(c);
      stack.push(...(this.children.get(c) ?? []));
    }
    this.descendantCache.set(id, out);
    return out;
  }

  /**
   * Down: failing itself, or what it needs is down (every parent of a redundant node, any parent
   * of another). A terminal behind a dead switch is down in this sense (unreachable).
   */
  isDown(id: string, failing: Failing, memo = new Map<string, boolean>()): boolean {
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, false); // a cycle (refused when loading) must not recurse forever
    const parents = this.parents(id);
    const node = this.nodes.get(id);
    const down = failing(id) || (node?.redundant ? parents.length > 0 && parents.every((p) => this.isDown(p, failing, memo)) : parents.some((p) => this.isDown(p, failing, memo)));
    memo.set(id, down);
    return down;
  }

  /** The redundant nodes among these. */
  private redundantIn(ids: ReadonlySet<string>): string[] {
    return [...this.redundantIds].filter((r) => ids.has(r));
  }

  /** Ancestors a failure can reach this node from: not past a redundant node that is still up. */
  liveAncestors(id: string, failing: Failing): ReadonlySet<string> {
    return this.live(id, this.ancestors(id), failing, (n) => this.parents(n));
  }

  /** Descendants a failure of this node reaches: not past a redundant node that is still up. */
  liveDescendants(id: string, failing: Failing): ReadonlySet<string> {
    return this.live(id, this.descendants(id), failing, (n) => this.children.get(n) ?? []);
  }

  /** Redundant nodes downstream of this one, standing or not. */
  redundantBelow(id: string): string[] {
    return this.redundantIds.size === 0 ? [] : this.redundantIn(this.descendants(id));
  }

  /** Redundant nodes downstream of this one that still stand: its failure is a degraded redundancy there. */
  standingBelow(id: string, failing: Failing): TopoNode[] {
    if (this.redundantIds.size === 0) return [];
    const memo = new Map<string, boolean>();
    return this.redundantBelow(id)
      .filter((r) => !this.isDown(r, failing, memo))
      .map((r) => this.nodes.get(r) as TopoNode);
  }

  /** What `next` reaches from a node, not past a redundant node that still stands. */
  private live(id: string, all: ReadonlySet<string>, failing: Failing, next: (n: string) => readonly string[]): ReadonlySet<string> {
    if (this.redundantIds.size === 0) return all;
    const memo = new Map<string, boolean>();
    const stops = new Set(this.redundantIn(all).filter((r) => !this.isDown(r, failing, memo)));
    if (stops.size === 0) return all;
    const out = new Set<string>();
    const stack = [...next(id)];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (out.has(n) || n === id) continue;
      out.add(n);
      if (!stops.has(n)) stack.push(...next(n));
    }
    return out;
  }

  /** The dependency path from a node up to one of its ancestors, for the evidence chain. */
  path(from: string, to: string): string[] {
    const prev = new Map<string, string>();
    const queue = [from];
    const seen = new Set([from]);
    while (queue.length > 0) {
      const cur = queue.shift() as string;
      if (cur === to) break;
      for (const p of this.parents(cur)) {
        if (seen.has(p)) continue;
        seen.add(p);
        prev.set(p, cur);
        queue.push(p);
      }
    }
    if (!seen.has(to)) return [from, to];
    const path = [to];
    while (path[0] !== from) path.unshift(prev.get(path[0] as string) as string);
    return path;
  }

  services(): readonly TopoNode[] {
    this.serviceList ??= [...this.nodes.values()].filter((n) => n.kind === 'service');
    return this.serviceList;
  }

  /** The services a terminal is a user of (the reverse of serviceTerminals). */
  servicesOf(terminal: string): readonly string[] {
    if (!this.servicesByTerminal) {
      const map = new Map<string, string[]>();
      for (const s of this.services()) for (const t of this.serviceTerminals(s)) map.set(t.id, [...(map.get(t.id) ?? []), s.id]);
      this.servicesByTerminal = map;
    }
    return this.servicesByTerminal.get(terminal) ?? [];
  }

  /** Terminals that use a service (its `terminals` selector over terminal nodes). */
  serviceTerminals(service: TopoNode): readonly TopoNode[] {
    const cached = this.serviceTerminalCache.get(service.id);
    if (cached) return cached;
    const select = service.terminals;
    const list = select ? [...this.nodes.values()].filter((n) => n.kind === 'terminal' && select(n.labels)) : [];
    this.serviceTerminalCache.set(service.id, list);
    return list;
  }

  /** Matches a selector against a node's labels (used by aggregate rules and silences). */
  select(selector: Predicate): TopoNode[] {
    return [...this.nodes.values()].filter((n) => selector(n.labels));
  }

  static compileMatch(spec: { match: Record<string, unknown>; kind?: NodeKind; building?: string; floor?: string; labels?: Labels; depends_on?: string[] }): MatchRule {
    return {
      matches: compileSelector(spec.match as never),
      ...(spec.kind ? { kind: spec.kind } : {}),
      ...(spec.building ? { building: spec.building } : {}),
      ...(spec.floor ? { floor: spec.floor } : {}),
      labels: spec.labels ?? {},
      dependsOn: spec.depends_on ?? [],
    };
  }

  /**
   * The node a check target's host is: a declared address, else a node id equal to the host or
   * to its first DNS label (dns-01.hospital.local → dns-01). Addresses are declared in the file
   * only, so their index is built once, on first use.
   */
  nodeForAddress(host: string): string | undefined {
    const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    if (!h) return undefined;
    if (!this.addressIndex) {
      this.addressIndex = new Map();
      for (const n of this.nodes.values()) for (const a of n.addresses ?? []) if (!this.addressIndex.has(a)) this.addressIndex.set(a, n.id);
    }
    const declared = this.addressIndex.get(h);
    if (declared) return declared;
    if (this.nodes.has(h)) return h;
    // An IP address's first label ("10") is no node's name.
    const label = /^[0-9.]+$/.test(h) || h.includes(':') ? undefined : h.split('.')[0];
    return label && this.nodes.has(label) ? label : undefined;
  }
}
