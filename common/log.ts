// One small logger for both processes. Lines are short and aligned for people on a terminal
// and JSON for journald/log shippers; secrets are masked before anything is written, and
// noisy sources (bad messages from a misbehaving agent) go through a rate limiter so a flood
// of garbage cannot flood the log as well.

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** The `log:` section of the agent's and the correlator's config files. */
export const logSectionSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    level: { enum: ['debug', 'info', 'warn', 'error'], default: 'info' },
    format: { enum: ['text', 'json'], default: 'text', description: 'text for people on a terminal, json for journald and log shippers.' },
  },
} as const;
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export interface LogOptions {
  level?: Level;
  format?: 'text' | 'json';
  /** Where lines go; stderr by default so stdout stays for command output. */
  write?: (line: string) => void;
  color?: boolean;
  now?: () => Date;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const COLOR: Record<Level, string> = { debug: '\x1b[2m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const SECRET_KEY = /pass(word)?|secret|token|api[_-]?key|authorization|credential|private[_-]?key/i;

/** Masks values whose key names a secret, at any depth. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Fields = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== '' ? '***' : redact(v, depth + 1);
  }
  return out;
}

/** Removes user:password from URLs such as mqtt://user:pw@host. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@:]+):([^/@]*)@/, '//$1:***@');
}

function textValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

export function createLogger(opts: LogOptions = {}, base: Fields = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const format = opts.format ?? 'text';
  const color = opts.color ?? (format === 'text' && process.stderr.isTTY === true);
  const now = opts.now ?? (() => new Date());

  function emit(level: Level, msg: string, fields?: Fields): void {
    if (ORDER[level] < min) return;
    const all = redact({ ...base, ...fields }) as Fields;
    if (format === 'json') {
      write(JSON.stringify({ time: now().toISOString(), level, msg, ...all }));
      return;
    }
    const time = now().toISOString().slice(11, 19);
    const lvl = level.toUpperCase().padEnd(5);
    const kv = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${textValue(v)}`)
      .join(' ');
    const head = color ? `${COLOR[level]}${lvl}\x1b[0m` : lvl;
    write(`${time} ${head} ${msg}${kv ? '  ' + kv : ''}`);
  }

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** A logger that drops everything; for tests and library use. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * Lets one line per key through per window and counts the rest, so the next line that does
 * get through can say how many were suppressed.
 */
export class RateLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Returns the number suppressed since the last allowed line, or -1 when this one is suppressed too. */
  allow(key: string): number {
    const now = this.clock();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.windowMs) {
      entry.suppressed++;
      return -1;
    }
    const suppressed = entry?.suppressed ?? 0;
    if (this.last.size > 1_000) this.last.clear(); // keys come from bounded sets; this is a backstop
    this.last.set(key, { at: now, suppressed: 0 });
    return suppressed;
  }
}
