// SNMP polling of network gear (v2c, or v3 with authentication and privacy): the device's own
// result (does it answer, uptime, CPU and RAM from HOST-RESOURCES-MIB where it has them) and
// one result per interface: link state, utilisation of the line speed in and out, error and
// discard rates. Counters of the previous poll are kept in memory per interface.

import type { FromSchema } from 'json-schema-to-ts';
import { budgetMs } from './budget.js';
import { commonCheckProperties, ms, type CheckOutcome, type CheckType } from './check.js';
import { errorClassOf } from './error-class.js';
import { ItemReporter } from './items.js';
import type { ListeningCheck } from './listener.js';
import { agentRestarted, interfaceRates, type CounterReading } from './snmp-counters.js';
import { loadNetSnmp, openSession, pollDevice, SnmpFailure, type IfRow, type PollOptions, type SnmpAuth } from './snmp-poll.js';
import { deviceOutcome, interfaceItem, selectInterfaces, type InterfaceSelector } from './snmp-report.js';

export const snmpV3Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['user', 'auth_password'],
  description: 'SNMPv3 user (USM). With priv_password: authPriv; without: authNoPriv.',
  properties: {
    user: { type: 'string', minLength: 1, maxLength: 32 },
    auth_protocol: { enum: ['sha', 'sha224', 'sha256', 'sha384', 'sha512', 'md5'], default: 'sha' },
    auth_password: { type: 'string', minLength: 8, 'x-expected': 'at least 8 characters (RFC 3414)', description: 'Write ${file:…}, never the password itself.' },
    priv_protocol: { enum: ['aes', 'aes256b', 'aes256r', 'des'], default: 'aes' },
    priv_password: { type: 'string', minLength: 8, 'x-expected': 'at least 8 characters (RFC 3414)' },
    context: { type: 'string', maxLength: 32 },
  },
} as const;

export const snmpCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'host'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'snmp', description: 'Poll a switch, router or firewall: the device, and one result per interface (type snmp_interface).' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 161 },
    version: { enum: ['v2c', 'v3'], default: 'v2c' },
    community: { type: 'string', minLength: 1, description: 'v2c community; write ${file:…}: it is a password.' },
    v3: snmpV3Schema,
    interfaces: {
      type: 'array',
      maxItems: 256,
      description: 'Interfaces to report; the first entry that matches gives its labels. Default: every interface that is administratively up, except loopbacks.',
      items: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 128, description: 'ifName, ifDescr or ifAlias; * and ? are wildcards.' },
          index: { type: 'integer', minimum: 1, description: 'ifIndex (changes on some devices after a reboot; prefer name).' },
          labels: commonCheckProperties.labels,
        },
      },
    },
    max_interfaces: { type: 'integer', minimum: 1, maximum: 1000, default: 64, description: 'At most this many interface results per poll.' },
    host_resources: { type: 'boolean', default: true, description: 'Read CPU and RAM from HOST-RESOURCES-MIB (many switches do not have it).' },
  },
  allOf: [
    {
      if: { required: ['version'], properties: { version: { const: 'v3' } } },
      then: { required: ['v3'] },
      else: { required: ['community'] },
    },
  ],
} as const;

export type SnmpCheckSpec = FromSchema<typeof snmpCheckSchema, { keepDefaultedPropertiesOptional: true }>;

async function authFor(spec: SnmpCheckSpec): Promise<SnmpAuth> {
  if ((spec.version ?? 'v2c') === 'v2c') return { version: '2c', community: spec.community ?? '' };
  const snmp = await loadNetSnmp();
  const v3 = spec.v3 as NonNullable<SnmpCheckSpec['v3']>;
  const priv = v3.priv_password !== undefined;
  return {
    version: '3',
    user: {
      name: v3.user,
      level: priv ? snmp.SecurityLevel.authPriv : snmp.SecurityLevel.authNoPriv,
      authProtocol: snmp.AuthProtocols[v3.auth_protocol ?? 'sha'],
      authKey: v3.auth_password,
      ...(priv ? { privProtocol: snmp.PrivProtocols[v3.priv_protocol ?? 'aes'], privKey: v3.priv_password } : {}),
    },
    ...(v3.context ? { context: v3.context } : {}),
  };
}

function reading(row: IfRow, at: number): CounterReading | undefined {
  if (row.inOctets === undefined || row.outOctets === undefined) return undefined;
  const { inErrors, outErrors, inDiscards, outDiscards } = row;
  return { at, bits: row.bits, inOctets: row.inOctets, outOctets: row.outOctets, inErrors, outErrors, inDiscards, outDiscards };
}

export const snmpCheck: CheckType<SnmpCheckSpec> = {
  schema: snmpCheckSchema,
  create(spec) {
    const port = spec.port ?? 161;
    const target = `snmp://${spec.host}:${port}`;
    const budget = budgetMs(spec);
    const reporter = new ItemReporter(spec, 'snmp');
    const previous = new Map<number, CounterReading>();
    let last: { ticks: number; at: number } | undefined;
    let auth: Promise<SnmpAuth> | undefined;

    const poll = async (signal: AbortSignal): Promise<CheckOutcome> => {
      auth ??= authFor(spec);
      const options: PollOptions = { host: spec.host, port, auth: await auth, requestTimeoutMs: Math.min(5000, Math.max(200, Math.floor(budget / 4))), hostResources: spec.host_resources ?? true };
      const session = openSession(await loadNetSnmp(), options);
      let timer: NodeJS.Timeout | undefined;
      const giveUp = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SnmpFailure('timeout', `poll did not finish within ${ms(budget)} (slow device or very large tables)`)), budget);
        signal.addEventListener('abort', () => reject(new SnmpFailure('timeout', 'aborted')), { once: true });
      });
      try {
        const started = performance.now();
        const result = await Promise.race([pollDevice(session, options), giveUp]);
        const at = Date.now();
        const restarted = last !== undefined && agentRestarted(last.ticks, result.ticks, at - last.at);
        last = { ticks: result.ticks, at };
        const { chosen, skipped } = selectInterfaces(result.interfaces, spec.interfaces as InterfaceSelector[] | undefined, spec.max_interfaces ?? 64);
        const items = chosen.map((c) => {
          const cur = reading(c.row, at);
          const rates = cur ? interfaceRates(previous.get(c.row.index), cur, c.row.speedBps, restarted) : ({ ok: false, why: 'no octet counters' } as const);
          return interfaceItem(c, rates, target);
        });
        previous.clear();
        for (const c of chosen) {
          const cur = reading(c.row, at);
          if (cur) previous.set(c.row.index, cur);
        }
        reporter.report(items, performance.now() - started);
        return deviceOutcome(result, chosen, skipped, target, restarted);
      } finally {
        clearTimeout(timer);
        giveUp.catch(() => undefined);
        session.close();
      }
    };

    const check: ListeningCheck = {
      name: spec.name,
      type: 'snmp',
      listen: (emit) => reporter.listen(emit),
      unlisten: () => reporter.unlisten(),
      async run(signal): Promise<CheckOutcome> {
        try {
          return await poll(signal);
        } catch (err) {
          if (err instanceof SnmpFailure) return { status: 'critical', summary: err.message, target, errorClass: err.kind === 'error' ? errorClassOf(err) : err.kind, fields: { error_class: err.kind } };
          throw err;
        }
      },
    };
    return check;
  },
};
