// One outbox per channel: messages wait here for the channel's rate budget, retry with
// backoff (never after a 4xx: that will not get better), pause when the far end says "too
// many", and end as a dead letter in the store when they cannot be delivered, so nothing is
// lost silently. Updates of one ticket replace each other while they wait and go out at most
// once per `updateEveryMs`; when more messages are ready than the budget can take, they merge
// into one digest: a storm reaches a chat group as one message, then updates.

import type { Person } from '../escalate/policy.js';
import type { Language } from '../ticket/i18n.js';
import type { Channel, SendResult } from './channel.js';
import { mergeMessages, type Message } from './message.js';

export interface RetrySettings {
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  throttlePauseMs: number;
}

interface Envelope {
  message: Message;
  recipients: Person[];
  notBefore: number;
  attempts: number;
  queuedAt: number;
}

export interface Delivery {
  channel: Channel;
  /** The messages this delivery carried (one, or several merged). */
  messages: Message[];
  /** What was actually sent (a digest when merged). */
  sent: Message;
  recipients: Person[];
  result: SendResult;
  attempts: number;
  /** sent, or dead when given up; "retrying" outcomes are not reported. */
  status: 'sent' | 'dead';
  at: number;
  /** Time from the oldest message being queued to this outcome. */
  waitedMs: number;
}

export interface OutboxOptions {
  retry: RetrySettings;
  updateEveryMs: number;
  language: Language;
  clock?: () => number;
  onDelivery: (d: Delivery) => void | Promise<void>;
  onAttempt?: (channel: string, result: SendResult) => void;
  /** Length of the rate window `perMinute` counts in; one minute except in tests. */
  rateWindowMs?: number;
}

const THROTTLES_BEFORE_GIVING_UP = 10;

/** The recipients of a batch, each once. */
function everyone(batch: readonly Envelope[]): Person[] {
  return [...new Map(batch.flatMap((e) => e.recipients).map((p) => [p.id, p])).values()];
}

export class Outbox {
  private queue: Envelope[] = [];
  private readonly sentAt: number[] = [];
  private readonly lastSentFor = new Map<number, number>();
  private pausedUntil = 0;
  private throttles = 0;
  /** After the far end said "too many": everything waiting goes out as one message. */
  private mergeNext = false;
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly clock: () => number;
  private readonly window: number;

  constructor(
    readonly channel: Channel,
    private readonly opts: OutboxOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.window = opts.rateWindowMs ?? 60_000;
  }

  get pending(): number {
    return this.queue.length;
  }

  push(message: Message, recipients: Person[]): void {
    if (this.stopped) return;
    const now = this.clock();
    const waiting = this.queue.find((e) => e.message.key === message.key);
    if (waiting) {
      // A newer update of the same ticket replaces the one still waiting.
      waiting.message = message;
      waiting.recipients = recipients;
    } else {
      const last = message.kind === 'update' ? this.lastSentFor.get(message.tickets[0] as number) : undefined;
      this.queue.push({ message, recipients, notBefore: last !== undefined ? last + this.opts.updateEveryMs : message.kind === 'update' ? now + this.opts.updateEveryMs : now, attempts: 0, queuedAt: now });
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pump(), Math.max(0, delayMs));
    this.timer.unref?.();
  }

  private budget(now: number): number {
    while (this.sentAt.length > 0 && (this.sentAt[0] as number) <= now - this.window) this.sentAt.shift();
    return this.channel.perMinute - this.sentAt.length;
  }

  /** Sends what is ready now; reschedules itself for what is not. */
  async pump(): Promise<void> {
    if (this.busy || this.stopped) return;
    const now = this.clock();
    if (now < this.pausedUntil) return this.schedule(this.pausedUntil - now);
    const ready = this.queue.filter((e) => e.notBefore <= now);
    if (ready.length === 0) {
      if (this.queue.length > 0) this.schedule(Math.min(...this.queue.map((e) => e.notBefore)) - now);
      return;
    }
    const budget = this.budget(now);
    if (budget <= 0) return this.schedule((this.sentAt[0] as number) + this.window - now);
    // Keep a quarter of the budget for what comes next; past that, merge.
    const reserve = Math.ceil(this.channel.perMinute / 4);
    const batch = !this.mergeNext && ready.length <= Math.max(1, budget - reserve) ? [ready[0] as Envelope] : ready;
    this.queue = this.queue.filter((e) => !batch.includes(e));
    this.busy = true;
    try {
      await this.deliver(batch, now);
    } finally {
      this.busy = false;
    }
    if (this.queue.length > 0) this.schedule(0);
  }

  private async deliver(batch: Envelope[], now: number): Promise<void> {
    const messages = batch.map((e) => e.message);
    const sent = mergeMessages(messages, this.opts.language);
    const recipients = everyone(batch);
    const attempts = Math.max(...batch.map((e) => e.attempts)) + 1;
    let result: SendResult;
    try {
      result = await this.channel.send(sent, recipients);
    } catch (err) {
      // Adapters classify their failures; this is the backstop for a bug in one.
      result = { ok: false, retry: true, code: 'network', detail: (err as Error).message };
    }
    const at = this.clock();
    this.opts.onAttempt?.(this.channel.name, result);
    this.sentAt.push(at);
    const queuedAt = Math.min(...batch.map((e) => e.queuedAt));
    // Reads the batch when called: what a partial send finished is reported apart.
    const report = (status: 'sent' | 'dead') => this.opts.onDelivery({ channel: this.channel, messages: batch.map((e) => e.message), sent, recipients: everyone(batch), result, attempts, status, at, waitedMs: at - queuedAt });
    if (result.ok) {
      this.throttles = 0;
      this.mergeNext = false;
      for (const m of messages) for (const t of m.tickets) this.lastSentFor.set(t, at);
      await report('sent');
      return;
    }
    // Those a partly failed send reached are not sent it again; a message that reached everyone
    // it was for is sent.
    const reached = new Set(result.reached ?? []);
    const rest = (e: Envelope): Envelope => (reached.size === 0 ? e : { ...e, recipients: e.recipients.filter((p) => !reached.has(p.id)) });
    if (reached.size > 0) {
      const done = batch.filter((e) => rest(e).recipients.length === 0);
      for (const e of done) {
        await this.opts.onDelivery({ channel: this.channel, messages: [e.message], sent, recipients: e.recipients, result: { ok: true }, attempts, status: 'sent', at, waitedMs: at - e.queuedAt });
      }
      batch = batch.filter((e) => !done.includes(e));
      if (batch.length === 0) return;
    }
    if (result.throttled) {
      this.pausedUntil = at + this.opts.retry.throttlePauseMs;
      this.mergeNext = true;
      if (++this.throttles <= THROTTLES_BEFORE_GIVING_UP) {
        this.queue.unshift(...batch.map((e) => ({ ...rest(e), notBefore: now })));
        return this.schedule(this.opts.retry.throttlePauseMs);
      }
    } else if (result.retry && attempts < this.opts.retry.attempts) {
      const wait = Math.min(this.opts.retry.maxBackoffMs, this.opts.retry.backoffMs * 2 ** (attempts - 1));
      this.queue.unshift(...batch.map((e) => ({ ...rest(e), attempts, notBefore: at + wait })));
      return;
    }
    await report('dead');
  }

  /** Gives waiting messages a moment to go out, then hands the rest over as dead letters. */
  async stop(graceMs = 2_000): Promise<void> {
    const deadline = this.clock() + graceMs;
    while ((this.queue.length > 0 || this.busy) && this.clock() < deadline) {
      if (!this.busy && this.queue.every((e) => e.notBefore > this.clock())) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const left = this.queue;
    this.queue = [];
    for (const e of left) {
      await this.opts.onDelivery({
        channel: this.channel,
        messages: [e.message],
        sent: e.message,
        recipients: e.recipients,
        result: { ok: false, retry: false, code: 'timeout', detail: 'correlator stopped before it could be sent' },
        attempts: e.attempts,
        status: 'dead',
        at: this.clock(),
        waitedMs: this.clock() - e.queuedAt,
      });
    }
    await this.channel.close?.();
  }
}
