// Sizes in config files are written the way people say them: "100MiB", "1.5 GB", or a
// number of bytes.

export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*(B|KB|MB|GB|KiB|MiB|GiB)?$';

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** "200MB" → 200000000; a number is taken as bytes. For values a schema has already checked. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return Math.floor(value);
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)?$/.exec(value.trim());
  const unit = UNITS[m?.[2] ?? 'B'];
  if (!m || unit === undefined) throw new Error(`not a size: ${JSON.stringify(value)}`);
  return Math.floor(Number(m[1]) * unit);
}
