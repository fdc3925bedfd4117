// Real DICOM peers from Debian's dcmtk, on a free port, stopped when the test ends.
// storescp and dcmqrscp have no option to bind one address: they listen on every interface of
// this machine for the few seconds a test runs (the port is chosen free on loopback).

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { tmpDir } from './tmp.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface DicomPeer {
  port: number;
  aeTitle: string;
  output(): string;
}

async function startPeer(t: Teardown, command: string, args: string[], port: number, aeTitle: string, cwd: string): Promise<DicomPeer> {
  const proc: ChildProcess = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  });
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${out}`))));
  await Promise.race([waitForPort(port, 10_000), exited]);
  exited.catch(() => undefined);
  return { port, aeTitle, output: () => out };
}

/** storescp: accepts any called AE title; with refuse, rejects every association. */
export async function startStorescp(t: Teardown, opts: { aeTitle?: string; refuse?: boolean } = {}): Promise<DicomPeer> {
  const dir = tmpDir(t, 'wardwatch-storescp-');
  const port = await freePort();
  const aeTitle = opts.aeTitle ?? 'PACS01';
  const args = ['-aet', aeTitle, '--output-directory', dir, ...(opts.refuse ? ['--refuse'] : []), String(port)];
  return startPeer(t, 'storescp', args, port, aeTitle, dir);
}

/** dcmqrscp with one configured AE title: associations to any other called AE are rejected. */
export async function startDcmqrscp(t: Teardown, opts: { aeTitle?: string } = {}): Promise<DicomPeer> {
  const dir = tmpDir(t, 'wardwatch-dcmqrscp-');
  const port = await freePort();
  const aeTitle = opts.aeTitle ?? 'PACS01';
  mkdirSync(join(dir, 'db'));
  const config = [
    `NetworkTCPPort = ${port}`,
    'MaxPDUSize = 16384',
    'MaxAssociations = 16',
    'HostTable BEGIN',
    'HostTable END',
    'VendorTable BEGIN',
    'VendorTable END',
    'AETable BEGIN',
    `${aeTitle} ${join(dir, 'db')} R (10, 16mb) ANY`,
    'AETable END',
  ].join('\n');
  writeFileSync(join(dir, 'dcmqrscp.cfg'), config + '\n');
  return startPeer(t, 'dcmqrscp', ['-c', join(dir, 'dcmqrscp.cfg')], port, aeTitle, dir);
}
