// Backup freshness: the newest file matching a pattern in the backup directory must be younger
// than max_age (and not suspiciously small). "Backup job failed" is a failure class in
// hospitals' emergency plans, and a job that silently stopped running is only found when the
// restore is needed. Typically scheduled: a nightly full at 01:00 is checked each morning, an
// hourly incremental every hour.

import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import { commonCheckProperties, type CheckOutcome, type CheckType } from './check.js';
import { bytes, hours } from './format.js';

const duration = { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "26h"' } as const;

export const backupCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'path', 'max_age'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'backup', description: 'The newest file matching a pattern must be younger than max_age.' },
    path: { type: 'string', minLength: 1, description: 'Directory the backup job writes to.' },
    pattern: { type: 'string', minLength: 1, default: '*', description: 'File name pattern: * any characters, ? one, [abc] one of; e.g. "his-full-*.dump".' },
    recursive: { type: 'boolean', default: false, description: 'Also look in subdirectories (jobs that write one folder per day).' },
    max_age: { ...duration, description: 'Newest file older than this is critical.' },
    warn_age: { ...duration, description: 'Newest file older than this is a warning.' },
    min_bytes: { type: 'integer', minimum: 0, default: 1, description: 'A newest file smaller than this is critical: an empty dump is a failed backup.' },
  },
} as const;

export type BackupCheckSpec = FromSchema<typeof backupCheckSchema, { keepDefaultedPropertiesOptional: true }>;

/** A shell-style file name pattern as a regex: *, ?, [abc], [!abc]; everything else literal. */
export function globRegex(pattern: string, caseInsensitive = false): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[' && pattern.indexOf(']', i + 2) > i) {
      const end = pattern.indexOf(']', i + 2);
      const body = pattern.slice(i + 1, end);
      out += `[${body.startsWith('!') ? '^' + body.slice(1).replace(/[\\\]]/g, '\\$&') : body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, caseInsensitive ? 'i' : '');
}

export interface Newest {
  path: string;
  mtimeMs: number;
  size: number;
  files: number;
}

/** The most recently modified matching file; stats only names that match. */
export async function newestFile(dir: string, match: RegExp, recursive: boolean, depth = 0): Promise<Newest | undefined> {
  let best: Newest | undefined;
  let files = 0;
  for await (const entry of await opendir(dir)) {
    const full = join(dir, entry.name);
    if (entry.isDirectory() && recursive && depth < 8) {
      const sub = await newestFile(full, match, true, depth + 1).catch(() => undefined);
      if (sub) {
        files += sub.files;
        if (!best || sub.mtimeMs > best.mtimeMs) best = { ...sub, files: 0 };
      }
    } else if ((entry.isFile() || entry.isSymbolicLink()) && match.test(entry.name)) {
      const s = await stat(full).catch(() => undefined); // deleted by a rotation meanwhile
      if (!s?.isFile()) continue;
      files++;
      if (!best || s.mtimeMs > best.mtimeMs) best = { path: full, mtimeMs: s.mtimeMs, size: s.size, files: 0 };
    }
  }
  return best ? { ...best, files } : undefined;
}

export const backupCheck: CheckType<BackupCheckSpec> = {
  schema: backupCheckSchema,
  create(spec) {
    const pattern = spec.pattern ?? '*';
    const match = globRegex(pattern, process.platform === 'win32');
    const maxMs = durationMs(spec.max_age);
    const warnMs = spec.warn_age ? durationMs(spec.warn_age) : Infinity;
    const minBytes = spec.min_bytes ?? 1;
    const target = `file:${join(spec.path, pattern)}`;
    return {
      name: spec.name,
      type: 'backup',
      async run(): Promise<CheckOutcome> {
        let newest: Newest | undefined;
        try {
          newest = await newestFile(spec.path, match, spec.recursive ?? false);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why = code === 'ENOENT' ? 'directory not found' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'not a directory' : String(code);
          return { status: 'critical', summary: `cannot read ${spec.path}: ${why}`, target };
        }
        if (!newest) return { status: 'critical', summary: `no file matching ${pattern} in ${spec.path}`, target, fields: { files: 0 } };
        const ageMs = Math.max(0, Date.now() - newest.mtimeMs);
        const fields = { age_hours: Math.round((ageMs / 3_600_000) * 100) / 100, newest_bytes: newest.size, files: newest.files };
        const name = newest.path.slice(spec.path.length).replace(/^[\\/]/, '');
        const about = `newest ${name}, ${hours(ageMs / 3_600_000)} old, ${bytes(newest.size)}`;
        if (ageMs > maxMs) return { status: 'critical', summary: `${about} (max ${hours(maxMs / 3_600_000)})`, target, fields };
        if (newest.size < minBytes) return { status: 'critical', summary: `${about}: smaller than ${bytes(minBytes)}`, target, fields };
        if (ageMs > warnMs) return { status: 'warning', summary: `${about} (warn after ${hours(warnMs / 3_600_000)})`, target, fields };
        return { status: 'ok', summary: about, target, fields };
      },
    };
  },
};
