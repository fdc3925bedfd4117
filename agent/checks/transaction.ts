// Synthetic transaction: a test account walks through what a clerk does (log in, search a
// test patient, open the registration page) as a declared sequence of HTTP steps. It answers
// "real outage or false alarm?" and "which part is slow?": each step's time is a field, and a
// failure names its step ("step 2 search-patient: HTTP 500 after 5.2 s"). Values extracted
// from one step ({{token}}) and a cookie jar carry the session into the next. Secrets (the
// test password, tokens, cookies) are scrubbed from everything the check reports.

import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import { UserError } from '../../common/errors.js';
import type { CheckStatus, ErrorClass } from '../../protocol/schema.js';
import { commonCheckProperties, ms, type CheckOutcome, type CheckType } from './check.js';
import { CookieJar } from './cookie-jar.js';
import { errorClassOf } from './error-class.js';
import { HttpFailure, httpExchange, type HttpExchange } from './http-client.js';
import { compileExpect, compileRegex, expectSchema, type CompiledExpect } from './http-expect.js';
import { headersSchema, requestHeaders, worst } from './http.js';
import { jsonPathGet, parseJsonPath, valueText, type PathStep } from './json-path.js';
import { isSecretName, safeUrl, Scrubber } from './secrets.js';
import { placeholders, placeholdersDeep, render, renderDeep } from './template.js';

const duration = { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "2s"' } as const;
const varMap = { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }, additionalProperties: { type: 'string' } } as const;

const extractSchema = {
  'x-expected': 'one of { json: "$.path" }, { regex: "…", group: 1 }, { header: "Name" }, { cookie: "NAME" }',
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['json'], properties: { json: { type: 'string', pattern: '^\\$' } } },
    { type: 'object', additionalProperties: false, required: ['regex'], properties: { regex: { type: 'string', minLength: 1 }, group: { type: 'integer', minimum: 0, default: 1 } } },
    { type: 'object', additionalProperties: false, required: ['header'], properties: { header: { type: 'string', minLength: 1 } } },
    { type: 'object', additionalProperties: false, required: ['cookie'], properties: { cookie: { type: 'string', minLength: 1 } } },
  ],
} as const;

const stepSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'url'],
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,39}$', 'x-expected': 'a step name of lowercase letters, digits, "-" or "_"', description: 'Shown in summaries; its time is the field step_<name>_ms.' },
    method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], default: 'GET' },
    url: { type: 'string', minLength: 1, description: 'Absolute, or relative to base_url; {{values}} in it are percent-encoded.' },
    headers: headersSchema,
    json: { description: 'Body sent as JSON; {{values}} are filled in every string.' },
    form: { ...varMap, description: 'Body sent as an HTML form (application/x-www-form-urlencoded).' },
    body: { type: 'string', description: 'Body sent as is (after filling {{values}}), with content_type.' },
    content_type: { type: 'string', default: 'text/plain; charset=utf-8' },
    follow_redirects: { type: 'boolean', default: true },
    expect: expectSchema,
    extract: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }, additionalProperties: extractSchema, description: 'Values taken from the response for later steps: {{name}}.' },
    warn_after: { ...duration, description: 'This step slower than this is a warning.' },
    timeout: { ...duration, description: 'This step gives up after this long (default: what is left of the check\'s timeout).' },
  },
} as const;

export const transactionCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'steps'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'transaction', description: 'A sequence of HTTP steps with a test account (log in, search, open a page).' },
    base_url: { type: 'string', pattern: '^https?://[^\\s]+$', 'x-expected': 'a URL like "https://his.hospital.local"' },
    vars: { ...varMap, description: 'Values for {{name}}; names that say password/token/secret/key are treated as secrets.' },
    secrets: { ...varMap, description: 'Values for {{name}} that never appear in results or logs; write ${env:NAME} or ${file:/path}.' },
    warn_after: { ...duration, description: 'All steps together slower than this is a warning.' },
    steps: { type: 'array', minItems: 1, maxItems: 16, items: stepSchema },
  },
} as const;

export type TransactionCheckSpec = FromSchema<typeof transactionCheckSchema, { keepDefaultedPropertiesOptional: true }>;
type StepSpec = TransactionCheckSpec['steps'][number];
type ExtractSpec = { json: string } | { regex: string; group?: number } | { header: string } | { cookie: string };

interface Step {
  spec: StepSpec;
  field: string;
  expect: CompiledExpect;
  extract: Array<{ name: string; spec: ExtractSpec; how: string; path?: PathStep[]; regex?: RegExp }>;
  warnMs: number;
  timeoutMs: number;
}

function compileStep(spec: StepSpec, index: number, where: string, known: Set<string>): Step {
  const at = `${where}: steps[${index}] (${spec.name})`;
  const used = [spec.url, ...Object.values(spec.headers ?? {}), spec.body ?? '', spec.expect?.body_contains ?? ''].flatMap(placeholders);
  used.push(...placeholdersDeep(spec.json), ...placeholdersDeep(spec.form ?? {}), ...placeholdersDeep((spec.expect?.json ?? []).map((j) => j.equals)));
  const unknown = used.find((n) => !known.has(n));
  if (unknown) throw new UserError(`${at} uses {{${unknown}}}, which is not in vars or secrets and no earlier step extracts`);
  if ([spec.json !== undefined, spec.form !== undefined, spec.body !== undefined].filter(Boolean).length > 1) throw new UserError(`${at}: give one of json, form or body`);
  const extract = Object.entries(spec.extract ?? {}).map(([name, raw]) => {
    const e = raw as ExtractSpec;
    known.add(name);
    if ('json' in e) {
      const p = parseJsonPath(e.json);
      if (!p.ok) throw new UserError(`${at}: extract.${name}.json: ${p.error}`);
      return { name, spec: e, how: `json ${e.json}`, path: p.steps };
    }
    if ('regex' in e) return { name, spec: e, how: `regex /${e.regex}/`, regex: compileRegex(e.regex, `${at}: extract.${name}`) };
    return { name, spec: e, how: 'header' in e ? `header ${e.header}` : `cookie ${e.cookie}` };
  });
  return {
    spec,
    field: `step_${spec.name.replace(/-/g, '_')}_ms`,
    expect: compileExpect(spec.expect, at),
    extract,
    warnMs: spec.warn_after ? durationMs(spec.warn_after) : Infinity,
    timeoutMs: spec.timeout ? durationMs(spec.timeout) : Infinity,
  };
}

function extracted(step: Step['extract'][number], ex: HttpExchange, jar: CookieJar): string | undefined {
  const e = step.spec;
  if ('json' in e) {
    try {
      const v = jsonPathGet(JSON.parse(ex.body), step.path ?? []);
      return v === undefined || v === null ? undefined : valueText(v);
    } catch {
      return undefined;
    }
  }
  if ('regex' in e) return step.regex?.exec(ex.body)?.[e.group ?? 1];
  if ('header' in e) return ex.headers.get(e.header) ?? undefined;
  return jar.get(e.cookie);
}

function requestBody(spec: StepSpec, values: ReadonlyMap<string, string>): { body?: string; type?: string } {
  if (spec.json !== undefined) return { body: JSON.stringify(renderDeep(spec.json, values)), type: 'application/json' };
  if (spec.form !== undefined) return { body: new URLSearchParams(renderDeep(spec.form, values) as Record<string, string>).toString(), type: 'application/x-www-form-urlencoded' };
  if (spec.body !== undefined) return { body: render(spec.body, values), type: spec.content_type ?? 'text/plain; charset=utf-8' };
  return {};
}

/** What one run carries from step to step. */
interface RunState {
  values: Map<string, string>;
  jar: CookieJar;
  scrubber: Scrubber;
}

type StepResult = { ok: true; ms: number } | { ok: false; why: string; ms: number; statusCode?: number; errorClass: ErrorClass };

/** One step: request, expectations, extractions. Throws only when the whole check was aborted. */
async function runStep(step: Step, run: RunState, baseUrl: string | undefined, signal: AbortSignal, budgetMs: number): Promise<StepResult> {
  const stepMs = Math.max(1, Math.floor(Math.min(step.timeoutMs, budgetMs)));
  const stepSignal = AbortSignal.any([signal, AbortSignal.timeout(stepMs)]);
  const url = new URL(render(step.spec.url, run.values, encodeURIComponent), baseUrl).toString();
  const headers = requestHeaders(Object.fromEntries(Object.entries(step.spec.headers ?? {}).map(([k, v]) => [k, render(v, run.values)])), undefined, run.scrubber);
  const { body, type } = requestBody(step.spec, run.values);
  if (type && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = type;
  const started = performance.now();
  let ex: HttpExchange;
  try {
    ex = await httpExchange({ method: step.spec.method ?? 'GET', url, headers, ...(body !== undefined ? { body } : {}), followRedirects: step.spec.follow_redirects ?? true, jar: run.jar, signal: stepSignal });
  } catch (err) {
    if (signal.aborted) throw err;
    const why = stepSignal.aborted ? `no answer within ${ms(stepMs)}` : err instanceof HttpFailure ? err.message : `request failed: ${(err as Error).message}`;
    const errorClass = stepSignal.aborted ? 'timeout' : err instanceof HttpFailure ? err.errorClass : errorClassOf(err);
    return { ok: false, why, ms: performance.now() - started, errorClass };
  }
  const fail = (why: string, errorClass: ErrorClass = 'protocol'): StepResult => ({ ok: false, why, ms: ex.totalMs, statusCode: ex.status, errorClass });
  if (!step.expect.statusOk(ex.status)) return fail(`HTTP ${ex.status} after ${ms(ex.totalMs)}`, 'http-status');
  const problem = step.expect.bodyProblem(ex, (t) => render(t, run.values));
  if (problem) return fail(`HTTP ${ex.status} in ${ms(ex.totalMs)}, but ${problem}`);
  for (const e of step.extract) {
    const v = extracted(e, ex, run.jar);
    if (v === undefined) return fail(`could not extract ${e.name} (${e.how})`);
    run.values.set(e.name, v);
    run.scrubber.add(v);
  }
  return { ok: true, ms: ex.totalMs };
}

function compileSteps(spec: TransactionCheckSpec, where: string, known: Set<string>): Step[] {
  const names = new Set<string>();
  return spec.steps.map((s, i) => {
    if (!spec.base_url && !/^https?:\/\//.test(s.url)) throw new UserError(`${where}: steps[${i}] (${s.name}): url must be absolute (http:// or https://) when there is no base_url`);
    if (names.has(s.name)) throw new UserError(`${where}: steps[${i}]: step name "${s.name}" is used twice`);
    names.add(s.name);
    return compileStep(s, i, where, known);
  });
}

const round = (n: number) => Math.round(n * 100) / 100;

export const transactionCheck: CheckType<TransactionCheckSpec> = {
  schema: transactionCheckSchema,
  create(spec) {
    const where = `check ${spec.name}`;
    const statics = new Map<string, string>([...Object.entries(spec.vars ?? {}), ...Object.entries(spec.secrets ?? {})]);
    const secretValues = [...Object.values(spec.secrets ?? {}), ...Object.entries(spec.vars ?? {}).filter(([k]) => isSecretName(k)).map(([, v]) => v)];
    const steps = compileSteps(spec, where, new Set(statics.keys()));
    const checkTimeoutMs = durationMs(spec.timeout ?? '10s');
    const warnMs = spec.warn_after ? durationMs(spec.warn_after) : Infinity;
    const target = safeUrl(spec.base_url ?? new URL(spec.steps[0]?.url ?? '/', 'http://invalid').origin);

    return {
      name: spec.name,
      type: 'transaction',
      async run(signal): Promise<CheckOutcome> {
        // Ends a little before the runner's own timeout, so a hung step is named in the summary.
        const deadline = performance.now() + checkTimeoutMs - 50;
        const run: RunState = { values: new Map(statics), jar: new CookieJar(), scrubber: new Scrubber() };
        for (const v of secretValues) run.scrubber.add(v);
        const fields: Record<string, number> = { steps: steps.length };
        let status: CheckStatus = 'ok';
        let note = '';
        let total = 0;
        const done = (st: CheckStatus, summary: string, extra: Record<string, number> = {}, errorClass?: ErrorClass): CheckOutcome => {
          for (const v of run.jar.values()) run.scrubber.add(v);
          return { status: st, summary: run.scrubber.scrub(summary), target: run.scrubber.scrub(target), ...(errorClass ? { errorClass } : {}), fields: { ...fields, total_ms: round(total), ...extra } };
        };
        for (const [i, step] of steps.entries()) {
          const label = `step ${i + 1} ${step.spec.name}`;
          const r = await runStep(step, run, spec.base_url, signal, deadline - performance.now());
          total += r.ms;
          if (r.ok || r.statusCode !== undefined) fields[step.field] = round(r.ms); // the step answered
          if (!r.ok) return done('critical', `${label}: ${r.why}`, { failed_step: i + 1, ...(r.statusCode !== undefined ? { status_code: r.statusCode } : {}) }, r.errorClass);
          if (r.ms > step.warnMs && status === 'ok') {
            status = 'warning';
            note = `${label} slow: ${ms(r.ms)} (warn after ${ms(step.warnMs)})`;
          }
        }
        if (total > warnMs) {
          status = worst(status, 'warning');
          note ||= `${steps.length} steps took ${ms(total)} (warn after ${ms(warnMs)})`;
        }
        return done(status, note || `${steps.length} steps ok in ${ms(total)}`);
      },
    };
  },
};
