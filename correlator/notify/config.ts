// The `notify` section of the correlator config: channels (each a small adapter), routes by
// priority, how storms merge, retries, and where drill notifications go.

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN, durationMs } from '../../common/duration.js';
import type { Priority } from '../rules/schema.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "10s", "1m"' } as const;
const secret = { type: 'string', minLength: 1, description: 'Write ${env:NAME} or ${file:/path} rather than the secret itself.' } as const;
const url = { type: 'string', pattern: '^https?://', 'x-expected': 'an http(s) URL' } as const;
const perMinute = { type: 'integer', minimum: 1, maximum: 10000, description: 'Messages per minute the far end accepts.' } as const;
const common = { per_minute: perMinute, timeout: duration } as const;

const webhook = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'url'],
  properties: { type: { const: 'webhook' }, url, secret: { ...secret, description: 'HMAC key for the Standard Webhooks signature ("whsec_…" base64 or any text).' }, ...common },
} as const;
const wecom = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'key'],
  properties: { type: { const: 'wecom' }, key: { ...secret, description: 'The robot key from its webhook URL (it is the credential).' }, url: { ...url, default: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' }, ...common },
} as const;
const dingtalk = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'access_token'],
  properties: {
    type: { const: 'dingtalk' },
    access_token: secret,
    secret: { ...secret, description: 'Signing secret (加签), "SEC…".' },
    url: { ...url, default: 'https://oapi.dingtalk.com/robot/send' },
    ...common,
  },
} as const;
const feishu = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'url'],
  properties: { type: { const: 'feishu' }, url: { ...url, description: 'The bot hook URL (…/open-apis/bot/v2/hook/<id>); it is a credential.' }, secret: { ...secret, description: 'Signature secret.' }, ...common },
} as const;
const email = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'host', 'from'],
  properties: {
    type: { const: 'email' },
    host: { type: 'string' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 587 },
    tls: { enum: ['starttls', 'implicit', 'none'], default: 'starttls', description: 'starttls on 587, implicit on 465; none only inside a trusted network.' },
    ca: { type: 'string', description: 'CA file to trust for an internal mail server (instead of turning verification off).' },
    username: { type: 'string' },
    password: secret,
    from: { type: 'string', description: 'Sender, e.g. "Wardwatch <wardwatch@hospital.local>".' },
    ...common,
  },
} as const;
const sms = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'url'],
  properties: {
    type: { const: 'sms' },
    url: { ...url, description: 'Gateway URL; {{phone}}, {{phones}}, {{text}}, {{priority}}, {{ticket}} are filled in (URL-encoded).' },
    method: { enum: ['POST', 'GET'], default: 'POST' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: { type: 'string', description: 'Body template with the same placeholders.' },
    encode: { enum: ['json', 'form', 'none'], default: 'json', description: 'How placeholder values are escaped in the body.' },
    per_recipient: { type: 'boolean', default: false, description: 'One request per phone number ({{phone}}); a retry after a partial failure goes only to the numbers not yet reached.' },
    max_length: { type: 'integer', minimum: 10, maximum: 1000, default: 70, description: 'Characters of text (approved templates are short).' },
    success: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { type: 'array', items: { type: 'integer' }, description: 'HTTP statuses that mean sent (default 2xx).' },
        json_path: { type: 'string', description: 'Dot path of a field in the JSON answer, e.g. "result.code".' },
        equals: { type: ['string', 'number', 'boolean'], description: 'The value json_path must have.' },
        contains: { type: 'string', description: 'Text the answer must contain.' },
      },
    },
    ...common,
  },
} as const;

export const channelSchema = {
  type: 'object',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [webhook, wecom, dingtalk, feishu, email, sms],
} as const;

const route = {
  description: '"all" for every channel but those only named for drills, or a list of channel names.',
  'x-expected': '"all" or a list of channel names',
  anyOf: [{ const: 'all' }, { type: 'array', items: { type: 'string' } }],
} as const;

export const notifySectionSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Who hears about tickets, on which channels. Symptoms never notify; P1 goes to every channel at once by default.',
  properties: {
    channels: { type: 'object', propertyNames: { pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }, additionalProperties: channelSchema },
    routes: {
      type: 'object',
      additionalProperties: false,
      properties: { P1: route, P2: route, P3: route, P4: route },
      description: 'Channels by priority. Defaults: P1 and P2 all, P3 the group channels, P4 none.',
    },
    update_every: { ...duration, default: '1m', description: 'Updates of one ticket merge into one message per this interval and channel.' },
    retry: {
      type: 'object',
      additionalProperties: false,
      properties: {
        attempts: { type: 'integer', minimum: 1, maximum: 20, default: 5 },
        backoff: { ...duration, default: '2s', description: 'First wait; doubles per attempt.' },
        max_backoff: { ...duration, default: '1m' },
        throttle_pause: { ...duration, default: '1m', description: 'Pause after the far end says "too many" (DingTalk 130101, HTTP 429).' },
      },
    },
    drill: {
      type: 'object',
      additionalProperties: false,
      properties: {
        channels: { type: 'array', items: { type: 'string' }, description: 'Where drill notifications go; none: recorded only.' },
        allow_page: { type: 'boolean', default: false, description: 'Let `wardwatch drill --page` reach the real routes.' },
      },
    },
  },
} as const;

export type NotifySection = FromSchema<typeof notifySectionSchema, { keepDefaultedPropertiesOptional: true }>;
export type ChannelSpec = FromSchema<typeof channelSchema, { keepDefaultedPropertiesOptional: true }>;

export interface NotifySettings {
  channels: ReadonlyMap<string, ChannelSpec>;
  routes: Readonly<Record<Priority, readonly string[]>>;
  updateEveryMs: number;
  retry: { attempts: number; backoffMs: number; maxBackoffMs: number; throttlePauseMs: number };
  drill: { channels: readonly string[]; allowPage: boolean };
}

export function isPersonal(spec: ChannelSpec): boolean {
  return spec.type === 'email' || spec.type === 'sms';
}

export function checkNotifySection(n: NotifySection | undefined): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const names = Object.keys(n?.channels ?? {});
  const ref = (path: Array<string | number>, c: string) => names.includes(c) || problems.push({ path, message: `unknown channel "${c}"; expected one of ${names.join(', ') || '(none defined)'}` });
  for (const [p, r] of Object.entries(n?.routes ?? {})) if (Array.isArray(r)) r.forEach((c, i) => ref(['notify', 'routes', p, i], c));
  (n?.drill?.channels ?? []).forEach((c, i) => ref(['notify', 'drill', 'channels', i], c));
  return problems;
}

export function resolveNotifySection(n: NotifySection | undefined): NotifySettings {
  const channels = new Map(Object.entries(n?.channels ?? {}));
  // "all" is every real channel: a drill room is for drills, and a real P1 is no drill.
  const drillOnly = new Set((n?.drill?.channels ?? []).filter((c) => !Object.values(n?.routes ?? {}).some((r) => Array.isArray(r) && r.includes(c))));
  const all = [...channels.keys()].filter((c) => !drillOnly.has(c));
  const groups = all.filter((c) => !isPersonal(channels.get(c) as ChannelSpec));
  const pick = (p: Priority, fallback: string[]) => {
    const r = n?.routes?.[p];
    return r === undefined ? fallback : r === 'all' ? all : [...r];
  };
  return {
    channels,
    routes: { P1: pick('P1', all), P2: pick('P2', all), P3: pick('P3', groups), P4: pick('P4', []) },
    updateEveryMs: durationMs(n?.update_every ?? '1m'),
    retry: {
      attempts: n?.retry?.attempts ?? 5,
      backoffMs: durationMs(n?.retry?.backoff ?? '2s'),
      maxBackoffMs: durationMs(n?.retry?.max_backoff ?? '1m'),
      throttlePauseMs: durationMs(n?.retry?.throttle_pause ?? '1m'),
    },
    drill: { channels: n?.drill?.channels ?? [], allowPage: n?.drill?.allow_page ?? false },
  };
}
