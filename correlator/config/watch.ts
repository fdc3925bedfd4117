// Reload on file change: rule files and the topology file are watched, and a burst of
// changes (an editor saving, a deploy copying files) becomes one reload after a short pause.

import { watch, type FSWatcher } from 'node:fs';

export function watchFiles(paths: string[], onChange: () => void, debounceMs = 500): { close(): void } {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  for (const p of paths) {
    try {
      const w = watch(p, { recursive: true, persistent: false }, fire);
      w.on('error', () => undefined); // a watched file replaced or removed: SIGHUP still works
      watchers.push(w);
    } catch {
      // not watchable here (e.g. some network filesystems): SIGHUP still reloads
    }
  }
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
