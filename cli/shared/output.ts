// What people read: short aligned lines, colour only on a terminal (and never with NO_COLOR).

export interface Out {
  color: boolean;
  line(text?: string): void;
  error(text: string): void;
}

export function terminalOut(stream: NodeJS.WriteStream = process.stdout): Out {
  const color = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  return {
    color,
    line: (text = '') => void stream.write(text + '\n'),
    error: (text) => void process.stderr.write(text + '\n'),
  };
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(out: Pick<Out, 'color'>, colour: Colour, text: string): string {
  return out.color ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

export function priorityColour(priority: string): Colour {
  return priority === 'P1' ? 'red' : priority === 'P2' ? 'magenta' : priority === 'P3' ? 'yellow' : 'cyan';
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Visible width: ANSI codes take none, CJK characters take two columns. */
export function width(text: string): number {
  let w = 0;
  for (const ch of text.replace(ANSI, '')) {
    const cp = ch.codePointAt(0) ?? 0;
    w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ? 2 : 1;
  }
  return w;
}

export function pad(text: string, n: number): string {
  return text + ' '.repeat(Math.max(0, n - width(text)));
}

/** Rows as aligned columns under a header; the last column is not padded. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

export function clockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function dateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${clockTime(ms)}`;
}
