import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { action } from '../shared/run.js';
import { terminalOut } from '../shared/output.js';

/** Every JSON Schema Wardwatch publishes, by name. */
export const SCHEMA_NAMES = ['agent', 'correlator', 'rules', 'topology', 'rule-test', 'metrics', 'state', 'events'] as const;

async function schemaFor(name: string): Promise<object | undefined> {
  switch (name) {
    case 'agent':
      return (await import('../../agent/config/schema.js')).agentConfigSchema;
    case 'correlator':
      return (await import('../../correlator/config/schema.js')).correlatorConfigSchema;
    case 'rules':
      return (await import('../../correlator/rules/schema.js')).ruleFileSchema;
    case 'topology':
      return (await import('../../correlator/topology/schema.js')).topologyFileSchema;
    case 'rule-test':
      return (await import('../../correlator/rule-tools/test-schema.js')).ruleTestSchema;
    case 'metrics':
      return (await import('../../protocol/schema.js')).metricsSchema;
    case 'state':
      return (await import('../../protocol/schema.js')).stateSchema;
    case 'events':
      return (await import('../../protocol/schema.js')).eventsSchema;
    default:
      return undefined;
  }
}

/** JSON Schema text as written to the repository: draft-07 header, two-space indent. */
export async function schemaJson(name: string): Promise<string> {
  const schema = await schemaFor(name);
  if (!schema) throw new UserError(`unknown schema "${name}"; expected one of ${SCHEMA_NAMES.join(', ')}`);
  return JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema }, null, 2) + '\n';
}

export function schemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print a JSON Schema, for editors and for agents written in other languages')
    .argument('<name>', SCHEMA_NAMES.join(' | '))
    .addHelpText('after', '\nExamples:\n  $ wardwatch schema rules > rules/schema.json\n  $ wardwatch schema metrics')
    .action(
      action(async (name: string) => {
        terminalOut().line((await schemaJson(name)).trimEnd());
      }),
    );
}
