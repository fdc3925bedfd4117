// The `tickets` section of the correlator config (and the `language` setting beside it):
// links in messages, when a returning fault reopens its old ticket, when resolved tickets close.

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN, durationMs } from '../../common/duration.js';
import type { Language } from './i18n.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "1h" or "3d"' } as const;

export const languageSchema = { enum: ['zh', 'en'], default: 'zh', description: 'Language of fault reports and messages: zh (Chinese) or en (English).' } as const;

export const ticketsSectionSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: { type: 'string', pattern: '^https?://.*\\{id\\}', 'x-expected': 'a URL with "{id}", like "https://wardwatch.hospital.local/tickets/{id}"', description: 'Link to a ticket in messages and external tickets.' },
    reopen_within: { ...duration, default: '1h', description: 'A new incident on the same root node with the same rules this soon after resolution reopens the old ticket; 0s turns reopening off.' },
    auto_close_after: { ...duration, default: '3d', description: 'Resolved tickets close by themselves after this long (at least reopen_within).' },
  },
} as const;

export type TicketsSection = FromSchema<typeof ticketsSectionSchema, { keepDefaultedPropertiesOptional: true }>;

export interface TicketsSettings {
  language: Language;
  url?: string;
  reopenWithinMs: number;
  autoCloseAfterMs: number;
}

export function checkTicketsSection(t: TicketsSection | undefined): Array<{ path: Array<string | number>; message: string }> {
  const reopen = durationMs(t?.reopen_within ?? '1h');
  const close = durationMs(t?.auto_close_after ?? '3d');
  return close < reopen ? [{ path: ['tickets', 'auto_close_after'], message: `must be at least reopen_within (${t?.reopen_within ?? '1h'}): a closed ticket cannot reopen` }] : [];
}

export function resolveTicketsSection(t: TicketsSection | undefined, language: Language | undefined): TicketsSettings {
  return {
    language: language ?? 'zh',
    ...(t?.url ? { url: t.url } : {}),
    reopenWithinMs: durationMs(t?.reopen_within ?? '1h'),
    autoCloseAfterMs: durationMs(t?.auto_close_after ?? '3d'),
  };
}
