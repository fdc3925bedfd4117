// The host facts sent in the birth message. On Linux everything comes from files and node:os
// (no child process); elsewhere systeminformation asks the OS once at start. Loading
// systeminformation costs about 10 MB of RSS, which a workstation agent should not carry
// where /proc and /sys already have the answer.

import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, networkInterfaces, platform, release, totalmem } from 'node:os';
import type { Inventory, Role } from '../../protocol/schema.js';

export interface InventoryInput {
  role: Role;
  version: string;
  intervalS: number;
  labels: Record<string, string>;
  checks?: string[];
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1');
  }
  return out;
}

const VIRTUAL = /kvm|qemu|vmware|virtualbox|virtual machine|hvm domu|xen|firecracker|hyper-v|bochs|openstack/i;

function addresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80')) out.push(a.address);
  }
  return out.slice(0, 32);
}

function clip(s: string | undefined, n = 128): string | undefined {
  return s === undefined ? undefined : s.slice(0, n);
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;
}

export async function collectInventory(input: InventoryInput): Promise<Inventory> {
  const os = platform();
  const base = {
    hostname: hostname().slice(0, 255),
    role: input.role,
    version: input.version,
    interval_s: input.intervalS,
    labels: input.labels,
    addresses: addresses(),
    ...(input.checks ? { checks: input.checks.slice(0, 512) } : {}),
  };
  const cpuList = cpus();
  if (os === 'linux') {
    const rel = parseOsRelease(readText('/etc/os-release') ?? '');
    const product = readText('/sys/class/dmi/id/product_name');
    const vendor = readText('/sys/class/dmi/id/sys_vendor');
    const hypervisor = /\bhypervisor\b/.test(readText('/proc/cpuinfo')?.slice(0, 20_000) ?? '');
    return {
      ...base,
      os: defined({ platform: os, distro: clip(rel.PRETTY_NAME ?? rel.NAME), release: clip(rel.VERSION_ID), kernel: clip(release()), arch: arch() }),
      hardware: defined({
        manufacturer: clip(vendor),
        model: clip(product),
        virtual: hypervisor || VIRTUAL.test(`${vendor ?? ''} ${product ?? ''}`),
        cpus: cpuList.length,
        cpu_model: clip(cpuList[0]?.model.trim()),
        mem_bytes: totalmem(),
      }),
    };
  }
  const si = await import('systeminformation');
  const [osInfo, system] = await Promise.all([si.osInfo().catch(() => undefined), si.system().catch(() => undefined)]);
  return {
    ...base,
    os: defined({ platform: os, distro: clip(osInfo?.distro), release: clip(osInfo?.release), kernel: clip(osInfo?.kernel ?? release()), arch: arch() }),
    hardware: defined({
      manufacturer: clip(system?.manufacturer),
      model: clip(system?.model),
      virtual: system?.virtual ?? false,
      cpus: cpuList.length,
      cpu_model: clip(cpuList[0]?.model.trim()),
      mem_bytes: totalmem(),
    }),
  };
}
