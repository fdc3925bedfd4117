import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { agentConfigSchema } from '../../agent/config/schema.js';
import { correlatorConfigSchema } from '../../correlator/config/schema.js';
import { ruleFileSchema } from '../../correlator/rules/schema.js';
import { eventsSchema, metricsSchema, stateSchema } from '../../protocol/schema.js';
import { action } from '../run.js';
import { terminalOut } from '../output.js';

/** Every JSON Schema Wardwatch publishes, by name. */
export const SCHEMAS: Record<string, object> = {
  agent: agentConfigSchema,
  correlator: correlatorConfigSchema,
  rules: ruleFileSchema,
  metrics: metricsSchema,
  state: stateSchema,
  events: eventsSchema,
};

/** JSON Schema text as written to the repository: draft-07 header, two-space indent. */
export function schemaJson(name: string): string {
  const schema = SCHEMAS[name];
  if (!schema) throw new UserError(`unknown schema "${name}"; expected one of ${Object.keys(SCHEMAS).join(', ')}`);
  return JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema }, null, 2) + '\n';
}

export function schemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print a JSON Schema, for editors and for agents written in other languages')
    .argument('<name>', Object.keys(SCHEMAS).join(' | '))
    .addHelpText('after', '\nExamples:\n  $ wardwatch schema rules > rules/schema.json\n  $ wardwatch schema metrics')
    .action(
      action(async (name: string) => {
        terminalOut().line(schemaJson(name).trimEnd());
      }),
    );
}
