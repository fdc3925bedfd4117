// `wardwatch tickets list|show|ack|handover|note|resolve`: tickets through the correlator's API.

import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { action } from '../shared/run.js';
import { dateTime, paint, priorityColour, table, terminalOut } from '../shared/output.js';
import { apiCall, withApiOptions, type ApiOptions } from '../shared/api-client.js';

const STATES = ['open', 'acknowledged', 'resolved', 'closed', 'active', 'all'];

function ref(text: string): string {
  if (!/^(T-)?[1-9][0-9]*$/i.test(text)) throw new UserError(`expected a ticket like "T-12" or "12", got "${text}"`);
  return text.toUpperCase().startsWith('T-') ? text.toUpperCase() : `T-${text}`;
}

const when = (iso: string | null) => (iso ? dateTime(Date.parse(iso)) : '-');

interface TicketJson {
  ref: string;
  priority: string;
  state: string;
  owner: string | null;
  openedAt: string;
  responseDueAt: string | null;
  nextEscalationAt: string | null;
  title: string;
  drill: string | null;
}

function printEntry(r: { ticket: TicketJson; entry: { actor: string; action: string; detail: string } }): void {
  const out = terminalOut();
  out.line(`${r.ticket.ref} ${r.entry.action} by ${r.entry.actor}: ${r.entry.detail}`);
  out.line(`  state ${r.ticket.state}, owner ${r.ticket.owner ?? '-'}`);
}

export function ticketsCommand(program: Command): void {
  const tickets = program
    .command('tickets')
    .description('tickets: list, show, acknowledge, hand over, note, resolve (through the correlator API)')
    .addHelpText(
      'after',
      `
The API and token come from --api / --token-file or $WARDWATCH_API / $WARDWATCH_TOKEN.

Examples:
  $ export WARDWATCH_TOKEN=$(cat ~/.wardwatch-token)
  $ wardwatch tickets list --state active
  $ wardwatch tickets show T-12
  $ wardwatch tickets ack T-12 --note "on my way to the server room"
  $ wardwatch tickets handover T-12 --to li.na --note "database team"
  $ wardwatch tickets resolve T-12 --note "cleared archive logs, switched back to primary"`,
    );

  withApiOptions(tickets.command('list').description('tickets, newest first'))
    .option('--state <state>', STATES.join(', '), 'active')
    .option('-n, --limit <n>', 'at most this many', '50')
    .option('--before <ticket>', 'only tickets older than this one: the next page')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  $ wardwatch tickets list\n  $ wardwatch tickets list --state all --json\n  $ wardwatch tickets list --state all --before T-120')
    .action(
      action(async (opts: ApiOptions & { state: string; limit: string; before?: string; json?: boolean }) => {
        if (!STATES.includes(opts.state)) throw new UserError(`--state: expected one of ${STATES.join(', ')}, got "${opts.state}"`);
        const before = opts.before !== undefined ? `&before=${encodeURIComponent(opts.before)}` : '';
        const r = await apiCall<{ tickets: TicketJson[] }>(opts, 'GET', `/api/v1/tickets?state=${opts.state}&limit=${encodeURIComponent(opts.limit)}${before}`);
        const out = terminalOut();
        if (opts.json) return out.line(JSON.stringify(r.tickets, null, 2));
        if (r.tickets.length === 0) return out.line('no tickets');
        const rows = r.tickets.map((t) => [
          t.ref,
          paint(out, priorityColour(t.priority), t.priority),
          t.state,
          t.owner ?? '-',
          when(t.openedAt),
          t.state === 'open' ? when(t.responseDueAt) : '-',
          `${t.drill ? '[drill] ' : ''}${t.title}`,
        ]);
        for (const l of table(['TICKET', 'PRI', 'STATE', 'OWNER', 'OPENED', 'RESPOND BY', 'TITLE'], rows)) out.line(l);
        // A full page may have more behind it.
        const last = r.tickets.at(-1);
        if (last && r.tickets.length === Number(opts.limit)) out.line(paint(out, 'dim', `more: wardwatch tickets list --state ${opts.state} --limit ${opts.limit} --before ${last.ref}`));
      }),
    );

  withApiOptions(tickets.command('show').description('a ticket: fault report, runbooks, similar past tickets, timeline').argument('<ticket>', 'T-12 or 12'))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  $ wardwatch tickets show T-12\n  $ wardwatch tickets show 12 --json')
    .action(
      action(async (id: string, opts: ApiOptions & { json?: boolean }) => {
        const t = await apiCall(opts, 'GET', `/api/v1/tickets/${ref(id)}`);
        const out = terminalOut();
        if (opts.json) return out.line(JSON.stringify(t, null, 2));
        out.line(paint(out, 'bold', `${t.ref}  ${t.state}  owner ${t.owner ?? '-'}`));
        out.line(`respond by ${when(t.responseDueAt)}${t.resolutionDueAt ? `, resolve by ${when(t.resolutionDueAt)}` : ''}${t.nextEscalationAt ? `, escalates ${when(t.nextEscalationAt)}` : ''}${t.breached.length ? paint(out, 'red', `  breached: ${t.breached.join(', ')}`) : ''}`);
        out.line('');
        out.line(t.reportText);
        for (const rb of t.runbooks as Array<{ ref: string; summary?: string; url?: string; problem?: string }>) out.line(`  ${rb.ref}: ${rb.summary ?? rb.url ?? rb.problem ?? ''}`);
        out.line('');
        for (const e of t.timeline as Array<{ at: string; actor: string; action: string; detail: string }>) out.line(`${when(e.at)}  ${e.actor.padEnd(10)} ${e.action.padEnd(13)} ${e.detail}`);
      }),
    );

  withApiOptions(tickets.command('ack').description('acknowledge: the first to acknowledge owns the ticket').argument('<ticket>'))
    .option('--note <text>', 'what you are doing about it')
    .addHelpText('after', '\nExamples:\n  $ wardwatch tickets ack T-12\n  $ wardwatch tickets ack T-12 --note "checking the core switch"')
    .action(action(async (id: string, opts: ApiOptions & { note?: string }) => printEntry(await apiCall(opts, 'POST', `/api/v1/tickets/${ref(id)}/ack`, opts.note ? { note: opts.note } : {}))));

  withApiOptions(tickets.command('handover').description('hand your ticket over to a named person').argument('<ticket>'))
    .requiredOption('--to <person>', 'who takes over')
    .option('--note <text>', 'why, and what they need to know')
    .addHelpText('after', '\nExamples:\n  $ wardwatch tickets handover T-12 --to li.na --note "database team takes it"')
    .action(action(async (id: string, opts: ApiOptions & { to: string; note?: string }) => printEntry(await apiCall(opts, 'POST', `/api/v1/tickets/${ref(id)}/handover`, { to: opts.to, ...(opts.note ? { note: opts.note } : {}) }))));

  withApiOptions(tickets.command('note').description('add a note to the timeline').argument('<ticket>').argument('<text...>'))
    .addHelpText('after', '\nExamples:\n  $ wardwatch tickets note T-12 vendor engineer on site at 10:30')
    .action(action(async (id: string, words: string[], opts: ApiOptions) => printEntry(await apiCall(opts, 'POST', `/api/v1/tickets/${ref(id)}/notes`, { text: words.join(' ') }))));

  withApiOptions(tickets.command('resolve').description('resolve, saying what fixed it (the knowledge base keeps it)').argument('<ticket>'))
    .requiredOption('--note <text>', 'what fixed it')
    .addHelpText('after', '\nExamples:\n  $ wardwatch tickets resolve T-12 --note "replaced the SFP on core-sw-1 port 24"')
    .action(action(async (id: string, opts: ApiOptions & { note: string }) => printEntry(await apiCall(opts, 'POST', `/api/v1/tickets/${ref(id)}/resolve`, { note: opts.note }))));
}
