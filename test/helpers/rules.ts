import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatError } from '../../common/yaml-file.js';
import type { RuleSet } from '../../correlator/rules/compile.js';
import { loadRuleFiles } from '../../correlator/rule-tools/load.js';

/** Compiles rule YAML through the same loader as rule files; throws with the messages if invalid. */
export function rulesFrom(yaml: string): RuleSet {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-rules-'));
  try {
    const path = join(dir, 'test.rules.yaml');
    writeFileSync(path, yaml);
    const r = loadRuleFiles([path], dir);
    if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
    return r.ruleSet;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const CPU_RULE = `
  - id: cpu-high
    kind: threshold
    title: "CPU above 90% on {node} ({value}%)"
    priority: P3
    metric: cpu.usage_percent
    op: ">"
    value: 90
    clear: 80
    for: 3
`;

export const OFFLINE_RULE = `
  - id: server-offline
    kind: offline
    title: "Server {node} is not reporting"
    priority: P2
    where: { role: server }
    after: 3
`;

import { parseYaml } from '../../common/yaml-file.js';
import { buildTopology } from '../../correlator/topology/load.js';
import { topologyFileSchema, type TopologyFile } from '../../correlator/topology/schema.js';
import type { Topology } from '../../correlator/topology/topology.js';

/** A topology from YAML text, through the same validation as topology files. */
export function topologyFrom(yaml: string): Topology {
  const parsed = parseYaml<TopologyFile>(yaml, topologyFileSchema, { displayName: 'test.topology.yaml' });
  if (!parsed.ok) throw new Error(parsed.errors.map(formatError).join('\n'));
  const built = buildTopology(parsed.value, parsed.source);
  if (!built.ok) throw new Error(built.errors.map(formatError).join('\n'));
  return built.topology;
}
