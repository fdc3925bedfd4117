// The pure side of database probes: which statements a probe may run, how a first column
// becomes a number, and which class an error belongs to. No driver is imported here.
//
// The read-only test is a seatbelt, not a sandbox: it refuses anything that is not a single
// SELECT/WITH/SHOW/VALUES/TABLE statement, and any statement that mentions a writing keyword or
// a known side-effecting function anywhere, even inside a string or a comment (no tokenizer
// can agree with every engine's quoting rules, so none is trusted). Statements also run inside
// a READ ONLY transaction where the engine has one. The real protection is a probe account
// that may only read.

export type DbErrorClass = 'auth' | 'network' | 'timeout' | 'query' | 'tls' | 'refused';

export class DbFailure extends Error {
  constructor(
    readonly cls: DbErrorClass,
    message: string,
  ) {
    super(message);
  }
}

const FIRST_WORDS = new Set(['SELECT', 'WITH', 'SHOW', 'VALUES', 'TABLE']);

// Words that write, lock or run other code and can sit inside one SELECT/WITH statement (a
// data-modifying CTE, SELECT … INTO, FOR UPDATE/SHARE), plus statement verbs for good measure.
const WRITING = [
  'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UPSERT', 'CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'RENAME', 'GRANT', 'REVOKE', 'DENY',
  'CALL', 'EXEC', 'EXECUTE', 'COPY', 'LOCK', 'UNLOCK', 'SHARE', 'HANDLER', 'INTO', 'OUTFILE', 'DUMPFILE', 'COMMIT', 'ROLLBACK',
  'SAVEPOINT', 'VACUUM', 'REINDEX', 'CLUSTER', 'NOTIFY', 'KILL', 'SHUTDOWN', 'BACKUP', 'RESTORE', 'DBCC', 'BULK', 'RECONFIGURE',
];

const SIDE_EFFECTS = [
  'pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile', 'pg_promote', 'pg_switch_wal', 'set_config',
  'setval', 'nextval', 'lo_import', 'lo_export', 'lo_unlink', 'dblink', 'dblink_exec', 'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir',
  'pg_file_write', 'get_lock', 'release_lock', 'load_file', 'openrowset', 'opendatasource', 'openquery', 'xp_cmdshell',
];

const WRITING_RE = new RegExp(`\\b(${WRITING.join('|')})\\b`, 'i');
const SIDE_EFFECT_RE = new RegExp(`\\b(${SIDE_EFFECTS.join('|')})\\b`, 'i');

/** The statement without trailing semicolons and whitespace. */
export function trimStatement(sql: string): string {
  return sql.replace(/[\s;]+$/, '').trim();
}

/** Why a probe must not run this statement; undefined when it may. */
export function readOnlyProblem(sql: string): string | undefined {
  const statement = trimStatement(sql);
  if (statement === '') return 'the query is empty';
  if (statement.includes(';')) return 'only one statement may run (found ";" inside the query)';
  if (/\/\*[!+]/.test(statement)) return 'executable comments (/*! … */) and hints are not allowed';
  // The first word after leading comments and parentheses decides what kind of statement it is.
  const head = statement.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/|\()+/, '');
  const first = /^[A-Za-z]+/.exec(head)?.[0]?.toUpperCase() ?? '';
  if (!FIRST_WORDS.has(first)) return `only SELECT, WITH, SHOW, VALUES or TABLE may run, not ${first ? first : JSON.stringify(head.slice(0, 12))}`;
  const writing = WRITING_RE.exec(statement)?.[1];
  if (writing) return `"${writing.toUpperCase()}" may change data or session state (refused wherever it appears, even in a string or comment)`;
  const fn = SIDE_EFFECT_RE.exec(statement)?.[1];
  if (fn) return `${fn.toLowerCase()}() has side effects`;
  return undefined;
}

/**
 * The first column of the first row as a number, for checks like "age of the newest backup in
 * hours" or "messages waiting": numbers and numeric strings (bigint, numeric), booleans as
 * 1/0, timestamps as seconds since the epoch. Anything else (text, NULL) is no value: a probe
 * never publishes what a query returns, only numbers.
 */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() / 1000 : undefined;
  if (typeof v === 'string' && /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT', 'ESOCKET', 'PROTOCOL_CONNECTION_LOST']);
const TLS_PATTERN = /certificate|self[- ]signed|SSL|TLS|handshake|unable to verify/i;

/** Removes secrets from a driver's message and keeps it to one short line. */
export function cleanMessage(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message.replace(/\s+/g, ' ').trim();
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out.slice(0, 200);
}

interface DriverError {
  code?: string | number;
  errno?: number;
  number?: number;
  message?: string;
}

/** PostgreSQL: SQLSTATE classes (28 auth, 3D unknown database, 57014 cancelled, 25006 read only). */
export function classifyPg(err: DriverError): DbErrorClass {
  const code = String(err.code ?? '');
  const msg = err.message ?? '';
  if (code.startsWith('28') || code === '3D000') return 'auth';
  if (code === '57014') return 'timeout';
  if (code === '25006') return 'refused';
  if (NETWORK_CODES.has(code) || /timeout expired|Connection terminated/i.test(msg)) return 'network';
  if (TLS_PATTERN.test(msg) || code.startsWith('ERR_TLS') || code.includes('CERT')) return 'tls';
  return 'query';
}

/** MySQL/MariaDB: errno 1044/1045/1049/1698 auth, 1969/3024 statement timeouts, 1792 read only. */
export function classifyMysql(err: DriverError): DbErrorClass {
  const code = String(err.code ?? '');
  const errno = err.errno ?? 0;
  if ([1044, 1045, 1049, 1698, 1251].includes(errno)) return 'auth';
  if (errno === 1969 || errno === 3024 || code === 'PROTOCOL_SEQUENCE_TIMEOUT') return 'timeout';
  if (errno === 1792) return 'refused';
  if (NETWORK_CODES.has(code)) return 'network';
  if (TLS_PATTERN.test(err.message ?? '') || code.startsWith('ERR_TLS') || code.includes('CERT')) return 'tls';
  return 'query';
}

/** SQL Server (tedious): ELOGIN/18456 auth, ETIMEOUT/1222 timeouts, ESOCKET network, 3906 read only. */
export function classifyMssql(err: DriverError, phase: 'connect' | 'query'): DbErrorClass {
  const code = String(err.code ?? '');
  const number = err.number ?? 0;
  if (code === 'ELOGIN' || number === 18456 || number === 4060) return 'auth';
  if (TLS_PATTERN.test(err.message ?? '') && phase === 'connect') return 'tls';
  if (code === 'ETIMEOUT') return phase === 'connect' ? 'network' : 'timeout';
  if (number === 1222) return 'timeout';
  if (number === 3906) return 'refused';
  if (NETWORK_CODES.has(code)) return 'network';
  return 'query';
}
