// Which collectors run, from the config and the role. Terminals (workstations and kiosks) get
// the light profile: no per-interface traffic, since "is it the network or the server" is
// answered on a terminal by reachability checks, not by its own byte counters.

import type { Role } from '../../protocol/schema.js';
import { agentSelfCollector } from './agent-self.js';
import type { Collector } from './collector.js';
import { cpuCollector } from './cpu.js';
import { filesystemCollector } from './filesystem.js';
import { memoryCollector } from './memory.js';
import { networkCollector } from './network.js';
import { systemCollector } from './system.js';
import { textfileCollector, type TextfileProblem } from './textfile.js';

export interface RegistryHooks {
  lastCollectMs: () => number | undefined;
  onTextfileProblem?: (p: TextfileProblem) => void;
}

/** The config's `collect` section as the agent runs it. */
export interface CollectSettings {
  excludeFsTypes: readonly string[];
  excludeMounts: readonly string[];
  includeTmpfs: boolean;
  excludeInterfaces: readonly string[];
  textfileDir?: string;
}

export function createCollectors(config: { role: Role; collect: CollectSettings }, hooks: RegistryHooks): Collector[] {
  const c = config.collect;
  const collectors: Collector[] = [
    cpuCollector(),
    memoryCollector(),
    filesystemCollector({ excludeFsTypes: c.excludeFsTypes, excludeMounts: c.excludeMounts, includeTmpfs: c.includeTmpfs }),
    systemCollector(),
    agentSelfCollector(hooks.lastCollectMs),
  ];
  if (config.role !== 'terminal') collectors.push(networkCollector({ exclude: c.excludeInterfaces }));
  if (c.textfileDir) collectors.push(textfileCollector(c.textfileDir, hooks.onTextfileProblem));
  return collectors;
}
