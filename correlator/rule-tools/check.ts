// `wardwatch rules check`: the rules of a directory with the runbooks they name, and with a
// topology, the nodes they name.

import { statSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { FileError } from '../../common/yaml-file.js';
import { loadTopology } from '../topology/load.js';
import { loadRules, type RuleSetResult } from './load.js';

export function checkRulesAgainstTopology(dir: string, topologyPath?: string, displayBase = process.cwd()): RuleSetResult {
  let runbooksIn = dir;
  try {
    if (!statSync(dir).isDirectory()) runbooksIn = dirname(dir);
  } catch {
    // loadRules says what is wrong with the path
  }
  const loaded = loadRules(dir, { displayBase, runbooksIn });
  // A directory with no rules in it is a mistake (a wrong path, files under other names), not a
  // rule set that alerts on nothing.
  const rules: RuleSetResult =
    loaded.ok && loaded.files.length === 0
      ? { ok: false, files: [], errors: [{ file: relative(displayBase, dir) || dir, line: 1, col: 1, path: '', message: `no rule files here (rule files end in .rules.yaml or .rules.yml)${loaded.ignored ? `; ignored: ${loaded.ignored.map((i) => i.file).join(', ')}` : ''}` }], ...(loaded.ignored ? { ignored: loaded.ignored } : {}) }
      : loaded;
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
  return errors.length > 0 ? { ok: false, errors, files: rules.files, ...(rules.ignored ? { ignored: rules.ignored } : {}) } : rules;
}
