// The small part of JSONPath that response assertions and extractions need: one value by a
// path of keys and indexes, "$.data.items[0].id" or "$['patient id']". No filters or
// wildcards: a check asserts on one value, and a path that could match many is a mistake.

export type PathStep = string | number;

/** Parses "$.a.b[0]['c d']" into steps; returns an error message for anything else. */
export function parseJsonPath(path: string): { ok: true; steps: PathStep[] } | { ok: false; error: string } {
  if (!path.startsWith('$')) return { ok: false, error: 'a JSON path starts with "$"' };
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    const dot = /^\.([A-Za-z_$][\w$-]*)/.exec(rest);
    const index = /^\[(-?\d+)\]/.exec(rest);
    const quoted = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
    if (dot) steps.push(dot[1] as string);
    else if (index) steps.push(Number(index[1]));
    else if (quoted) steps.push((quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1'));
    else return { ok: false, error: `cannot read the path at "${rest.slice(0, 20)}" (use .key, ['key'] or [index])` };
    i += (dot ?? index ?? quoted)![0].length;
  }
  return { ok: true, steps };
}

/** The value at the path, or undefined when any step is missing. Negative indexes count from the end. */
export function jsonPathGet(doc: unknown, steps: readonly PathStep[]): unknown {
  let cur: unknown = doc;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step < 0 ? cur.length + step : step];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, step)) return undefined;
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return cur;
}

/** A scalar as text for templates and summaries; objects and arrays as JSON. */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined';
}
