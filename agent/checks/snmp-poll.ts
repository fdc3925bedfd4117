// One SNMP poll of a device (v2c or v3): sysUpTime and sysName, the interface tables (IF-MIB
// ifTable and ifXTable) and, where the device has HOST-RESOURCES-MIB, processor load and RAM.
// net-snmp is loaded on first use. The conversions from table rows are pure and exported for
// tests with recorded values.

import type { Session, TableRows, User, Varbind } from 'net-snmp';
import { counterValue, lineSpeedBps } from './snmp-counters.js';

type NetSnmp = typeof import('net-snmp');
let lib: Promise<NetSnmp> | undefined;

export function loadNetSnmp(): Promise<NetSnmp> {
  lib ??= import('net-snmp').then((m) => ((m as unknown as { default?: NetSnmp }).default ?? m) as NetSnmp);
  return lib;
}

export const OID = {
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  ifTable: '1.3.6.1.2.1.2.2',
  ifXTable: '1.3.6.1.2.1.31.1.1',
  hrProcessorLoad: '1.3.6.1.2.1.25.3.3.1.2',
  hrStorageTable: '1.3.6.1.2.1.25.2.3',
  hrStorageRam: '1.3.6.1.2.1.25.2.1.2',
} as const;

// ifTable: 2 ifDescr, 3 ifType, 5 ifSpeed, 7 ifAdminStatus, 8 ifOperStatus, 10 ifInOctets,
// 13 ifInDiscards, 14 ifInErrors, 16 ifOutOctets, 19 ifOutDiscards, 20 ifOutErrors.
const IF_COLUMNS = [2, 3, 5, 7, 8, 10, 13, 14, 16, 19, 20];
// ifXTable: 1 ifName, 6 ifHCInOctets, 10 ifHCOutOctets, 15 ifHighSpeed, 18 ifAlias.
const IFX_COLUMNS = [1, 6, 10, 15, 18];
// hrStorageTable: 2 hrStorageType, 4 hrStorageAllocationUnits, 5 hrStorageSize, 6 hrStorageUsed.
const HR_STORAGE_COLUMNS = [2, 4, 5, 6];

export type SnmpAuth = { version: '2c'; community: string } | { version: '3'; user: User; context?: string };

export interface PollOptions {
  host: string;
  port: number;
  auth: SnmpAuth;
  /** Per request; each request is tried twice. */
  requestTimeoutMs: number;
  hostResources: boolean;
}

export interface IfRow {
  index: number;
  /** ifName, else ifDescr, else "if<index>": what people call the interface. */
  name: string;
  descr: string;
  alias: string;
  type: number;
  admin: number;
  oper: number;
  speedBps?: number;
  bits: 32 | 64;
  inOctets?: bigint;
  outOctets?: bigint;
  inErrors?: bigint;
  outErrors?: bigint;
  inDiscards?: bigint;
  outDiscards?: bigint;
}

export interface Poll {
  ticks: number;
  sysName?: string;
  interfaces: IfRow[];
  /** hrProcessorLoad of each processor (percent over the last minute). */
  cpuLoads: number[];
  ram?: { sizeBytes: number; usedBytes: number };
}

export class SnmpFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'auth' | 'error',
    message: string,
  ) {
    super(message);
  }
}

const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8').replace(/[\x00-\x1f\x7f]/g, '').trim() : typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Interface rows from ifTable and ifXTable (either may be empty on old or odd devices). */
export function interfacesFrom(ifTable: TableRows, ifXTable: TableRows): IfRow[] {
  const out: IfRow[] = [];
  for (const [key, row] of Object.entries(ifTable)) {
    const index = Number(key);
    const x = ifXTable[key] ?? {};
    const hcIn = counterValue(x['6']);
    const hcOut = counterValue(x['10']);
    const hc = hcIn !== undefined && hcOut !== undefined;
    const descr = text(row['2']);
    out.push({
      index,
      name: text(x['1']) || descr || `if${index}`,
      descr,
      alias: text(x['18']),
      type: num(row['3']) ?? 0,
      admin: num(row['7']) ?? 0,
      oper: num(row['8']) ?? 0,
      ...(lineSpeedBps(num(row['5']), num(x['15'])) !== undefined ? { speedBps: lineSpeedBps(num(row['5']), num(x['15'])) } : {}),
      bits: hc ? 64 : 32,
      inOctets: hc ? hcIn : counterValue(row['10']),
      outOctets: hc ? hcOut : counterValue(row['16']),
      inErrors: counterValue(row['14']),
      outErrors: counterValue(row['20']),
      inDiscards: counterValue(row['13']),
      outDiscards: counterValue(row['19']),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Physical RAM from hrStorageTable (the row typed hrStorageRam). */
export function ramFrom(hrStorage: TableRows): Poll['ram'] {
  for (const row of Object.values(hrStorage)) {
    const type = row['2'];
    if (type !== OID.hrStorageRam && type !== `.${OID.hrStorageRam}`) continue;
    const unit = num(row['4']) ?? 0;
    const size = num(row['5']) ?? 0;
    const used = num(row['6']) ?? 0;
    if (unit > 0 && size > 0) return { sizeBytes: size * unit, usedBytes: used * unit };
  }
  return undefined;
}

function promised<T>(fn: (cb: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

function subtreeValues(session: Session, oid: string): Promise<Varbind[]> {
  const out: Varbind[] = [];
  return new Promise((resolve, reject) => {
    session.subtree(oid, 20, (vbs) => void out.push(...vbs), (err) => (err ? reject(err) : resolve(out)));
  });
}

/** Why a request failed, in the words an operator needs. */
export function snmpFailure(err: Error, o: PollOptions): SnmpFailure {
  const name = err.name ?? '';
  if (name === 'RequestTimedOutError' || /timed out/i.test(err.message)) {
    const creds = o.auth.version === '2c' ? 'wrong community, ' : '';
    return new SnmpFailure('timeout', `no SNMP answer (${creds}ACL, or the device is down)`);
  }
  if (/Wrong Digest|Unknown user|authentication|decrypt|Unknown security/i.test(err.message)) return new SnmpFailure('auth', `SNMPv3 authentication failed: ${err.message}`.slice(0, 200));
  return new SnmpFailure('error', `SNMP error: ${err.message}`.slice(0, 200));
}

export function openSession(snmp: NetSnmp, o: PollOptions): Session {
  const options = { port: o.port, retries: 1, timeout: o.requestTimeoutMs, transport: o.host.includes(':') ? ('udp6' as const) : ('udp4' as const) };
  const session =
    o.auth.version === '2c'
      ? snmp.createSession(o.host, o.auth.community, { ...options, version: snmp.Version2c })
      : snmp.createV3Session(o.host, o.auth.user, { ...options, ...(o.auth.context ? { context: o.auth.context } : {}) });
  session.on('error', () => undefined);
  return session;
}

/** Polls the device once. Rejects with SnmpFailure. */
export async function pollDevice(session: Session, o: PollOptions): Promise<Poll> {
  try {
    const system = await promised<Varbind[]>((cb) => session.get([OID.sysUpTime, OID.sysName], cb));
    const [ifTable, ifXTable, cpu, storage] = await Promise.all([
      promised<TableRows>((cb) => session.tableColumns(OID.ifTable, IF_COLUMNS, 20, cb)),
      promised<TableRows>((cb) => session.tableColumns(OID.ifXTable, IFX_COLUMNS, 20, cb)).catch(() => ({})),
      o.hostResources ? subtreeValues(session, OID.hrProcessorLoad).catch(() => []) : Promise.resolve([]),
      o.hostResources ? promised<TableRows>((cb) => session.tableColumns(OID.hrStorageTable, HR_STORAGE_COLUMNS, 20, cb)).catch(() => ({})) : Promise.resolve({}),
    ]);
    const sysName = text(system[1]?.value);
    const ram = ramFrom(storage);
    return {
      ticks: num(system[0]?.value) ?? 0,
      ...(sysName ? { sysName } : {}),
      interfaces: interfacesFrom(ifTable, ifXTable),
      cpuLoads: cpu.map((vb) => num(vb.value)).filter((v): v is number => v !== undefined),
      ...(ram ? { ram } : {}),
    };
  } catch (err) {
    throw err instanceof SnmpFailure ? err : snmpFailure(err as Error, o);
  }
}
