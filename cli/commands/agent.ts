import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { action, guardProcess, processLogger, untilStopped } from '../shared/run.js';
import { terminalOut } from '../shared/output.js';

export function agentCommand(program: Command): void {
  program
    .command('agent')
    .description('run an agent: collect this host\'s metrics and publish them to the broker')
    .requiredOption('-c, --config <file>', 'agent config file (YAML)')
    .option('--check', 'validate the config file and exit')
    .option('--once', 'collect one snapshot, print it as JSON and exit; nothing is sent')
    .addHelpText(
      'after',
      `
Examples:
  $ wardwatch agent --config /etc/wardwatch/agent.yaml
  $ wardwatch agent --config agent.yaml --check
  $ wardwatch agent --config agent.yaml --once | head`,
    )
    .action(
      action(async (opts: { config: string; check?: boolean; once?: boolean }) => {
        // Loaded on use: an agent on a workstation should not carry the correlator's code.
        const { loadAgentConfig } = await import('../../agent/config/load.js');
        const { snapshotOnce, startAgent } = await import('../../agent/main.js');
        const loaded = loadAgentConfig(opts.config);
        if (!loaded.ok) throw UserError.fromFileErrors(`invalid agent config ${opts.config}`, loaded.errors);
        const config = loaded.config;
        const out = terminalOut();
        if (opts.check) {
          // Build the checks too: regular expressions, templates and cron expressions are
          // refused here rather than when the agent starts.
          const { silentLogger } = await import('../../common/log.js');
          const { prepareChecks } = await import('../../agent/main.js');
          const checks = await prepareChecks(config, silentLogger);
          await Promise.all(checks.map((c) => c.check.close?.()));
          out.line(`${opts.config}: OK (agent ${config.id}, site ${config.site}, role ${config.role}, every ${config.intervalMs / 1000}s, ${checks.length} check(s))`);
          return;
        }
        const log = processLogger(config.log.level, config.log.format);
        if (opts.once) {
          out.line(JSON.stringify(await snapshotOnce(config, log), null, 2));
          return;
        }
        guardProcess(log);
        const agent = await startAgent(config, log);
        await untilStopped();
        await agent.stop();
        process.exit(0);
      }),
    );
}
