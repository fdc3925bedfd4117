// API tokens: random, shown once, stored only as SHA-256 hashes (tokens are long and random,
// so a fast hash is enough: nothing to brute-force). Tokens come from the config (each as
// ${file:…}) or are issued by `wardwatch token create` into the store. Roles nest:
// viewer reads, operator also acts on tickets and silences, admin also acts for others.

import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import { ApiError } from './errors.js';

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export interface Principal {
  name: string;
  role: Role;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token: "ww_" and 32 random bytes, base64url. */
export function newToken(): string {
  return `ww_${randomBytes(32).toString('base64url')}`;
}

export function allows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export class Authenticator {
  private readonly configured: Map<string, Principal>;

  constructor(
    configured: ReadonlyArray<{ name: string; role: Role; hash: string }>,
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
  ) {
    this.configured = new Map(configured.map((c) => [c.hash, { name: c.name, role: c.role }]));
  }

  async principal(header: string | undefined): Promise<Principal> {
    if (!header) throw new ApiError('token-missing', 'send the token as "Authorization: Bearer <token>"');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new ApiError('token-missing', 'the Authorization header must be "Bearer <token>"');
    const hash = hashToken(m[1] as string);
    const fromConfig = this.configured.get(hash);
    if (fromConfig) return fromConfig;
    const rec = await this.store.tokenByHash(hash);
    if (!rec || rec.revokedAt !== undefined || (rec.expiresAt !== undefined && rec.expiresAt <= this.clock())) throw new ApiError('token-invalid', 'the token is unknown, revoked or expired');
    return { name: rec.name, role: rec.role };
  }
}
