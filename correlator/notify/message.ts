// What a notification says, built once per event and rendered by each channel: short, in the
// hospital's language, with a link to the ticket. Pure. Several messages waiting on a
// throttled channel merge into one digest, so a storm reaches a chat group as one message
// and its updates, never one message per alert.

import type { Person } from '../escalate/policy.js';
import { localTime, phrases, type Language } from '../ticket/i18n.js';
import { measurementLine, scopeLine, type FaultReport } from '../ticket/report.js';
import { ticketRef } from '../ticket/ticket.js';

export type MessageKind = 'opened' | 'update' | 'escalated' | 'resolved' | 'reopened' | 'digest';

export interface Message {
  kind: MessageKind;
  /** Tickets this message is about (several for a digest). */
  tickets: number[];
  priority: string;
  /** One line: "【P1】INC-3 HIS registration down". */
  title: string;
  /** A few lines of plain text; the first is the title. */
  lines: string[];
  url?: string;
  /** People addressed (@mentioned in groups; recipients of SMS and e-mail). */
  mentions: Person[];
  drill?: string;
  /** For merging: updates of one ticket replace each other. */
  key: string;
  /** Unique per message; a retry keeps it, so receivers can drop a duplicate delivery. */
  id: string;
}

export interface MessageContext {
  language: Language;
  timeZone: string;
  /** Ticket link; "{id}" is replaced by the ticket number. */
  ticketUrl?: string;
}

export interface MessageInput {
  kind: Exclude<MessageKind, 'digest'>;
  ticketId: number;
  report: FaultReport;
  recipients: Person[];
  at: number;
  /** Escalation step (1-based) for kind "escalated". */
  step?: number;
  /** Alerts that joined since the last message, for kind "update". */
  joined?: number;
  owner?: string;
}

function headline(kind: MessageInput['kind'], language: Language): string {
  const p = phrases(language);
  return { opened: p.open, update: p.update, escalated: p.escalated, resolved: p.closedMsg, reopened: p.reopened }[kind];
}

export function ticketLink(ctx: MessageContext, ticketId: number): string | undefined {
  return ctx.ticketUrl ? ctx.ticketUrl.replace('{id}', String(ticketId)) : undefined;
}

export function buildMessage(input: MessageInput, ctx: MessageContext): Message {
  const p = phrases(ctx.language);
  const r = input.report;
  const drill = r.drill ? `[${p.drill}] ` : '';
  const title = `${drill}【${r.priority}】${headline(input.kind, ctx.language)} ${r.incident} ${r.what}`;
  const lines = [title, `${p.rootCause}${p.sep}${r.root.node}${r.root.service ? ` (${r.root.service})` : ''}${r.root.suspected ? ` (${p.suspected})` : ''}`];
  const m = r.measurements?.[0];
  if (m && input.kind !== 'resolved') lines.push(`${p.measured}${p.sep}${measurementLine(m, ctx.language)}`);
  const scope = r.scope ? scopeLine(r.scope, ctx.language) : undefined;
  if (scope && input.kind !== 'resolved') lines.push(`${p.scope}${p.sep}${scope}`);
  if (input.kind === 'update' && input.joined) lines.push(p.moreAlerts(input.joined));
  if (input.kind === 'escalated' && input.step !== undefined) lines.push(p.notAcknowledged(input.step));
  lines.push(`${p.since}${p.sep}${localTime(r.since, ctx.timeZone)} · ${p.ticket} ${ticketRef(input.ticketId)}${input.owner ? ` · ${p.owner} ${input.owner}` : ''}`);
  if (r.runbooks.length > 0 && (input.kind === 'opened' || input.kind === 'escalated' || input.kind === 'reopened')) lines.push(`${p.runbook}${p.sep}${r.runbooks.join(', ')}`);
  const url = ticketLink(ctx, input.ticketId);
  return {
    kind: input.kind,
    tickets: [input.ticketId],
    priority: r.priority,
    title,
    lines,
    ...(url ? { url } : {}),
    mentions: input.recipients,
    ...(r.drill ? { drill: r.drill } : {}),
    key: input.kind === 'update' ? `update:${input.ticketId}` : `${input.kind}:${input.ticketId}:${input.at}`,
    id: `${input.kind}:${input.ticketId}:${input.at}`,
  };
}

const RANK: Record<string, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };

/** One message for several that waited: the highest priority first, one line each, with links. */
export function mergeMessages(messages: readonly Message[], language: Language): Message {
  if (messages.length === 1) return messages[0] as Message;
  const p = phrases(language);
  const sorted = [...messages].sort((a, b) => (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9));
  const top = sorted[0] as Message;
  const mentions = new Map<string, Person>();
  for (const m of sorted) for (const person of m.mentions) mentions.set(person.id, person);
  return {
    kind: 'digest',
    tickets: [...new Set(sorted.flatMap((m) => m.tickets))],
    priority: top.priority,
    title: `【${top.priority}】${p.digest(messages.length)}`,
    lines: [`【${top.priority}】${p.digest(messages.length)}`, ...sorted.map((m) => `${m.title}${m.url ? ` ${m.url}` : ''}`)],
    mentions: [...mentions.values()],
    ...(top.drill ? { drill: top.drill } : {}),
    key: `digest:${sorted.map((m) => m.key).join(',')}`,
    id: `digest:${sorted.map((m) => m.id).join(',')}`,
  };
}

/** Plain text of a message, cut to a channel's limit in UTF-8 bytes. */
export function plainText(m: Message, maxBytes = 2000): string {
  const text = [...m.lines, ...(m.url && m.kind !== 'digest' ? [m.url] : [])].join('\n');
  return truncateBytes(text, maxBytes);
}

export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = '';
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (size + n > maxBytes - 3) break;
    out += ch;
    size += n;
  }
  return out + '…';
}
