// Replay: a recorded stream of wire messages (one JSON object per line: topic, payload,
// arrival time) through the same decode and engine as the live correlator, on a virtual clock
// that ticks between messages the way the live correlator's timer does. Same input, same
// output, every time.

import { decode } from '../../protocol/decode.js';
import type { Decision, Engine } from '../engine/engine.js';
import type { Incident } from '../correlate/incident.js';
import { incidentRef } from '../correlate/incident.js';
import { payloadOf, type RecordedInput } from '../ingest/recorder.js';
import { pathText, validatorFor } from '../../common/yaml-file.js';
import { silenceFromRequest, silenceRequestSchema, type Silence, type SilenceRequest } from '../correlate/silence.js';

export interface ReplayStats {
  lines: number;
  messages: number;
  invalid: number;
  duplicates: number;
  samples: number;
  /** Alerts raised (each alert id counted once per firing). */
  alerts: number;
  incidents: number;
  firstAt?: number;
  lastAt?: number;
}

export interface ReplayOptions {
  tickMs?: number;
  /**
   * Virtual time to run on after the last message, so windows and holds can close. Only the
   * correlation timers run then: the end of a recording is not the agents going silent.
   */
  tailMs?: number;
  onDecision?: (d: Decision) => void;
  onProgress?: (lines: number) => void;
}

export interface IncidentLine {
  id: string;
  root: string;
  title: string;
  priority: string;
  why: string;
  symptoms: number;
  alerts: number;
  rules: string[];
  runbooks: string[];
  opened: string;
  resolved: string | null;
  flapping?: boolean;
  merged_into?: string;
  impact?: Incident['impact'];
}

export function incidentLine(i: Incident): IncidentLine {
  return {
    id: incidentRef(i.id),
    root: i.root,
    title: i.title,
    priority: i.priority,
    why: i.priorityReason,
    symptoms: i.alerts.filter((a) => a.role === 'symptom').length,
    alerts: i.alerts.length,
    rules: [...new Set(i.alerts.map((a) => a.rule))].sort(),
    runbooks: i.runbooks,
    opened: new Date(i.openedAt).toISOString(),
    resolved: i.resolvedAt !== undefined ? new Date(i.resolvedAt).toISOString() : null,
    ...(i.flapping ? { flapping: true } : {}),
    ...(i.mergedInto !== undefined ? { merged_into: incidentRef(i.mergedInto) } : {}),
    ...(i.impact ? { impact: i.impact } : {}),
  };
}

/** A recorded line: a wire message, or a silence set or ended through the API. */
export type ReplayLine = RecordedInput | { at: number; silence: Silence } | { at: number; unsilence: { id: string; by: string } } | { at: number; link: 'up' | 'down' };

/**
 * A silence line: as the correlator records it (a Silence, with its times in milliseconds), or
 * as a person writes it, in the API's request body shape, with the line's optional `id` and
 * `by` beside it: {"at": …, "id": "pacs-upgrade", "by": "wang.fang", "silence": {"nodes":
 * ["pacs-01"], "duration": "1h", "comment": "PACS upgrade"}}.
 */
function silenceOfLine(x: { at: number; silence: unknown; id?: unknown; by?: unknown }, n: number): Silence {
  const s = x.silence as Partial<Silence> | null;
  if (s && typeof s === 'object' && typeof s.startsAt === 'number' && typeof s.id === 'string') return s as Silence;
  const validate = validatorFor(silenceRequestSchema);
  if (!validate(x.silence)) {
    const e = validate.errors?.find((err) => err.keyword === 'additionalProperties') ?? validate.errors?.[0];
    const path = pathText(['silence', ...(e?.instancePath ?? '').split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p))]);
    const why = e?.keyword === 'additionalProperties' ? `unknown field "${String(e.params.additionalProperty)}"` : (e?.message ?? 'invalid');
    throw new Error(`line ${n}: ${path}: ${why} (a silence is the API's request body: matchers/nodes, starts_at, ends_at or duration, comment)`);
  }
  const id = typeof x.id === 'string' && x.id ? x.id : `sil-line-${n}`;
  const asked = silenceFromRequest(x.silence as SilenceRequest, x.at, id, typeof x.by === 'string' && x.by ? x.by : 'replay');
  if (!asked.ok) throw new Error(`line ${n}: silence: ${asked.error}`);
  return asked.silence;
}

export function parseLine(line: string, n: number): ReplayLine {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch (err) {
    throw new Error(`line ${n}: not JSON: ${(err as Error).message}`);
  }
  const x = r as Partial<RecordedInput> & { silence?: unknown; unsilence?: { id: string; by: string }; id?: unknown; by?: unknown };
  if (x && typeof x.at === 'number' && x.silence !== undefined) return { at: x.at, silence: silenceOfLine({ at: x.at, silence: x.silence, id: x.id, by: x.by }, n) };
  if (x && typeof x.at === 'number' && x.unsilence) return x as ReplayLine;
  // The correlator's own broker link, as it recorded it going down and coming back.
  const link = (r as { link?: unknown }).link;
  if (x && typeof x.at === 'number' && link !== undefined) {
    if (link !== 'up' && link !== 'down') throw new Error(`line ${n}: link: expected "up" or "down"`);
    return { at: x.at, link };
  }
  if (!x || typeof x.topic !== 'string' || typeof x.at !== 'number' || (x.payload === undefined && typeof x.payload_b64 !== 'string')) {
    throw new Error(`line ${n}: expected {"topic": "...", "payload": ..., "at": <ms>}`);
  }
  return x as RecordedInput;
}

export function replay(engine: Engine, inputs: Iterable<ReplayLine>, opts: ReplayOptions = {}): { incidents: Incident[]; stats: ReplayStats } {
  const tickMs = opts.tickMs ?? 1_000;
  const stats: ReplayStats = { lines: 0, messages: 0, invalid: 0, duplicates: 0, samples: 0, alerts: 0, incidents: 0 };
  const incidents = new Map<number, Incident>();
  let clock: number | undefined;
  const apply = (ds: Decision[]) => {
    for (const d of ds) {
      opts.onDecision?.(d);
      if (d.type === 'alert.firing') stats.alerts++;
      if (d.type === 'incident.opened' || d.type === 'incident.updated' || d.type === 'incident.resolved') incidents.set(d.incident.id, d.incident);
    }
  };
  // Ticks every tickMs like the live timer, and also exactly when a correlation deadline is due
  // (a settling window ending), as the live correlator does.
  const tickUntil = (at: number, timersOnly = false) => {
    let now: number = clock ?? at;
    for (;;) {
      const deadline = engine.nextDeadline();
      const next: number = deadline !== undefined && deadline > now && deadline < now + tickMs ? deadline : now + tickMs;
      if (next > at) break;
      now = next;
      apply(engine.handle({ type: 'tick', at: now, timersOnly }));
    }
    clock = now;
  };
  for (const input of inputs) {
    stats.lines++;
    if (stats.lines % 10_000 === 0) opts.onProgress?.(stats.lines);
    tickUntil(input.at);
    stats.firstAt ??= input.at;
    stats.lastAt = input.at;
    if ('silence' in input) {
      apply(engine.handle({ type: 'silence', silence: input.silence, at: input.at }));
      continue;
    }
    if ('unsilence' in input) {
      apply(engine.handle({ type: 'unsilence', id: input.unsilence.id, by: input.unsilence.by, at: input.at }));
      continue;
    }
    if ('link' in input) {
      apply(engine.handle({ type: 'link', up: input.link === 'up', at: input.at }));
      continue;
    }
    const decoded = decode(input.topic, payloadOf(input));
    if (!decoded.ok) {
      stats.invalid++;
      continue;
    }
    stats.messages++;
    if (decoded.message.kind === 'metrics') stats.samples += decoded.message.samples.length;
    const before = engine.duplicates;
    apply(engine.handle({ type: 'message', message: decoded.message, at: input.at }));
    if (engine.duplicates > before) stats.duplicates++;
  }
  if (clock !== undefined) tickUntil(clock + (opts.tailMs ?? 300_000), true);
  const list = [...incidents.values()].sort((a, b) => a.id - b.id);
  stats.incidents = list.filter((i) => i.mergedInto === undefined).length;
  return { incidents: list, stats };
}
