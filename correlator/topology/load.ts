// Topology file → Topology. Checks what a person can get wrong, with file:line: duplicate ids,
// references to nodes that do not exist, dependency cycles, peaks naming unknown services, a
// time zone the runtime does not know.

import { relative } from 'node:path';
import { loadYamlFile, type FileError, type SourceFile } from '../../common/yaml-file.js';
import { compileSelector } from './selector.js';
import { topologyFileSchema, type MatchSpec, type NodeSpec, type PeakSpec, type TopologyFile } from './schema.js';
import { nodeLabels, Topology, type Peak, type TopoNode } from './topology.js';

const RANGE = /\(([0-9]+)\.\.([0-9]+)\)/;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** "ws-(01..03)" → ["ws-01", "ws-02", "ws-03"]; ids without a range come back alone. */
export function expandRange(pattern: string): string[] {
  const m = RANGE.exec(pattern);
  if (!m) return [pattern];
  const [whole, a = '', b = ''] = m;
  const from = Number(a);
  const to = Number(b);
  const width = a.length > 1 && a.startsWith('0') ? a.length : 0;
  const out: string[] = [];
  for (let i = from; from <= to ? i <= to : i >= to; i += from <= to ? 1 : -1) {
    out.push(pattern.replace(whole, String(i).padStart(width, '0')));
    if (out.length > 100_000) break;
  }
  return out;
}

function minutes(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

export type TopologyResult = { ok: true; topology: Topology } | { ok: false; errors: FileError[] };

export function buildTopology(file: TopologyFile, source?: SourceFile): TopologyResult {
  const errors: FileError[] = [];
  const err = (path: (string | number)[], message: string) => {
    if (source) errors.push(source.error(path, message));
    else errors.push({ file: '<topology>', line: 1, col: 1, path: path.join('.'), message });
  };
  const site = file.site ?? 'main';
  const nodes: TopoNode[] = [];
  const where = new Map<string, number>();
  const matches: MatchSpec[] = [];
  const addressOwner = new Map<string, string>();
  const entries = (file.nodes ?? []) as Array<NodeSpec | MatchSpec>;
  entries.forEach((entry, i) => {
    if ('match' in entry) {
      if ((entry as MatchSpec).redundant !== undefined || (entry as MatchSpec).degraded !== undefined) err(['nodes', i, 'redundant' in entry ? 'redundant' : 'degraded'], 'redundant and degraded belong on a declared node (with id), not on a match block');
      matches.push(entry as MatchSpec);
      return;
    }
    const spec = entry as NodeSpec;
    const ids = expandRange(spec.id);
    const deps = (spec.depends_on ?? []).map(expandRange);
    if (spec.redundant && (spec.depends_on ?? []).length < 2) err(['nodes', i, 'redundant'], `a redundant node stands on two or more others; "${spec.id}" depends on ${(spec.depends_on ?? []).length}`);
    if (spec.degraded && !spec.redundant) err(['nodes', i, 'degraded'], 'degraded is the priority of a redundant node running on part of its depends_on; set redundant: true or remove it');
    deps.forEach((d, j) => {
      if (d.length > 1 && d.length !== ids.length) err(['nodes', i, 'depends_on', j], `range of ${d.length} nodes cannot pair with ${ids.length} nodes of "${spec.id}"`);
    });
    const addresses = (spec.addresses ?? []).map((a) => a.toLowerCase().replace(/\.$/, ''));
    if (addresses.length > 0 && ids.length > 1) err(['nodes', i, 'addresses'], `addresses name one node; "${spec.id}" is a range of ${ids.length}`);
    addresses.forEach((a, j) => {
      const owner = addressOwner.get(a);
      if (owner !== undefined && owner !== spec.id) err(['nodes', i, 'addresses', j], `address "${a}" is already node "${owner}"'s`);
      else addressOwner.set(a, spec.id);
    });
    ids.forEach((id, k) => {
      if (where.has(id)) err(['nodes', i, 'id'], `duplicate node "${id}"; first declared in nodes[${where.get(id)}]`);
      else where.set(id, i);
      const dependsOn = deps.map((d) => (d.length > 1 ? (d[k] as string) : (d[0] as string)));
      const base = {
        id,
        kind: spec.kind,
        site: spec.site ?? site,
        ...(spec.name ? { name: spec.name } : {}),
        ...(spec.building ? { building: spec.building } : {}),
        ...(spec.floor ? { floor: spec.floor } : {}),
        dependsOn,
        ...(spec.criticality ? { criticality: spec.criticality } : {}),
        ...(spec.terminals ? { terminals: compileSelector(spec.terminals) } : {}),
        ...(spec.redundant ? { redundant: true, degraded: spec.degraded ?? 'P3' } : {}),
        ...(addresses.length > 0 && ids.length === 1 ? { addresses } : {}),
        origin: 'file' as const,
      };
      nodes.push({ ...base, labels: nodeLabels({ ...base, labels: spec.labels ?? {} }) });
    });
  });
  const known = new Set(nodes.map((n) => n.id));
  const nodeIndex = new Map<string, TopoNode>();
  for (const n of nodes) if (!nodeIndex.has(n.id)) nodeIndex.set(n.id, n);
  entries.forEach((entry, i) => {
    for (const [j, dep] of (entry.depends_on ?? []).entries()) {
      for (const d of expandRange(dep)) if (!known.has(d)) err(['nodes', i, 'depends_on', j], `unknown node "${d}"`);
    }
  });
  // Cycles: a node may not (indirectly) depend on itself.
  const state = new Map<string, 1 | 2>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      err(['nodes', where.get(id) ?? 0, 'depends_on'], `dependency cycle: ${cycle.join(' → ')}`);
      return;
    }
    state.set(id, 1);
    for (const p of nodeIndex.get(id)?.dependsOn ?? []) if (known.has(p)) visit(p, [...trail, id]);
    state.set(id, 2);
  };
  for (const n of nodes) visit(n.id, []);

  const services = new Set(nodes.filter((n) => n.kind === 'service').map((n) => n.id));
  const peaks: Peak[] = (file.peaks ?? []).map((p: PeakSpec, i) => {
    for (const [j, s] of (p.services ?? []).entries()) if (!services.has(s)) err(['peaks', i, 'services', j], `"${s}" is not a node of kind service`);
    return {
      name: p.name,
      days: new Set((p.days ?? DAYS).map((d) => DAYS.indexOf(d))),
      fromMin: minutes(p.from),
      toMin: minutes(p.to),
      ...(p.services ? { services: new Set(p.services) } : {}),
    };
  });
  const timezone = file.timezone ?? 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    err(['timezone'], `unknown time zone "${timezone}"; expected an IANA name like "Asia/Shanghai"`);
  }
  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => a.line - b.line || a.col - b.col) };
  return { ok: true, topology: new Topology(nodes, matches.map((m) => Topology.compileMatch(m as never)), peaks, timezone, site) };
}

export function loadTopology(path: string, displayBase = process.cwd()): TopologyResult {
  const loaded = loadYamlFile<TopologyFile>(path, topologyFileSchema, { displayName: relative(displayBase, path) || path });
  if (!loaded.ok) return loaded;
  return buildTopology(loaded.value, loaded.source);
}
