// Small JSON state files in the agent's data directory (a log's read position, a filesystem's
// readings, inspections' last runs): written to a temporary file and renamed, so a crash or a
// full disk mid-write leaves the previous state rather than half a file.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function saveJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(value));
  await rename(`${file}.tmp`, file);
}

/** The parsed file, or undefined when it is missing or damaged (the caller starts afresh). */
export async function loadJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
