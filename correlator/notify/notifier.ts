// Routes ticket messages to channels and records what happened. Which channels: the priority's
// route (P1 every channel at once), or an escalation step's own; personal channels (SMS,
// e-mail) carry only what needs a person (opened, escalated, reopened), group channels
// everything. Drill messages go to the drill channels, or are recorded only, unless the drill
// asked to page and the config allows it. Every outcome lands in the store: sent, recorded
// (a drill), or dead (a dead letter with the message, so nothing is lost).

import type { Logger } from '../../common/log.js';
import { RateLimiter } from '../../common/log.js';
import type { Person } from '../escalate/policy.js';
import type { Store } from '../store/store.js';
import type { Channel, SendResult } from './channel.js';
import { dingtalkChannel, feishuChannel, wecomChannel } from './channels/robots.js';
import { emailChannel } from './channels/email.js';
import { smsChannel } from './channels/sms.js';
import { webhookChannel } from './channels/webhook.js';
import type { ChannelSpec, NotifySettings } from './config.js';
import { localTime } from '../ticket/i18n.js';
import { buildMessage, plainText, type Message, type MessageContext, type MessageInput } from './message.js';
import { Outbox, type Delivery } from './outbox.js';

export const CHANNEL_TYPES = {
  webhook: (name, spec) => webhookChannel(name, spec as Extract<ChannelSpec, { type: 'webhook' }>),
  wecom: (name, spec) => wecomChannel(name, spec as Extract<ChannelSpec, { type: 'wecom' }>),
  dingtalk: (name, spec) => dingtalkChannel(name, spec as Extract<ChannelSpec, { type: 'dingtalk' }>),
  feishu: (name, spec) => feishuChannel(name, spec as Extract<ChannelSpec, { type: 'feishu' }>),
  email: (name, spec) => emailChannel(name, spec as Extract<ChannelSpec, { type: 'email' }>),
  sms: (name, spec) => smsChannel(name, spec as Extract<ChannelSpec, { type: 'sms' }>),
} satisfies Record<ChannelSpec['type'], (name: string, spec: ChannelSpec) => Channel>;

const PERSONAL_KINDS: ReadonlyArray<Message['kind']> = ['opened', 'escalated', 'reopened'];

export interface NotifyRequest extends MessageInput {
  priority: string;
  drill?: string;
  /** The drill asked to page real people (`wardwatch drill --page`). */
  page?: boolean;
  /** An escalation step's own channels. */
  channels?: readonly string[];
}

export interface NotifierOptions {
  store: Store;
  log: Logger;
  context: MessageContext;
  clock?: () => number;
  /** Called after each recorded outcome (sent, dead, recorded): the ticket timeline and metrics. */
  onRecorded?: (d: { ticketIds: number[]; channel: string; kind: string; recipients: Person[]; status: 'sent' | 'dead' | 'recorded'; detail: string; at: number; waitedMs: number }) => void | Promise<void>;
  onAttempt?: (channel: string, result: SendResult) => void;
  /** The window channels' per_minute counts in; one minute except in tests. */
  rateWindowMs?: number;
}

export class Notifier {
  private readonly outboxes = new Map<string, Outbox>();
  private readonly limiter = new RateLimiter(30_000);
  private readonly clock: () => number;

  constructor(
    private readonly settings: NotifySettings,
    private readonly opts: NotifierOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    // The first time-zone format loads ICU's zone data (~100 ms here): now, not while the first
    // P1 message waits.
    localTime(this.clock(), opts.context.timeZone);
    for (const [name, spec] of settings.channels) {
      const channel = CHANNEL_TYPES[spec.type](name, spec);
      this.outboxes.set(name, new Outbox(channel, { retry: settings.retry, updateEveryMs: settings.updateEveryMs, language: opts.context.language, clock: this.clock, onDelivery: (d) => this.delivered(d), ...(opts.onAttempt ? { onAttempt: opts.onAttempt } : {}), ...(opts.rateWindowMs ? { rateWindowMs: opts.rateWindowMs } : {}) }));
    }
  }

  /** Channels a request goes to, and whether it is a drill that only gets recorded. */
  route(req: Pick<NotifyRequest, 'priority' | 'drill' | 'page' | 'channels' | 'kind'>): { channels: string[]; recordOnly: string[] } {
    const routed = [...(req.channels ?? this.settings.routes[req.priority as 'P1'] ?? [])];
    const fits = (name: string) => {
      const box = this.outboxes.get(name);
      return box !== undefined && (!box.channel.personal || PERSONAL_KINDS.includes(req.kind));
    };
    if (req.drill && !(req.page && this.settings.drill.allowPage)) {
      return { channels: this.settings.drill.channels.filter((c) => this.outboxes.has(c)), recordOnly: routed.filter(fits) };
    }
    // A drill allowed to page reaches the real routes, and its drill room as well.
    const drillRoom = req.drill ? this.settings.drill.channels.filter((c) => this.outboxes.has(c) && !routed.includes(c)) : [];
    return { channels: [...routed.filter(fits), ...drillRoom], recordOnly: [] };
  }

  notify(req: NotifyRequest): Message {
    const message = buildMessage(req, this.opts.context);
    const { channels, recordOnly } = this.route(req);
    for (const name of channels) this.outboxes.get(name)?.push(message, req.recipients);
    if (channels.length === 0) {
      for (const name of recordOnly) void this.record({ ticketIds: [req.ticketId], channel: name, kind: req.kind, recipients: req.recipients, status: 'recorded', detail: `drill ${req.drill}: not sent (recorded only)`, at: this.clock(), waitedMs: 0, payload: plainText(message) });
    }
    return message;
  }

  private async delivered(d: Delivery): Promise<void> {
    const ticketIds = [...new Set(d.messages.flatMap((m) => m.tickets))];
    const detail = d.result.ok ? `${d.sent.kind === 'digest' ? `merged ${d.messages.length} messages` : d.sent.kind}` : `${d.result.code}: ${d.result.detail}`;
    if (d.status === 'dead' && this.limiter.allow(`dead:${d.channel.name}`) >= 0) {
      this.opts.log.error('notification given up (dead letter stored)', { channel: d.channel.name, code: d.result.ok ? 'ok' : d.result.code, detail: d.result.ok ? '' : d.result.detail, attempts: d.attempts });
    }
    for (const message of d.status === 'dead' ? d.messages : [d.sent]) {
      await this.record({ ticketIds: message.tickets.filter((t) => ticketIds.includes(t)), channel: d.channel.name, kind: message.kind, recipients: d.recipients, status: d.status, detail, at: d.at, waitedMs: d.waitedMs, attempts: d.attempts, ...(d.status === 'dead' ? { payload: plainText(message) } : {}) });
    }
  }

  private async record(r: { ticketIds: number[]; channel: string; kind: string; recipients: Person[]; status: 'sent' | 'dead' | 'recorded'; detail: string; at: number; waitedMs: number; attempts?: number; payload?: string }): Promise<void> {
    try {
      const names = r.recipients.map((p) => p.name);
      for (const ticketId of r.ticketIds.length > 0 ? r.ticketIds : [undefined]) {
        await this.opts.store.recordNotification({ ...(ticketId !== undefined ? { ticketId } : {}), channel: r.channel, kind: r.kind, recipients: names, status: r.status, attempts: r.attempts ?? 0, at: r.at, detail: r.detail, ...(r.payload ? { payload: r.payload } : {}) });
      }
      await this.opts.onRecorded?.(r);
    } catch (err) {
      if (this.limiter.allow('record') >= 0) this.opts.log.error('could not record a notification', { channel: r.channel, error: (err as Error).message });
    }
  }

  pending(): number {
    let n = 0;
    for (const b of this.outboxes.values()) n += b.pending;
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.outboxes.values()].map((b) => b.stop()));
  }
}
