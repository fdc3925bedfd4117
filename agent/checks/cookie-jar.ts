// A cookie jar for synthetic transactions: a test account logs in, the application answers
// with a session cookie (often on a redirect), and every later step must send it back. The
// rules of RFC 6265 that matter for that: domain and path matching, Secure, expiry, and
// replacement by name. Pure: time is an argument.

export interface Cookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** Milliseconds since the epoch; undefined for a session cookie. */
  expires?: number;
}

function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^[\d.]+$/.test(host));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** One Set-Cookie header as the jar would store it for a response from `url`; undefined to ignore it. */
export function parseSetCookie(header: string, url: URL, now: number): Cookie | undefined {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const host = url.hostname.toLowerCase();
  const cookie: Cookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), domain: host, hostOnly: true, path: defaultPath(url), secure: false };
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? '' : attr.slice(i + 1).trim();
    if (key === 'domain' && val) {
      const domain = val.replace(/^\./, '').toLowerCase();
      if (!domainMatches(host, domain)) return undefined; // a server may not set cookies for another site
      cookie.domain = domain;
      cookie.hostOnly = false;
    } else if (key === 'path' && val.startsWith('/')) cookie.path = val;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'max-age' && /^-?\d+$/.test(val)) cookie.expires = now + Number(val) * 1000;
    else if (key === 'expires' && cookie.expires === undefined) {
      const at = Date.parse(val);
      if (!Number.isNaN(at)) cookie.expires = at;
    }
  }
  return cookie;
}

export class CookieJar {
  private cookies: Cookie[] = [];

  /** Stores the Set-Cookie headers of a response; an expired cookie deletes its namesake. */
  store(url: URL, setCookie: readonly string[], now: number): void {
    for (const header of setCookie) {
      const c = parseSetCookie(header, url, now);
      if (!c) continue;
      this.cookies = this.cookies.filter((o) => !(o.name === c.name && o.domain === c.domain && o.path === c.path));
      if (c.expires === undefined || c.expires > now) this.cookies.push(c);
    }
  }

  /** The Cookie header for a request to `url`, longest paths first; undefined when none applies. */
  header(url: URL, now: number): string | undefined {
    const host = url.hostname.toLowerCase();
    const secure = url.protocol === 'https:';
    const matching = this.cookies
      .filter((c) => (c.expires === undefined || c.expires > now) && (c.hostOnly ? host === c.domain : domainMatches(host, c.domain)))
      .filter((c) => pathMatches(url.pathname || '/', c.path) && (!c.secure || secure))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  /** The value of the most recently set cookie with this name. */
  get(name: string): string | undefined {
    for (let i = this.cookies.length - 1; i >= 0; i--) if (this.cookies[i]?.name === name) return this.cookies[i]?.value;
    return undefined;
  }

  /** Every cookie value, so they can be kept out of summaries. */
  values(): string[] {
    return this.cookies.map((c) => c.value);
  }
}
