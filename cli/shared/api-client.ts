// How CLI commands reach the correlator: through its HTTP API, so a change takes the same path
// as any other (the engine for silences; the ticket service for acknowledgements, which
// notifies, writes the timeline and tells external ticket systems). Writing the store directly
// would skip all of that. Errors become UserErrors with the API's code and message.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';

export const DEFAULT_API = 'http://127.0.0.1:9743';

export interface ApiOptions {
  api?: string;
  tokenFile?: string;
}

export function withApiOptions(cmd: Command): Command {
  return cmd
    .option('--api <url>', `correlator API (default $WARDWATCH_API or ${DEFAULT_API})`)
    .option('--token-file <path>', 'file holding the API token (default: $WARDWATCH_TOKEN)');
}

function token(opts: ApiOptions): string {
  if (opts.tokenFile) {
    try {
      return readFileSync(opts.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new UserError(`cannot read --token-file ${opts.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  const t = process.env.WARDWATCH_TOKEN;
  if (!t) throw new UserError('no API token', ['set WARDWATCH_TOKEN or pass --token-file <path>', 'an admin issues one with `wardwatch token create --name <you> --role operator --config correlator.yaml`']);
  return t;
}

export async function apiCall<T = any>(opts: ApiOptions, method: string, path: string, body?: unknown): Promise<T> {
  const base = (opts.api ?? process.env.WARDWATCH_API ?? DEFAULT_API).replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token(opts)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new UserError(`cannot reach the correlator API at ${base} (${cause})`, ['is the correlator running with an `api` section in its config? pass --api <url> or set WARDWATCH_API']);
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new UserError(`unexpected answer from ${base}: HTTP ${res.status}`);
  }
  if (!res.ok) {
    const e = json?.error as { code?: string; message?: string } | undefined;
    throw new UserError(`${e?.message ?? `HTTP ${res.status}`} (${e?.code ?? res.status})`);
  }
  return json as T;
}
