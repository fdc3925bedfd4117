// `wardwatch up`: everything on one machine for a first look, with nothing to install: an
// embedded broker on loopback, the correlator with its SQLite store, and one agent watching
// this host. Incidents are printed as they open and resolve.

import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../common/errors.js';
import { formatDuration, parseDuration } from '../../common/duration.js';
import { SHIPPED_RULES } from '../../common/version.js';
import type { EmbeddedBroker } from '../up/broker.js';
import { action, guardProcess, processLogger, untilStopped } from '../shared/run.js';
import { paint, terminalOut } from '../shared/output.js';

interface UpOptions {
  port: string;
  broker?: string;
  data: string;
  rules?: string;
  topology?: string;
  interval: string;
  site: string;
}

export function upCommand(program: Command): void {
  program
    .command('up')
    .description('run everything on this machine: embedded broker, correlator and an agent for this host')
    .option('-p, --port <port>', 'port of the embedded MQTT broker (127.0.0.1 only)', '1883')
    .option('-b, --broker <url>', 'use this MQTT broker instead of the embedded one (MQTT 5)')
    .option('-d, --data <dir>', 'where the store and the agent spool live', './wardwatch-data')
    .option('-r, --rules <dir>', 'rules directory (default: the rules shipped with Wardwatch)')
    .option('-t, --topology <file>', 'topology file: what depends on what')
    .option('-i, --interval <duration>', 'collection interval of the local agent', '15s')
    .option('-s, --site <name>', 'site name of the local agent', 'main')
    .addHelpText(
      'after',
      `
Examples:
  $ wardwatch up
  $ wardwatch up --port 11883 --interval 5s
  $ wardwatch up --topology rules/examples/hospital.topology.yaml
  $ wardwatch up --broker mqtt://127.0.0.1:1883 --data /var/lib/wardwatch
Then, in another terminal:
  $ wardwatch incidents list`,
    )
    .action(action(async (opts: UpOptions) => up(opts)));
}

async function up(opts: UpOptions): Promise<void> {
  const out = terminalOut();
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port: expected a port number, got "${opts.port}"`);
  if (parseDuration(opts.interval) === undefined) throw new UserError(`--interval: expected a duration like "15s", got "${opts.interval}"`);
  const dataDir = resolve(opts.data);
  mkdirSync(dataDir, { recursive: true });
  const log = processLogger();
  guardProcess(log);
  const { startEmbeddedBroker } = await import('../up/broker.js');
  const { resolveAgentConfig } = await import('../../agent/config/load.js');
  const { startAgent } = await import('../../agent/main.js');
  const { resolveCorrelatorConfig } = await import('../../correlator/config/load.js');
  const { startCorrelator } = await import('../../correlator/main.js');
  const { consolePrinter } = await import('./printer.js');

  let broker: EmbeddedBroker | undefined;
  let url = opts.broker;
  if (!url) {
    broker = await startEmbeddedBroker(port);
    url = broker.url;
    if (broker.fallbackFrom !== undefined) {
      out.line(paint(out, 'yellow', `port ${broker.fallbackFrom} is already in use (another MQTT broker?); the embedded broker took port ${broker.port}`));
    }
  }
  const protocol = broker ? ('mqtt3.1.1' as const) : ('mqtt5' as const);
  const correlatorConfig = resolveCorrelatorConfig(
    { broker: { url, protocol }, store: { sqlite: `${dataDir}/wardwatch.db` }, ...(opts.rules ? { rules: resolve(opts.rules) } : {}), ...(opts.topology ? { topology: resolve(opts.topology) } : {}) },
    dataDir,
  );
  const correlator = await startCorrelator(correlatorConfig, log.child({ part: 'correlator' }), { sinks: [consolePrinter(out)] });
  const agentConfig = resolveAgentConfig(
    { agent: { site: opts.site, role: 'server' }, broker: { url, protocol }, interval: opts.interval, data_dir: `${dataDir}/agent` },
    dataDir,
  );
  const agent = await startAgent(agentConfig, log.child({ part: 'agent' }));

  out.line('');
  out.line(paint(out, 'bold', 'Wardwatch is up'));
  out.line(`  broker      ${url}${broker ? ' (embedded, loopback only)' : ''}`);
  out.line(`  store       ${correlatorConfig.store.sqlite}`);
  out.line(`  rules       ${correlator.engine.rules.rules.length} from ${opts.rules ? resolve(opts.rules) : SHIPPED_RULES}`);
  out.line(`  agent       ${agentConfig.id} (site ${agentConfig.site}, every ${opts.interval})`);
  out.line(`  incidents   printed below; also: wardwatch incidents list --store ${correlatorConfig.store.sqlite}`);
  // Otherwise a first run looks broken: a fault seen at once is not printed for a while.
  const settle = formatDuration(correlatorConfig.correlation.settleMs);
  out.line(`  settling    none opens in the first ${settle}; an alert that may be a symptom waits ${settle} for its root cause`);
  out.line(paint(out, 'dim', '  Ctrl-C to stop'));
  out.line('');

  const signal = await untilStopped();
  log.info('stopping', { signal });
  // The correlator goes first: a local agent saying goodbye is not an incident worth printing.
  await correlator.stop();
  await agent.stop();
  await broker?.close();
  process.exit(0);
}
