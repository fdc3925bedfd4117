// Runbooks (emergency plans) are Markdown files under the rules directory; rules name them as
// "runbooks/<file>.md". They are attached to tickets with their content. A reference may not
// leave the rules directory, and a URL stays a link.

import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

export interface Runbook {
  ref: string;
  /** The English summary line ("> Summary: …"), when the file has one. */
  summary?: string;
  /** Markdown content; absent for URLs and for files that cannot be read. */
  content?: string;
  url?: string;
  problem?: string;
}

const MAX_BYTES = 64 * 1024;

export function summaryOf(markdown: string): string | undefined {
  const m = /^>\s*Summary:\s*(.+)$/m.exec(markdown);
  return m?.[1]?.trim();
}

export class RunbookLibrary {
  private readonly cache = new Map<string, { mtimeMs: number; runbook: Runbook }>();

  constructor(readonly rulesDir: string) {}

  get(ref: string): Runbook {
    if (/^https?:\/\//.test(ref)) return { ref, url: ref };
    let root: string;
    let path: string;
    try {
      root = realpathSync(this.rulesDir);
      path = realpathSync(resolve(root, ref));
    } catch {
      return { ref, problem: 'runbook file not found' };
    }
    const rel = relative(root, path);
    if (rel.startsWith('..') || isAbsolute(rel)) return { ref, problem: 'runbook is outside the rules directory' };
    try {
      const st = statSync(path);
      if (!st.isFile()) return { ref, problem: 'runbook is not a file' };
      if (st.size > MAX_BYTES) return { ref, problem: `runbook is larger than ${MAX_BYTES} bytes` };
      const cached = this.cache.get(path);
      if (cached && cached.mtimeMs === st.mtimeMs) return cached.runbook;
      const content = readFileSync(path, 'utf8');
      const summary = summaryOf(content);
      const runbook: Runbook = { ref, content, ...(summary ? { summary } : {}) };
      this.cache.set(path, { mtimeMs: st.mtimeMs, runbook });
      return runbook;
    } catch (err) {
      return { ref, problem: `cannot read runbook: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
    }
  }
}
