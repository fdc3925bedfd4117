// DICOM C-ECHO (Verification SOP class, 1.2.840.10008.1.1): opens an association with the
// PACS (or modality worklist, or router) as a configured calling AE, sends C-ECHO and releases.
// It proves the peer accepts our AE titles and answers DIMSE, which an open port does not;
// it does not prove storage works (a C-FIND on a known study would).
// dcmjs-dimse is loaded on the first run, so agents without DICOM checks never load it.

import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import { budgetMs } from './budget.js';
import type { ErrorClass } from '../../protocol/schema.js';
import { commonCheckProperties, ms, type CheckOutcome, type CheckType } from './check.js';
import { errorClassOf } from './error-class.js';

const aeTitle = { type: 'string', pattern: '^[\\x21-\\x5b\\x5d-\\x7e]([\\x20-\\x5b\\x5d-\\x7e]{0,14}[\\x21-\\x5b\\x5d-\\x7e])?$', 'x-expected': 'an AE title of 1 to 16 characters, no backslash' } as const;

export const dicomCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'host', 'port', 'called_ae'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'dicom', description: 'DICOM C-ECHO (verification) to a PACS, worklist or router.' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'DICOM port: 104, 11112 or the site\'s own.' },
    called_ae: { ...aeTitle, description: 'AE title of the peer (the PACS).' },
    calling_ae: { ...aeTitle, default: 'WARDWATCH', description: 'Our AE title; most PACS only accept callers registered with them.' },
    warn_after: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "1s"', description: 'An echo slower than this is a warning.' },
  },
} as const;

export type DicomCheckSpec = FromSchema<typeof dicomCheckSchema, { keepDefaultedPropertiesOptional: true }>;

type Dimse = typeof import('dcmjs-dimse');
let dimse: Promise<Dimse> | undefined;

async function loadDimse(): Promise<Dimse> {
  dimse ??= import('dcmjs-dimse').then((m) => {
    const lib = ((m as { default?: Dimse }).default ?? m) as Dimse;
    // Its logger prints every PDU at "trace" by default; the check reports what matters.
    lib.log.setLevel('silent');
    return lib;
  });
  return dimse;
}

export interface Rejection {
  result: number;
  source: number;
  reason: number;
}

/** Words for an A-ASSOCIATE-RJ, from PS3.8 table 9-21. */
export function rejectionText(r: Rejection): string {
  const permanence = r.result === 1 ? 'permanently' : r.result === 2 ? 'transiently' : `(result ${r.result})`;
  const reasons: Record<number, Record<number, string>> = {
    1: { 1: 'no reason given', 2: 'application context not supported', 3: 'calling AE title not recognised', 7: 'called AE title not recognised' },
    2: { 1: 'no reason given', 2: 'protocol version not supported' },
    3: { 1: 'temporary congestion', 2: 'local limit exceeded' },
  };
  return `association rejected ${permanence}: ${reasons[r.source]?.[r.reason] ?? `source ${r.source}, reason ${r.reason}`}`;
}

/**
 * Gives up on an association. dcmjs-dimse 0.3 only half-closes its socket on errors and cannot
 * abort before the association is accepted, so a peer that never answers would keep a socket
 * per run open: destroy it (the library keeps it as `network.socket`).
 */
function forceClose(client: object): void {
  const network = (client as { network?: { socket?: { destroy?: () => void } } }).network;
  network?.socket?.destroy?.();
}

/** dcmjs-dimse's network messages ("PACS01 -> Connection error: …") in a person's words. */
export function networkText(message: string): string {
  const m = message.replace(/^[^>]*->\s*/, '');
  if (/^Connection error: Unknown PDU type/.test(m)) return `the peer does not speak DICOM (${m.replace(/^Connection error: /, '')})`;
  if (/^Connection error: (connect|getaddrinfo) /.test(m)) return m.replace(/^Connection error: /, 'cannot connect: ');
  if (/^Connection error: /.test(m)) return m.replace(/^Connection error: /, 'connection failed: ');
  if (/^Connection timeout/.test(m)) return 'no answer in time (connection, association or PDU timeout)';
  return m.slice(0, 200);
}

export type EchoResult = { ok: true; ms: number; status: number } | { ok: false; why: string; status?: number; errorClass: ErrorClass };

/** One association with one C-ECHO; settles within budget or when the signal aborts. */
export async function cEcho(host: string, port: number, callingAe: string, calledAe: string, budget: number, signal: AbortSignal): Promise<EchoResult> {
  const { Client, requests } = await loadDimse();
  if (signal.aborted) return { ok: false, why: 'aborted', errorClass: 'timeout' };
  return new Promise((resolve) => {
    const started = performance.now();
    const client = new Client();
    const request = new requests.CEchoRequest();
    let status: number | undefined;
    let failure: { why: string; errorClass: ErrorClass } | undefined;
    let settled = false;
    const settle = (r: EchoResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = () => {
      forceClose(client);
      settle({ ok: false, why: 'aborted', errorClass: 'timeout' });
    };
    const timer = setTimeout(() => {
      forceClose(client);
      settle({ ok: false, why: `no C-ECHO response within ${ms(budget)}`, errorClass: 'timeout' });
    }, budget);
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('response', (response) => {
      status = response.getStatus();
    });
    client.on('networkError', (err: Error) => {
      // A peer that answers with something other than DICOM is a protocol fault, not the network's.
      failure ??= { why: networkText(err.message), errorClass: /Unknown PDU type/.test(err.message) ? 'protocol' : errorClassOf(err) };
    });
    client.on('associationRejected', (r: Rejection) => {
      failure = { why: rejectionText(r), errorClass: 'protocol' };
    });
    client.on('closed', () => {
      if (status === 0) settle({ ok: true, ms: performance.now() - started, status });
      else if (failure) settle({ ok: false, ...failure, ...(status !== undefined ? { status } : {}) });
      else if (status !== undefined) settle({ ok: false, why: `C-ECHO answered with status 0x${status.toString(16).padStart(4, '0')}`, status, errorClass: 'protocol' });
      else settle({ ok: false, why: 'association closed without a C-ECHO response', errorClass: 'protocol' });
    });
    client.addRequest(request);
    client.send(host, port, callingAe, calledAe, { connectTimeout: budget, associationTimeout: budget, pduTimeout: budget });
  });
}

export const dicomCheck: CheckType<DicomCheckSpec> = {
  schema: dicomCheckSchema,
  create(spec) {
    const calling = spec.calling_ae ?? 'WARDWATCH';
    const target = `dicom://${spec.host}:${spec.port}/${spec.called_ae}`;
    const warnMs = spec.warn_after ? durationMs(spec.warn_after) : Infinity;
    const budget = budgetMs(spec);
    return {
      name: spec.name,
      type: 'dicom',
      async run(signal): Promise<CheckOutcome> {
        const r = await cEcho(spec.host, spec.port, calling, spec.called_ae, budget, signal);
        if (!r.ok) return { status: 'critical', summary: r.why, target, errorClass: r.errorClass, fields: r.status !== undefined ? { status: r.status } : {} };
        const echoMs = Math.round(r.ms * 100) / 100;
        return { status: r.ms > warnMs ? 'warning' : 'ok', summary: `C-ECHO ok in ${ms(r.ms)}`, target, fields: { echo_ms: echoMs, status: r.status } };
      },
    };
  },
};
