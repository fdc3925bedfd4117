// `wardwatch silences list|add|expire`: maintenance windows through the correlator's API (they
// must reach the running engine, which holds the matching alerts).

import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { parseDuration } from '../../common/duration.js';
import { action } from '../shared/run.js';
import { dateTime, table, terminalOut } from '../shared/output.js';
import { apiCall, withApiOptions, type ApiOptions } from '../shared/api-client.js';

interface SilenceJson {
  id: string;
  matchers: Record<string, unknown>;
  nodes: string[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  active: boolean;
}

function matchers(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of list) {
    const i = m.indexOf('=');
    if (i <= 0) throw new UserError(`--match: expected label=value like "service=pacs", got "${m}"`);
    out[m.slice(0, i)] = m.slice(i + 1);
  }
  return out;
}

const collect = (v: string, all: string[]) => [...all, v];

export function silencesCommand(program: Command): void {
  const silences = program
    .command('silences')
    .description('maintenance windows: alerts that match open no incident while the window lasts')
    .addHelpText('after', '\nExamples:\n  $ wardwatch silences add --match service=pacs --duration 4h --comment "PACS upgrade"\n  $ wardwatch silences list\n  $ wardwatch silences expire sil-3f2a9c1b0d4e');

  withApiOptions(silences.command('list').description('silences the correlator holds'))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  $ wardwatch silences list --json')
    .action(
      action(async (opts: ApiOptions & { json?: boolean }) => {
        const r = await apiCall<{ silences: SilenceJson[] }>(opts, 'GET', '/api/v1/silences');
        const out = terminalOut();
        if (opts.json) return out.line(JSON.stringify(r.silences, null, 2));
        if (r.silences.length === 0) return out.line('no silences');
        const rows = r.silences.map((s) => [s.id, s.active ? 'active' : 'pending', dateTime(Date.parse(s.startsAt)), dateTime(Date.parse(s.endsAt)), [...Object.entries(s.matchers).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`), ...s.nodes.map((n) => `node ${n}`)].join(' '), `${s.comment} (${s.createdBy})`]);
        for (const l of table(['ID', 'STATE', 'FROM', 'UNTIL', 'MATCHES', 'COMMENT'], rows)) out.line(l);
      }),
    );

  withApiOptions(silences.command('add').description('create a silence'))
    .option('--match <label=value>', 'label matcher (repeatable): service=pacs', collect, [])
    .option('--node <node>', 'topology node in maintenance (repeatable)', collect, [])
    .option('--duration <duration>', 'how long, from now or --start: "4h"')
    .option('--start <time>', 'when it starts (RFC 3339), default now')
    .option('--until <time>', 'when it ends (RFC 3339), instead of --duration')
    .requiredOption('--comment <text>', 'why (shown on the silence and the held alerts)')
    .addHelpText('after', '\nExamples:\n  $ wardwatch silences add --match service=pacs --duration 4h --comment "PACS upgrade"\n  $ wardwatch silences add --node core-sw-2 --start 2026-11-28T22:00:00+08:00 --until 2026-11-29T02:00:00+08:00 --comment "switch firmware"')
    .action(
      action(async (opts: ApiOptions & { match: string[]; node: string[]; duration?: string; start?: string; until?: string; comment: string }) => {
        if (!opts.duration && !opts.until) throw new UserError('give --duration or --until');
        if (opts.duration && parseDuration(opts.duration) === undefined) throw new UserError(`--duration: expected a duration like "4h", got "${opts.duration}"`);
        const body = {
          ...(opts.match.length ? { matchers: matchers(opts.match) } : {}),
          ...(opts.node.length ? { nodes: opts.node } : {}),
          ...(opts.duration ? { duration: opts.duration } : {}),
          ...(opts.start ? { starts_at: opts.start } : {}),
          ...(opts.until ? { ends_at: opts.until } : {}),
          comment: opts.comment,
        };
        const s = await apiCall<SilenceJson>(opts, 'POST', '/api/v1/silences', body);
        terminalOut().line(`${s.id}  ${s.active ? 'active' : 'pending'} until ${dateTime(Date.parse(s.endsAt))}`);
      }),
    );

  withApiOptions(silences.command('expire').description('end a silence now; what still fires opens incidents').argument('<id>'))
    .addHelpText('after', '\nExamples:\n  $ wardwatch silences expire sil-3f2a9c1b0d4e')
    .action(
      action(async (id: string, opts: ApiOptions) => {
        await apiCall(opts, 'DELETE', `/api/v1/silences/${encodeURIComponent(id)}`);
        terminalOut().line(`${id} expired`);
      }),
    );
}
