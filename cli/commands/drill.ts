// `wardwatch drill <scenario>`: a fault drill through the real pipeline, marked as a drill end
// to end, with the response chain printed at the end.

import type { Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors.js';
import { parseDuration } from '../../common/duration.js';
import { SHIPPED_RULES } from '../../common/version.js';
import { action } from '../shared/run.js';
import { terminalOut } from '../shared/output.js';
import { withApiOptions, type ApiOptions } from '../shared/api-client.js';

interface DrillOptions extends ApiOptions {
  config?: string;
  broker?: string;
  dir?: string;
  page?: boolean;
  wait: string;
  hold: string;
  json?: boolean;
}

function scenarioPath(name: string, dir: string): string {
  if (existsSync(name)) return resolve(name);
  const file = join(dir, `${name}.yaml`);
  if (existsSync(file)) return file;
  const known = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)) : [];
  throw new UserError(`no drill scenario "${name}"`, [`known in ${dir}: ${known.join(', ') || '(none)'}`]);
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function drillCommand(program: Command): void {
  withApiOptions(
    program
      .command('drill')
      .description('run a fault drill through the real pipeline and print the response chain')
      .argument('<scenario>', 'a scenario name from rules/drills/ or a path to a scenario file'),
  )
    .option('-c, --config <file>', 'correlator config: its broker is where the drill publishes')
    .option('-b, --broker <url>', 'MQTT broker, instead of --config')
    .option('--dir <dir>', 'where scenarios live', join(SHIPPED_RULES, 'drills'))
    .option('--page', 'let the drill page the real routes (only if the correlator config allows it)')
    .option('--wait <duration>', 'how long to wait for each part of the chain', '60s')
    .option('--hold <duration>', 'keep the fault this long after the first notification (to see escalation)', '0s')
    .option('--json', 'print the chain as JSON')
    .addHelpText(
      'after',
      `
Drill messages carry the label drill=<id> end to end; notifications go to the drill channel
(notify.drill.channels) or are recorded only, unless --page and notify.drill.allow_page.
Simulated agents are named drill-*: give the drill's broker user an ACL for those only.

Examples:
  $ wardwatch drill insurance-interface-down --config /etc/wardwatch/correlator.yaml
  $ wardwatch drill database-down --broker mqtt://127.0.0.1:1883 --hold 20m
  $ wardwatch drill ./my-scenario.yaml --config correlator.yaml --json`,
    )
    .action(
      action(async (name: string, opts: DrillOptions) => {
        const waitMs = parseDuration(opts.wait);
        const holdMs = parseDuration(opts.hold);
        if (waitMs === undefined) throw new UserError(`--wait: expected a duration like "60s", got "${opts.wait}"`);
        if (holdMs === undefined) throw new UserError(`--hold: expected a duration like "10m", got "${opts.hold}"`);
        const { loadScenario } = await import('../drill/scenario.js');
        const loaded = loadScenario(scenarioPath(name, opts.dir ?? join(SHIPPED_RULES, 'drills')));
        if (!loaded.ok) throw UserError.fromFileErrors(`drill scenario ${name} has errors`, loaded.errors);
        let broker: { url: string; username?: string; password?: string; protocolVersion: 4 | 5 };
        if (opts.broker) broker = { url: opts.broker, protocolVersion: 5 };
        else if (opts.config) {
          const { loadCorrelatorConfig } = await import('../../correlator/config/load.js');
          const c = loadCorrelatorConfig(opts.config);
          if (!c.ok) throw UserError.fromFileErrors(`invalid correlator config ${opts.config}`, c.errors);
          const b = c.config.broker;
          broker = { url: b.url, protocolVersion: b.protocolVersion, ...(b.username ? { username: b.username } : {}), ...(b.password ? { password: b.password } : {}) };
          if (!opts.api && c.config.tickets.api) opts.api = `http://${c.config.tickets.api.host}:${c.config.tickets.api.port}`;
        } else throw new UserError('give --config <correlator.yaml> or --broker <url>');
        const drillId = `${loaded.scenario.name}-${stamp()}`;
        const { runDrill } = await import('../drill/run.js');
        const { assess } = await import('../drill/watch.js');
        const { drillReport } = await import('../drill/report.js');
        const chain = await runDrill({ scenario: loaded.scenario, drillId, broker, api: opts, page: opts.page ?? false, waitMs, holdMs, progress: (l) => process.stderr.write(`${l}\n`) });
        const verdict = assess(chain, loaded.scenario.expect ?? {});
        const out = terminalOut();
        if (opts.json) out.line(JSON.stringify({ drill: drillId, scenario: loaded.scenario.name, ...chain, verdict }, null, 2));
        else for (const l of drillReport(drillId, loaded.scenario.title, chain, verdict)) out.line(l);
        if (!verdict.ok) process.exitCode = 1;
      }),
    );
}
