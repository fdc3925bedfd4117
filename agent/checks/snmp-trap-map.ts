// SNMP notifications to check results, pure. linkDown is critical and linkUp ok on the same
// series (label iface), so a linkUp resolves what the linkDown raised; coldStart, warmStart and
// authenticationFailure are warnings; any other trap is a warning labelled with its OID.
// Only the trap's identity and the interface it names are kept: varbind values can carry
// anything a vendor chose to put there, and a probe publishes metrics, not content.

import type { CheckStatus } from '../../protocol/schema.js';
import type { Notification, Varbind } from 'net-snmp';

export const TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const SNMP_TRAPS = '1.3.6.1.6.3.1.1.5';
const IF_INDEX = '1.3.6.1.2.1.2.2.1.1.';
const IF_DESCR = '1.3.6.1.2.1.2.2.1.2.';
const IF_ADMIN = '1.3.6.1.2.1.2.2.1.7.';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1.';

const GENERIC: Record<string, { name: string; status: CheckStatus }> = {
  [`${SNMP_TRAPS}.1`]: { name: 'coldStart', status: 'warning' },
  [`${SNMP_TRAPS}.2`]: { name: 'warmStart', status: 'warning' },
  [`${SNMP_TRAPS}.3`]: { name: 'linkDown', status: 'critical' },
  [`${SNMP_TRAPS}.4`]: { name: 'linkUp', status: 'ok' },
  [`${SNMP_TRAPS}.5`]: { name: 'authenticationFailure', status: 'warning' },
};

export interface TrapEvent {
  status: CheckStatus;
  summary: string;
  /** Source device: from the address map, else the address itself as a node id. */
  node: string;
  /** iface for link traps (one series per interface), trap for the others. */
  key: Record<string, string>;
  fields: Record<string, string | number>;
  target: string;
}

const strip = (oid: string) => oid.replace(/^\./, '');

/** SNMPv1 traps carry generic/specific numbers; RFC 3584 maps them to v2 trap OIDs. */
export function trapOid(n: Notification): string | undefined {
  const { pdu } = n;
  if (pdu.generic !== undefined && pdu.enterprise !== undefined) {
    return pdu.generic < 6 ? `${SNMP_TRAPS}.${pdu.generic + 1}` : `${strip(pdu.enterprise)}.0.${pdu.specific ?? 0}`;
  }
  const vb = pdu.varbinds.find((v) => strip(v.oid) === TRAP_OID);
  return typeof vb?.value === 'string' ? strip(vb.value) : undefined;
}

/** A node id from an address: IPv4 as is; IPv6 with ":" as "-"; an IPv4-mapped IPv6 as IPv4. */
export function nodeFromAddress(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const id = (v4 ?? address).toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '');
  return id.slice(0, 128) || 'unknown';
}

function vbText(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8').replace(/[^\x20-\x7e]/g, '').trim().slice(0, 64) : '';
}

/** The interface a link trap names: ifName, else ifDescr, else "if<ifIndex>", as the snmp check names it. */
function linkInterface(varbinds: readonly Varbind[]): { iface: string; index?: number; adminDown: boolean } {
  let index: number | undefined;
  let name = '';
  let descr = '';
  let adminDown = false;
  for (const vb of varbinds) {
    const oid = strip(vb.oid);
    if (oid.startsWith(IF_INDEX) && typeof vb.value === 'number') index = vb.value;
    else if (oid.startsWith(IF_NAME)) name = vbText(vb.value);
    else if (oid.startsWith(IF_DESCR)) descr = vbText(vb.value);
    else if (oid.startsWith(IF_ADMIN)) adminDown = vb.value === 2;
    // Devices that send no ifIndex varbind still name the row in the instance of the others.
    if (index === undefined && /^1\.3\.6\.1\.2\.1\.2\.2\.1\.[78]\.(\d+)$/.test(oid)) index = Number(oid.split('.').pop());
  }
  const iface = name || descr || (index !== undefined ? `if${index}` : 'unknown');
  return { iface, ...(index !== undefined ? { index } : {}), adminDown };
}

export function trapEvent(n: Notification, nodes: Readonly<Record<string, string>>): TrapEvent {
  const address = n.rinfo.address;
  const node = nodes[address] ?? nodes[address.replace(/^::ffff:/i, '')] ?? nodeFromAddress(address);
  const oid = trapOid(n) ?? 'unknown';
  const known = GENERIC[oid];
  const uptime = n.pdu.varbinds.find((v) => strip(v.oid) === SYS_UPTIME)?.value ?? n.pdu.upTime;
  const fields: Record<string, string | number> = { trap: known?.name ?? oid.slice(0, 128), ...(typeof uptime === 'number' ? { device_uptime_s: Math.floor(uptime / 100) } : {}) };
  const target = `snmp-trap://${address}`;
  if (known?.name === 'linkDown' || known?.name === 'linkUp') {
    const link = linkInterface(n.pdu.varbinds);
    if (link.index !== undefined) fields.if_index = link.index;
    // A port shut down on purpose is not a fault.
    const status: CheckStatus = known.name === 'linkDown' && link.adminDown ? 'ok' : known.status;
    const why = known.name === 'linkDown' && link.adminDown ? ' (administratively down)' : '';
    return { status, summary: `${known.name} ${link.iface}${why} from ${address}`, node, key: { iface: link.iface }, fields, target };
  }
  const name = known?.name ?? oid;
  return { status: known?.status ?? 'warning', summary: `trap ${name} from ${address}`, node, key: { trap: name.slice(0, 128) }, fields, target };
}
