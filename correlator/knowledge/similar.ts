// Which past incidents look like this one, and what fixed them. Pure and hand-written: a
// structural score (same rules, same business service, same kind of root node, same node)
// plus TF-IDF cosine similarity of the text (titles, evidence, resolution notes). Text is cut
// into Latin words and, for Chinese, overlapping character pairs, so "挂号系统缓慢" and
// "门诊挂号缓慢" share 挂号 and 缓慢 without a dictionary.

export interface Case {
  id: number;
  rules: readonly string[];
  service?: string;
  /** Kind of root node: server, probe, terminal, switch … */
  kind?: string;
  root: string;
  text: string;
  resolution?: string;
}

export interface Match {
  id: number;
  score: number;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Latin words of two or more letters/digits, and Chinese character bigrams (a lone character as itself). */
export function tokens(text: string): string[] {
  const out: string[] = [];
  for (const run of text.toLowerCase().match(/[a-z0-9]+|[\u3400-\u9fff\uf900-\ufaff]+/g) ?? []) {
    if (CJK.test(run)) {
      const chars = [...run];
      if (chars.length === 1) out.push(run);
      for (let i = 0; i + 1 < chars.length; i++) out.push(`${chars[i]}${chars[i + 1]}`);
    } else if (run.length >= 2) out.push(run);
  }
  return out;
}

type Vector = Map<string, number>;

function termFrequencies(words: string[]): Vector {
  const tf: Vector = new Map();
  for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
  return tf;
}

/** TF-IDF vectors of documents over their own corpus (smoothed idf: terms in every document still count a little). */
export function tfidf(documents: string[]): Vector[] {
  const tfs = documents.map((d) => termFrequencies(tokens(d)));
  const df = new Map<string, number>();
  for (const tf of tfs) for (const term of tf.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const n = documents.length;
  return tfs.map((tf) => {
    const v: Vector = new Map();
    for (const [term, count] of tf) v.set(term, count * (Math.log((1 + n) / (1 + (df.get(term) ?? 0))) + 1));
    return v;
  });
}

export function cosine(a: Vector, b: Vector): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, x] of a) {
    na += x * x;
    const y = b.get(k);
    if (y !== undefined) dot += x * y;
  }
  for (const y of b.values()) nb += y * y;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  const sb = new Set(b);
  const inter = a.filter((x) => sb.has(x)).length;
  return inter / new Set([...a, ...b]).size;
}

export const WEIGHTS = { rules: 0.3, service: 0.15, kind: 0.1, root: 0.15, text: 0.3 } as const;

/** The past cases most like `query`, best first, above `minScore`. */
export function similarCases(query: Case, past: readonly Case[], opts: { limit?: number; minScore?: number } = {}): Match[] {
  const candidates = past.filter((c) => c.id !== query.id);
  if (candidates.length === 0) return [];
  const vectors = tfidf([query.text, ...candidates.map((c) => `${c.text}\n${c.resolution ?? ''}`)]);
  const q = vectors[0] as Vector;
  const scored = candidates.map((c, i) => {
    const s =
      WEIGHTS.rules * jaccard(query.rules, c.rules) +
      WEIGHTS.service * (query.service && query.service === c.service ? 1 : 0) +
      WEIGHTS.kind * (query.kind && query.kind === c.kind ? 1 : 0) +
      WEIGHTS.root * (query.root === c.root ? 1 : 0) +
      WEIGHTS.text * cosine(q, vectors[i + 1] as Vector);
    return { id: c.id, score: Math.round(s * 1000) / 1000 };
  });
  return scored
    .filter((m) => m.score >= (opts.minScore ?? 0.25))
    .sort((a, b) => b.score - a.score || b.id - a.id)
    .slice(0, opts.limit ?? 3);
}
