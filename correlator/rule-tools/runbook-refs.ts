// Runbook references checked ahead of time (`wardwatch rules check`): a rule that names a file
// that is not there would attach no plan to its ticket, and nobody notices until the night it
// fires. URLs are links and are not fetched.

import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

export function isRunbookUrl(ref: string): boolean {
  return /^https?:\/\//.test(ref);
}

/** What is wrong with a runbook reference, resolved against the rules directory; undefined when it is a readable file there. */
export function runbookProblem(rulesDir: string, ref: string): string | undefined {
  if (isRunbookUrl(ref)) return undefined;
  let root: string;
  try {
    root = realpathSync(rulesDir);
  } catch {
    return undefined; // the missing directory is reported on its own
  }
  const inside = (p: string) => {
    const rel = relative(root, p);
    return !rel.startsWith('..') && !isAbsolute(rel);
  };
  if (!inside(resolve(root, ref))) return `runbook "${ref}" is outside the rules directory`;
  let path: string;
  try {
    path = realpathSync(resolve(root, ref));
  } catch {
    const known = markdownFiles(root);
    return `runbook file "${ref}" not found in the rules directory${known.length > 0 ? `; the runbooks there: ${known.join(', ')}` : ''}`;
  }
  if (!inside(path)) return `runbook "${ref}" is outside the rules directory`;
  if (!statSync(path).isFile()) return `runbook "${ref}" is not a file`;
  return undefined;
}

/** Markdown files under the rules directory, as rules name them, for the hint. */
function markdownFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      if (name.endsWith('.md') && name !== 'README.md') out.push(relative(root, p));
      else if (depth < 3 && !name.includes('.') && statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p, depth + 1);
    }
  };
  walk(root, 0);
  return out.slice(0, 10);
}
