// Keeping credentials out of what checks report. A check knows its secrets (the test account's
// password, an Authorization header, tokens and cookies it received) and passes every summary,
// target and error text through a Scrubber before it leaves the check: events travel to the
// correlator, tickets and chat groups, and an error message from a library or a server may
// quote the request it failed on.

const SECRET_NAME = /pass(word|wd)?|secret|token|api[_-]?key|authoriz|credential|private[_-]?key|cookie|session|ticket|signature/i;
const SECRET_WORD = /(^|[_.-])(sid|auth|key|pwd|sig)([_.-]|$)/i;

/** Whether a variable, header or query parameter name says its value is a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || SECRET_WORD.test(name);
}

/** A URL as it may be shown: no user:password, secret-named query values masked. */
export function safeUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@\s]*@/g, '//');
  }
  u.username = '';
  u.password = '';
  for (const key of [...u.searchParams.keys()]) if (isSecretName(key)) u.searchParams.set(key, '***');
  const out = u.toString().replace(/%2A%2A%2A/g, '***');
  return out.endsWith('/') && !url.endsWith('/') && u.pathname === '/' ? out.slice(0, -1) : out; // as written: "https://his.local"

}

export class Scrubber {
  private readonly secrets = new Set<string>();

  /** Registers a secret value (and its URL-encoded form); values under 3 characters cannot be told from text. */
  add(value: string | undefined): void {
    if (value === undefined || value.length < 3) return;
    this.secrets.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) this.secrets.add(encoded);
    const form = new URLSearchParams({ v: value }).toString().slice(2);
    if (form !== value) this.secrets.add(form);
  }

  /** The text with every known secret replaced by ***, and credentials in URLs removed. */
  scrub(text: string): string {
    let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
    return out;
  }
}
