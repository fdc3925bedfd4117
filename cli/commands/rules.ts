import type { Command } from 'commander';
import { relative } from 'node:path';
import { SHIPPED_RULES } from '../../common/version.js';
import { action } from '../shared/run.js';
import { paint, table, terminalOut } from '../shared/output.js';

export function rulesCommand(program: Command): void {
  const rules = program.command('rules').description('check and list alert rules');
  rules
    .command('check')
    .description('validate rule files; prints file:line:column: message for every problem')
    .argument('[dir]', 'directory of *.rules.yaml (or *.rules.yml) files, or one rule file', SHIPPED_RULES)
    .option('-t, --topology <file>', 'also check the topology file, and that rules name only nodes it declares')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Exit status: 0 when every rule is valid, 1 otherwise.

Examples:
  $ wardwatch rules check
  $ wardwatch rules check /etc/wardwatch/rules --topology /etc/wardwatch/hospital.topology.yaml
  $ wardwatch rules check ./rules --json`,
    )
    .action(
      action(async (dir: string, opts: { json?: boolean; topology?: string }) => {
        const { formatError } = await import('../../common/yaml-file.js');
        const { checkRulesAgainstTopology } = await import('../../correlator/rule-tools/check.js');
        const out = terminalOut();
        const result = checkRulesAgainstTopology(dir, opts.topology);
        if (opts.json) {
          out.line(
            JSON.stringify(
              result.ok
                ? { ok: true, files: result.files.map((f) => relative(process.cwd(), f)), rules: result.ruleSet.rules.map((r) => ({ id: r.id, kind: r.kind, priority: r.priority, source: r.source })), ignored: result.ignored ?? [] }
                : { ok: false, files: result.files.map((f) => relative(process.cwd(), f)), errors: result.errors, ignored: result.ignored ?? [] },
              null,
              2,
            ),
          );
        } else if (result.ok) {
          for (const i of result.ignored ?? []) out.line(`ignored  ${i.file}: ${i.why}`);
          out.line(`${paint(out, 'green', 'OK')}  ${result.ruleSet.rules.length} rules in ${result.files.length} file(s)`);
        } else {
          for (const i of result.ignored ?? []) out.error(`ignored  ${i.file}: ${i.why}`);
          for (const e of result.errors) out.error(formatError(e));
          out.error(paint(out, 'red', `${result.errors.length} problem(s) in ${dir}`));
        }
        process.exitCode = result.ok ? 0 : 1;
      }),
    );
  rules
    .command('test')
    .description('run rule unit tests: series over time, expected alerts and incidents at given times')
    .argument('<files...>', 'rule test files (*.test.yaml)')
    .addHelpText(
      'after',
      `
A failing expectation prints what was expected and what the engine did. Exit status 1 on any
failure.

Examples:
  $ wardwatch rules test rules/tests/*.test.yaml
  $ wardwatch rules test my-rules.test.yaml`,
    )
    .action(
      action(async (files: string[]) => {
        const { formatError } = await import('../../common/yaml-file.js');
        const { runRuleTests } = await import('../../correlator/rule-tools/test-runner.js');
        const out = terminalOut();
        let failed = 0;
        let passed = 0;
        for (const file of files) {
          const result = runRuleTests(file);
          if (!result.ok) {
            for (const e of result.errors) out.error(formatError(e));
            failed++;
            continue;
          }
          for (const o of result.outcomes) {
            if (o.failures.length === 0) {
              passed++;
              out.line(`${paint(out, 'green', 'PASS')}  ${file}: ${o.name}`);
            } else {
              failed++;
              out.line(`${paint(out, 'red', 'FAIL')}  ${file}: ${o.name}`);
              for (const f of o.failures) out.line(`      ${f.startsWith('  - ') ? paint(out, 'red', f) : f.startsWith('  + ') ? paint(out, 'green', f) : f}`);
            }
          }
        }
        out.line(`${passed} passed, ${failed} failed`);
        process.exitCode = failed > 0 ? 1 : 0;
      }),
    );
  rules
    .command('list')
    .description('list the rules of a directory')
    .argument('[dir]', 'directory of *.rules.yaml files', SHIPPED_RULES)
    .option('--json', 'print as JSON')
    .action(
      action(async (dir: string, opts: { json?: boolean }) => {
        const { formatError } = await import('../../common/yaml-file.js');
        const { loadRules } = await import('../../correlator/rule-tools/load.js');
        const out = terminalOut();
        const result = loadRules(dir);
        if (!result.ok) {
          for (const e of result.errors) out.error(formatError(e));
          process.exitCode = 1;
          return;
        }
        const list = result.ruleSet.rules.map((r) => ({ id: r.id, kind: r.kind, priority: r.priority, title: r.title, source: r.source }));
        if (opts.json) out.line(JSON.stringify(list, null, 2));
        else for (const l of table(['RULE', 'KIND', 'PRI', 'TITLE', 'SOURCE'], list.map((r) => [r.id, r.kind, r.priority, r.title, r.source]))) out.line(l);
      }),
    );
}
