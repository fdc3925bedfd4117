// `wardwatch rules check`: the rules of a directory with the runbooks they name, and with a
// topology, the nodes they name.

import { relative } from 'node:path';
import type { FileError } from '../../common/yaml-file.js';
import { loadTopology } from '../topology/load.js';
import { loadRules, type RuleSetResult } from './load.js';

export function checkRulesAgainstTopology(dir: string, topologyPath?: string, displayBase = process.cwd()): RuleSetResult {
  const rules = loadRules(dir, { displayBase, runbooksIn: dir });
  if (!topologyPath) return rules;
  const topology = loadTopology(topologyPath, displayBase);
  const errors: FileError[] = [...(rules.ok ? [] : rules.errors), ...(topology.ok ? [] : topology.errors)];
  if (rules.ok && topology.ok) {
    for (const rule of rules.ruleSet.rules) {
      if (rule.kind !== 'aggregate' || topology.topology.node(rule.node)) continue;
      const [file = relative(displayBase, dir), line = '1'] = rule.source.split(':');
      errors.push({ file, line: Number(line), col: 1, path: `${rule.id}.node`, message: `node "${rule.node}" is not in ${relative(displayBase, topologyPath) || topologyPath}` });
    }
  }
  return errors.length > 0 ? { ok: false, errors, files: rules.files } : rules;
}
