import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Wardwatch's version, from the package.json above this file (in the source tree and in dist/). */
export const VERSION: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'wardwatch' && pkg.version) return pkg.version;
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
})();

/** The project's root folder (where package.json, rules/ and dashboards/ are). */
export const PROJECT_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'wardwatch') return dir;
    } catch {
      // keep looking
    }
    dir = dirname(dir);
  }
  return process.cwd();
})();

/** The rules shipped with Wardwatch, used when no rules directory is configured. */
export const SHIPPED_RULES: string = join(PROJECT_ROOT, 'rules');
