import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../common/errors.js';
import { incidentRef } from '../../correlator/correlate/incident.js';
import type { SqliteStore } from '../../correlator/store/sqlite.js';
import { ticketRef } from '../../correlator/ticket/ticket.js';
import { action } from '../shared/run.js';
import { dateTime, paint, priorityColour, table, terminalOut } from '../shared/output.js';

export const DEFAULT_STORE = './wardwatch-data/wardwatch.db';

export async function openStoreReadonly(path: string): Promise<SqliteStore> {
  const full = resolve(path);
  if (!existsSync(full)) throw new UserError(`no store at ${full}`, ['start one with `wardwatch up`, or pass --store <path>']);
  const { SqliteStore } = await import('../../correlator/store/sqlite.js');
  return new SqliteStore(full, { readonly: true });
}


export function incidentsCommand(program: Command): void {
  const incidents = program.command('incidents').description('incidents and their tickets');
  incidents
    .command('list')
    .description('list incidents from the store, newest first')
    .option('--store <path>', 'SQLite store of the correlator', DEFAULT_STORE)
    .option('--state <state>', 'open, resolved or all', 'all')
    .option('-n, --limit <n>', 'at most this many', '50')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ wardwatch incidents list
  $ wardwatch incidents list --state open --json
  $ wardwatch incidents list --store /var/lib/wardwatch/wardwatch.db`,
    )
    .action(
      action(async (opts: { store: string; state: string; limit: string; json?: boolean }) => {
        if (!['open', 'resolved', 'all'].includes(opts.state)) throw new UserError(`--state: expected open, resolved or all, got "${opts.state}"`);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit: expected a positive whole number, got "${opts.limit}"`);
        const store = await openStoreReadonly(opts.store);
        const list = await store.listIncidents({ state: opts.state as 'open' | 'resolved' | 'all', limit });
        await store.close();
        const out = terminalOut();
        if (opts.json) {
          // The same view of an incident as the API's.
          const { incidentView } = await import('../../correlator/api/views.js');
          out.line(JSON.stringify(list.map(incidentView), null, 2));
          return;
        }
        if (list.length === 0) {
          out.line('no incidents');
          return;
        }
        const rows = list.map(({ incident: i, ticket }) => [
          incidentRef(i.id),
          paint(out, priorityColour(i.priority), i.priority),
          i.state === 'open' ? paint(out, 'red', 'open') : paint(out, 'green', 'resolved'),
          dateTime(i.openedAt),
          i.root,
          ticket ? `${ticketRef(ticket.id)} ${ticket.state}` : '-',
          `${i.title}${i.alerts.length > 1 ? ` (+${i.alerts.length - 1})` : ''}`,
        ]);
        for (const l of table(['INCIDENT', 'PRI', 'STATE', 'OPENED', 'ROOT', 'TICKET', 'TITLE'], rows)) out.line(l);
      }),
    );
}
