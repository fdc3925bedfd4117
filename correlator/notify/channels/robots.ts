// Chat-group robots: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书). Each has its own
// credential and signing scheme; all three answer HTTP 200 with an error code in the body,
// so the body decides. WeCom and DingTalk accept about 20 messages a minute per robot.

import { createHmac } from 'node:crypto';
import { durationMs } from '../../../common/duration.js';
import type { Person } from '../../escalate/policy.js';
import type { ChannelSpec } from '../config.js';
import { postJson, type Channel, type SendResult } from '../channel.js';
import { plainText, truncateBytes, type Message } from '../message.js';

type Spec<T extends ChannelSpec['type']> = Extract<ChannelSpec, { type: T }>;

function markdown(m: Message): string {
  const [first, ...rest] = m.lines;
  return [`### ${first ?? m.title}`, ...rest.map((l) => `> ${l}`), ...(m.url ? [`[${m.url}](${m.url})`] : [])].join('\n');
}

/** WeCom's and DingTalk's answer: {"errcode":0,"errmsg":"ok"}. */
function errcode(throttleCodes: number[], fatalCodes: number[]) {
  return (json: unknown): SendResult => {
    const code = Number((json as { errcode?: unknown })?.errcode);
    const msg = String((json as { errmsg?: unknown })?.errmsg ?? '');
    if (code === 0) return { ok: true };
    if (throttleCodes.includes(code)) return { ok: false, retry: true, throttled: true, code: 'throttled', detail: `errcode ${code} ${msg}` };
    return { ok: false, retry: !fatalCodes.includes(code), code: 'rejected', detail: `errcode ${code} ${msg}` };
  };
}

export function wecomChannel(name: string, spec: Spec<'wecom'>): Channel {
  const base = spec.url ?? 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send';
  return {
    name,
    type: 'wecom',
    personal: false,
    perMinute: spec.per_minute ?? 20,
    send(m: Message, recipients: readonly Person[]) {
      const mentions = recipients.filter((p) => p.wecom).map((p) => `<@${p.wecom}>`);
      const content = truncateBytes(markdown(m) + (mentions.length ? `\n${mentions.join(' ')}` : ''), 4096);
      // 45009: API frequency over limit; 93000: invalid webhook URL; 40008: bad message type.
      return postJson(`${base}?key=${encodeURIComponent(spec.key)}`, JSON.stringify({ msgtype: 'markdown', markdown: { content } }), { timeoutMs: timeout(spec), check: errcode([45009], [93000, 40008, 40058]) });
    },
  };
}

/** DingTalk 加签: HMAC-SHA256 keyed by the secret over "timestamp\nsecret", base64, URL-encoded. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return encodeURIComponent(createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64'));
}

export function dingtalkChannel(name: string, spec: Spec<'dingtalk'>, clock: () => number = Date.now): Channel {
  const base = spec.url ?? 'https://oapi.dingtalk.com/robot/send';
  return {
    name,
    type: 'dingtalk',
    personal: false,
    perMinute: spec.per_minute ?? 20,
    send(m: Message, recipients: readonly Person[]) {
      const mobiles = recipients.map((p) => p.dingtalk ?? p.phone).filter((x): x is string => !!x);
      let url = `${base}?access_token=${encodeURIComponent(spec.access_token)}`;
      if (spec.secret) {
        const ts = clock();
        url += `&timestamp=${ts}&sign=${dingtalkSign(spec.secret, ts)}`;
      }
      // The mobile must also appear as "@138…" in the text for the mention to show.
      const text = truncateBytes(markdown(m) + (mobiles.length ? `\n${mobiles.map((x) => `@${x}`).join(' ')}` : ''), 4000);
      const body = { msgtype: 'markdown', markdown: { title: truncateBytes(m.title, 120), text }, at: { atMobiles: mobiles, isAtAll: false } };
      // 130101: sending too fast (throttled for a while); 310000: signature or keyword check failed.
      return postJson(url, JSON.stringify(body), { timeoutMs: timeout(spec), check: errcode([130101, 130102], [310000, 300001, 400013]) });
    },
  };
}

/** Feishu: HMAC-SHA256 keyed by "timestamp\nsecret" over an empty message, base64; in the body. */
export function feishuSign(secret: string, timestampS: number): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

export function feishuChannel(name: string, spec: Spec<'feishu'>, clock: () => number = Date.now): Channel {
  return {
    name,
    type: 'feishu',
    personal: false,
    perMinute: spec.per_minute ?? 100,
    send(m: Message, recipients: readonly Person[]) {
      const mentions = recipients.filter((p) => p.feishu).map((p) => `<at user_id="${p.feishu}">${p.name}</at>`);
      const text = truncateBytes(plainText(m, 18_000) + (mentions.length ? `\n${mentions.join(' ')}` : ''), 18_000);
      const ts = Math.floor(clock() / 1000);
      const body = { ...(spec.secret ? { timestamp: String(ts), sign: feishuSign(spec.secret, ts) } : {}), msg_type: 'text', content: { text } };
      return postJson(spec.url, JSON.stringify(body), {
        timeoutMs: timeout(spec),
        check: (json) => {
          const code = Number((json as { code?: unknown; StatusCode?: unknown })?.code ?? (json as { StatusCode?: unknown })?.StatusCode);
          const msg = String((json as { msg?: unknown })?.msg ?? '');
          if (code === 0) return { ok: true };
          // 11232: frequency limited; 19021: signature or timestamp rejected; 19024: keyword check.
          if (code === 11232 || code === 9499) return { ok: false, retry: true, throttled: true, code: 'throttled', detail: `code ${code} ${msg}` };
          return { ok: false, retry: ![19021, 19022, 19024].includes(code), code: 'rejected', detail: `code ${code} ${msg}` };
        },
      });
    },
  };
}

export function timeout(spec: { timeout?: string }): number {
  return spec.timeout ? durationMs(spec.timeout) : 10_000;
}
