// `wardwatch token create|list|revoke`: API tokens, written straight to the correlator's store
// (this is how the first token comes to exist, before anyone can call the API). The token is
// printed once; only its SHA-256 hash is stored.

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { UserError } from '../../common/errors.js';
import { parseDuration } from '../../common/duration.js';
import type { Store } from '../../correlator/store/store.js';
import { action } from '../shared/run.js';
import { dateTime, table, terminalOut } from '../shared/output.js';

const ROLES = ['viewer', 'operator', 'admin'];

interface StoreOptions {
  config?: string;
  store?: string;
}

async function openTokenStore(opts: StoreOptions): Promise<Store> {
  const { openStore } = await import('../../correlator/store/open.js');
  if (opts.config) {
    const { loadCorrelatorConfig } = await import('../../correlator/config/load.js');
    const loaded = loadCorrelatorConfig(opts.config);
    if (!loaded.ok) throw UserError.fromFileErrors(`invalid correlator config ${opts.config}`, loaded.errors);
    return openStore(loaded.config.store);
  }
  if (!opts.store) throw new UserError('give --config <correlator.yaml> (or --store <sqlite file>)');
  if (!existsSync(opts.store)) throw new UserError(`no store at ${opts.store}`, ['start the correlator once, or pass --config <correlator.yaml>']);
  return openStore({ sqlite: opts.store });
}

function storeOptions(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'correlator config (its store is used)').option('--store <path>', 'a SQLite store, instead of --config');
}

export function tokenCommand(program: Command): void {
  const token = program.command('token').description('API tokens: issue, list, revoke (in the correlator\'s store)');
  storeOptions(token.command('create').description('issue a token; it is printed once'))
    .requiredOption('--name <name>', 'who uses it (recorded on ticket timelines), e.g. zhang.wei')
    .requiredOption('--role <role>', ROLES.join(', '))
    .option('--expires <duration>', 'valid for this long, e.g. 90d')
    .addHelpText('after', '\nExamples:\n  $ wardwatch token create --name zhang.wei --role operator --config /etc/wardwatch/correlator.yaml\n  $ wardwatch token create --name noc-wall --role viewer --expires 365d --config correlator.yaml > noc.token')
    .action(
      action(async (opts: StoreOptions & { name: string; role: string; expires?: string }) => {
        if (!ROLES.includes(opts.role)) throw new UserError(`--role: expected one of ${ROLES.join(', ')}, got "${opts.role}"`);
        if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(opts.name)) throw new UserError(`--name: expected lowercase letters, digits, ".", "_" or "-", got "${opts.name}"`);
        const ms = opts.expires !== undefined ? parseDuration(opts.expires) : undefined;
        if (opts.expires !== undefined && ms === undefined) throw new UserError(`--expires: expected a duration like "90d", got "${opts.expires}"`);
        const { hashToken, newToken } = await import('../../correlator/api/auth.js');
        const store = await openTokenStore(opts);
        try {
          const active = (await store.listTokens()).filter((t) => t.name === opts.name && t.revokedAt === undefined);
          if (active.length > 0) throw new UserError(`${opts.name} already has a token; revoke it first: wardwatch token revoke ${opts.name}`);
          const secret = newToken();
          const now = Date.now();
          await store.createToken({ name: opts.name, role: opts.role as 'viewer', hash: hashToken(secret), at: now, ...(ms !== undefined ? { expiresAt: now + ms } : {}) });
          terminalOut().line(secret);
          process.stderr.write(`token for ${opts.name} (${opts.role}) issued; it is shown only now\n`);
        } finally {
          await store.close();
        }
      }),
    );
  storeOptions(token.command('list').description('issued tokens (names and roles; never the tokens)'))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  $ wardwatch token list --config correlator.yaml')
    .action(
      action(async (opts: StoreOptions & { json?: boolean }) => {
        const store = await openTokenStore(opts);
        const list = await store.listTokens().finally(() => store.close());
        const out = terminalOut();
        if (opts.json) return out.line(JSON.stringify(list, null, 2));
        if (list.length === 0) return out.line('no tokens issued');
        const rows = list.map((t) => [t.name, t.role, dateTime(t.createdAt), t.expiresAt ? dateTime(t.expiresAt) : '-', t.revokedAt ? `revoked ${dateTime(t.revokedAt)}` : 'active']);
        for (const l of table(['NAME', 'ROLE', 'CREATED', 'EXPIRES', 'STATE'], rows)) out.line(l);
      }),
    );
  storeOptions(token.command('revoke').description('revoke a name\'s token').argument('<name>'))
    .addHelpText('after', '\nExamples:\n  $ wardwatch token revoke zhang.wei --config correlator.yaml')
    .action(
      action(async (name: string, opts: StoreOptions) => {
        const store = await openTokenStore(opts);
        const done = await store.revokeToken(name, Date.now()).finally(() => store.close());
        if (!done) throw new UserError(`${name} has no active token`);
        terminalOut().line(`${name}: token revoked`);
      }),
    );
}
