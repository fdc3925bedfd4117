import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { action, guardProcess, processLogger, untilStopped } from '../shared/run.js';
import { terminalOut } from '../shared/output.js';

export function correlatorCommand(program: Command): void {
  program
    .command('correlator')
    .description('run the correlator: rules, incidents and tickets from what the agents publish')
    .requiredOption('-c, --config <file>', 'correlator config file (YAML)')
    .option('--check', 'validate the config file and its rules, then exit')
    .option('--print', 'print incidents as they open and resolve')
    .addHelpText(
      'after',
      `
Signals:
  SIGHUP reloads the rules; a rule set with errors is rejected and the running rules stay.

Examples:
  $ wardwatch correlator --config /etc/wardwatch/correlator.yaml
  $ wardwatch correlator --config correlator.yaml --check
  $ systemctl reload wardwatch-correlator   # reload rules, as a service
  $ pkill -HUP -f 'correlator --config'    # reload rules, started by hand (the process is node)`,
    )
    .action(
      action(async (opts: { config: string; check?: boolean; print?: boolean }) => {
        const { loadCorrelatorConfig } = await import('../../correlator/config/load.js');
        const { loadRules } = await import('../../correlator/rule-tools/load.js');
        const loaded = loadCorrelatorConfig(opts.config);
        if (!loaded.ok) throw UserError.fromFileErrors(`invalid correlator config ${opts.config}`, loaded.errors);
        const config = loaded.config;
        if (opts.check) {
          const rules = loadRules(config.rulesDir, { runbooksIn: config.rulesDir });
          if (!rules.ok) throw UserError.fromFileErrors(`rules in ${config.rulesDir} have errors`, rules.errors);
          terminalOut().line(`${opts.config}: OK (${rules.ruleSet.rules.length} rules from ${config.rulesDir}, store ${config.store.sqlite})`);
          return;
        }
        const log = processLogger(config.log.level, config.log.format);
        guardProcess(log);
        const { startCorrelator } = await import('../../correlator/main.js');
        const { consolePrinter } = await import('./printer.js');
        const correlator = await startCorrelator(config, log, { sinks: opts.print ? [consolePrinter(terminalOut())] : [] });
        const onHup = () => void correlator.reloadRules();
        process.on('SIGHUP', onHup);
        await untilStopped();
        process.off('SIGHUP', onHup);
        await correlator.stop();
        process.exit(0);
      }),
    );
}
