// {{name}} placeholders in transaction steps: values from the config (vars, secrets) and
// values extracted from earlier responses (a token, a visit number). Which names a step uses
// is known before the first run, so a typo is an error at start, not a failure every night.

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names used in a text. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/** Names used anywhere in a JSON-like value (strings at any depth). */
export function placeholdersDeep(value: unknown): string[] {
  if (typeof value === 'string') return placeholders(value);
  if (Array.isArray(value)) return value.flatMap(placeholdersDeep);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(placeholdersDeep);
  return [];
}

/** Fills placeholders; `encode` escapes each inserted value (percent-encoding in URLs). */
export function render(text: string, values: ReadonlyMap<string, string>, encode: (v: string) => string = (v) => v): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`no value for {{${name}}}`);
    return encode(v);
  });
}

export function renderDeep(value: unknown, values: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return render(value, values);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, values));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, values)]));
  return value;
}
