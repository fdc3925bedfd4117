// The textfile collector: local scripts (a backup job, a HIS batch run) write metrics in the
// Prometheus text format to *.prom files in one directory, the same convention as
// node_exporter, and the agent publishes them as the "textfile" measurement:
//   backup_last_success_timestamp_seconds{job="nightly"} 1763773200
// becomes the metric textfile.backup_last_success_timestamp_seconds with tag job="nightly".
// Files are written by trusted local scripts, but are still bounded in size and count.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sample } from '../../protocol/schema.js';
import type { Collector } from './collector.js';

const MAX_FILE_BYTES = 64 * 1024;
const MAX_SAMPLES = 200;
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/g;

function fieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z]+/, '').slice(0, 63);
}

function tagKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 32);
}

export interface TextfileProblem {
  file: string;
  line: number;
  message: string;
}

/** Parses one .prom file into samples grouped by label set. */
export function parseTextfile(text: string, file = '<text>', problems: TextfileProblem[] = []): Sample[] {
  const groups = new Map<string, Sample>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = LINE.exec(line);
    const value = m ? Number(m[4]) : NaN;
    const name = m ? fieldName(m[1] as string) : '';
    if (!m || !name || !Number.isFinite(value)) {
      problems.push({ file, line: i + 1, message: `not a "name{label="value"} number" line: ${line.slice(0, 80)}` });
      return;
    }
    const tags: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(LABEL)) tags[tagKey(l[1] as string)] = (l[2] as string).replace(/\\(.)/g, '$1').slice(0, 128);
    const key = JSON.stringify(Object.entries(tags).sort());
    let sample = groups.get(key);
    if (!sample) {
      sample = { m: 'textfile', ...(Object.keys(tags).length ? { tags } : {}), fields: {} };
      groups.set(key, sample);
    }
    (sample.fields as Record<string, number>)[name] = value;
  });
  return [...groups.values()];
}

export function textfileCollector(dir: string, onProblem: (p: TextfileProblem) => void = () => {}): Collector {
  return {
    name: 'textfile',
    async collect(): Promise<Sample[]> {
      let names: string[];
      try {
        names = (await readdir(dir)).filter((n) => n.endsWith('.prom')).sort();
      } catch {
        return []; // the directory appears when the first script writes to it
      }
      const out: Sample[] = [];
      for (const name of names) {
        const path = join(dir, name);
        try {
          if ((await stat(path)).size > MAX_FILE_BYTES) {
            onProblem({ file: path, line: 0, message: `larger than ${MAX_FILE_BYTES} bytes; skipped` });
            continue;
          }
          const problems: TextfileProblem[] = [];
          out.push(...parseTextfile(await readFile(path, 'utf8'), path, problems));
          problems.forEach(onProblem);
        } catch {
          continue; // removed or being replaced while we read; next interval sees it
        }
      }
      return out.slice(0, MAX_SAMPLES);
    },
  };
}
