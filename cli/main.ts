#!/usr/bin/env node
// The one command: wardwatch <agent|correlator|up|rules|incidents> …

import { Command } from 'commander';
import { VERSION } from '../common/version.js';
import { agentCommand } from './commands/agent.js';
import { correlatorCommand } from './commands/correlator.js';
import { enrollCommand } from './commands/enroll.js';
import { incidentsCommand } from './commands/incidents.js';
import { rulesCommand } from './commands/rules.js';
import { schemaCommand } from './commands/schema.js';
import { replayCommand } from './commands/replay.js';
import { upCommand } from './commands/up.js';
import { ticketsCommand } from './commands/tickets.js';
import { silencesCommand } from './commands/silences.js';
import { drillCommand } from './commands/drill.js';
import { tokenCommand } from './commands/token.js';
import { fail } from './shared/run.js';

const program = new Command('wardwatch')
  .description('Monitoring for hospital IT: agents → MQTT → correlator → one incident, one ticket per root cause.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Examples:
  $ wardwatch up                                   # everything embedded, for a first look
  $ wardwatch agent --config agent.yaml            # run an agent
  $ wardwatch correlator --config correlator.yaml  # run the correlator
  $ wardwatch rules check rules/                   # validate rule files
  $ wardwatch incidents list --json                # incidents and tickets from the store
  $ wardwatch tickets list                         # tickets through the correlator API
  $ wardwatch drill database-down --config correlator.yaml   # a fault drill`,
  );

upCommand(program);
agentCommand(program);
correlatorCommand(program);
rulesCommand(program);
incidentsCommand(program);
schemaCommand(program);
replayCommand(program);
enrollCommand(program);
ticketsCommand(program);
silencesCommand(program);
drillCommand(program);
tokenCommand(program);

program.parseAsync(process.argv).catch(fail);
