// Database probe: connect and run one read-only statement with a timeout, on PostgreSQL,
// MySQL/MariaDB or SQL Server. Reports the connect and query times, the rows returned and,
// when the first column is a number, that number (`value`), so "the newest backup row is
// younger than 26 hours" or "fewer than 500 messages waiting" are rules on check.value.
// Errors are classified (auth, network, timeout, query, tls, refused) for rules and people.

import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import { budgetMs } from './budget.js';
import type { ErrorClass } from '../../protocol/schema.js';
import { commonCheckProperties, ms, type CheckOutcome, type CheckType } from './check.js';
import type { DbDriver, DbTarget } from './database-driver.js';
import { errorClassOf } from './error-class.js';
import { cleanMessage, DbFailure, numericValue, readOnlyProblem, trimStatement, type DbErrorClass } from './database-sql.js';

const ENGINES = {
  postgres: { port: 5432, load: async () => (await import('./database-pg.js')).postgresDriver },
  mysql: { port: 3306, load: async () => (await import('./database-mysql.js')).mysqlDriver },
  mariadb: { port: 3306, load: async () => (await import('./database-mysql.js')).mysqlDriver },
  sqlserver: { port: 1433, load: async () => (await import('./database-mssql.js')).sqlServerDriver },
} satisfies Record<string, { port: number; load: () => Promise<DbDriver> }>;

export const databaseCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'engine', 'host'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'database', description: 'Connect to a database and run one read-only statement.' },
    engine: { enum: ['postgres', 'mysql', 'mariadb', 'sqlserver'], description: 'Oracle is not supported yet: watch its listener with a tcp check.' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Default: 5432, 3306 or 1433 by engine.' },
    database: { type: 'string', minLength: 1, maxLength: 128 },
    user: { type: 'string', minLength: 1, maxLength: 128, description: 'A probe account that may only read.' },
    password: { type: 'string', description: 'Write ${file:/etc/wardwatch/db-probe.secret} or ${env:NAME}, never the password itself.' },
    query: {
      type: 'string',
      minLength: 1,
      maxLength: 4000,
      default: 'SELECT 1',
      pattern: '^\\s*\\(?\\s*([Ss][Ee][Ll][Ee][Cc][Tt]|[Ww][Ii][Tt][Hh]|[Ss][Hh][Oo][Ww]|[Vv][Aa][Ll][Uu][Ee][Ss]|[Tt][Aa][Bb][Ll][Ee])\\b',
      'x-expected': 'one read-only statement starting with SELECT, WITH, SHOW, VALUES or TABLE',
      description: 'One read-only statement; a numeric first column of the first row becomes the field "value".',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      description: 'Encrypt the connection (present: on).',
      properties: {
        ca: { type: 'string', description: 'CA certificate file (PEM) of the server certificate; default: the system CAs.' },
        verify: { type: 'boolean', default: true, description: 'Check the server certificate. false only for servers with self-signed certificates.' },
      },
    },
    warn_after: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "500ms"', description: 'A query slower than this is a warning.' },
  },
} as const;

export type DatabaseCheckSpec = FromSchema<typeof databaseCheckSchema, { keepDefaultedPropertiesOptional: true }>;

/** Status by error class: the target's fault is critical; a probe that must not run is unknown. */
const STATUS_OF: Record<DbErrorClass, CheckOutcome['status']> = { auth: 'critical', network: 'critical', timeout: 'critical', query: 'critical', tls: 'critical', refused: 'unknown' };

/**
 * The protocol's error class of a driver failure. "network" is split by the code the driver
 * quotes (refused, name not resolved, reset…); a query the server rejects is a bad answer; a
 * server that will not run a read-only statement is the probe's setup, not the target failing.
 */
export function dbErrorClass(f: DbFailure): ErrorClass | undefined {
  switch (f.cls) {
    case 'network':
      return errorClassOf(f);
    case 'query':
      return 'protocol';
    case 'refused':
      return undefined;
    default:
      return f.cls;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

function rowsText(n: number): string {
  return n === 0 ? 'no rows' : n === 1 ? '1 row' : `${n} rows`;
}

export const databaseCheck: CheckType<DatabaseCheckSpec> = {
  schema: databaseCheckSchema,
  create(spec, ctx) {
    const engine = ENGINES[spec.engine];
    const target: DbTarget = {
      host: spec.host,
      port: spec.port ?? engine.port,
      ...(spec.database !== undefined ? { database: spec.database } : {}),
      ...(spec.user !== undefined ? { user: spec.user } : {}),
      ...(spec.password !== undefined ? { password: spec.password } : {}),
      ...(spec.tls ? { tls: { verify: spec.tls.verify ?? true, ...(spec.tls.ca ? { caFile: spec.tls.ca } : {}) } } : {}),
    };
    const where = `${spec.engine}://${spec.user ? `${spec.user}@` : ''}${spec.host}:${target.port}${spec.database ? `/${spec.database}` : ''}`;
    const statement = trimStatement(spec.query ?? 'SELECT 1');
    const refused = readOnlyProblem(statement);
    if (refused) ctx.log.warn('database check will not run its query', { check: spec.name, problem: refused });
    const warnMs = spec.warn_after ? durationMs(spec.warn_after) : Infinity;
    const budget = budgetMs(spec);
    let driver: Promise<DbDriver> | undefined;
    return {
      name: spec.name,
      type: 'database',
      async run(signal): Promise<CheckOutcome> {
        if (refused) return { status: 'unknown', summary: `refused: ${refused}`, target: where, fields: { error_class: 'refused' } };
        driver ??= engine.load();
        try {
          const a = await (await driver)(target, statement, budget, signal);
          const value = numericValue(a.first);
          const parts = [`${rowsText(a.rows)} in ${ms(a.queryMs)} (connect ${ms(a.connectMs)})`, ...(value !== undefined ? [`value ${round(value)}`] : []), ...a.notes];
          return {
            status: a.queryMs > warnMs ? 'warning' : 'ok',
            summary: parts.join(', '),
            target: where,
            fields: { connect_ms: round(a.connectMs), query_ms: round(a.queryMs), rows: a.rows, ...(value !== undefined ? { value } : {}) },
          };
        } catch (err) {
          // Anything but a classified failure is the probe's own fault (a driver that will not load).
          if (!(err instanceof DbFailure)) return { status: 'unknown', summary: `check failed: ${cleanMessage(String((err as Error)?.message ?? err), [spec.password])}`, target: where };
          const errorClass = dbErrorClass(err);
          return { status: STATUS_OF[err.cls], summary: `${err.cls}: ${err.message}`, target: where, ...(errorClass ? { errorClass } : {}), fields: { error_class: err.cls } };
        }
      },
    };
  },
};
