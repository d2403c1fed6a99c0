// db.insert: writes results to a table through a named database connection and user, values always bound.
import type { ActionOutputs, ActionRequest, ResultRow } from '../../dsl';
import type { DatabaseConnection } from '../../config/config';
import { actionFailure, type FailureType } from '../shared/errors';
import { loadAllResults, originOf, withStore, type ActivityDeps } from '../shared/deps';
import { destinationRefused, refusalIn } from '../shared/network';
import { maskSecrets } from '../shared/secrets';
import { RowInsertError, openDatabase, resolveLogin, type DatabaseSession, type InsertRow, type TableColumn } from '../shared/databases';

type Output = ActionOutputs['db.insert'];

/** Faults of the path to the database, not of the data: retried. */
const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR',
  '57P01', '57P02', '57P03', '53300',
]);
/** The database is there but busy: retried. */
const BUSY = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY', 'SQLITE_LOCKED', '40001', '40P01', '55P03']);
/** The connection's settings are wrong: not retried. */
const MISCONFIGURED = new Set(['28P01', '28000', '3D000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE', 'SQLITE_CANTOPEN', 'SQLITE_NOTADB']);

/** How a database error is treated: the retry contract of {@link actionFailure}. */
function classifyDatabaseError(err: unknown): FailureType {
  const e = err as { code?: string | number; message?: string };
  const code = String(e.code ?? '');
  if (UNREACHABLE.has(code) || code.startsWith('08')) return 'PeerUnreachableError';
  if (BUSY.has(code)) return 'PeerUnavailableError';
  if (MISCONFIGURED.has(code)) return 'ConnectionConfigError';
  if (!code && /timeout|terminated|connect/i.test(e.message ?? '')) return 'PeerUnreachableError';
  return 'PeerRejectedError';
}

function describeError(err: unknown): string {
  const e = err as { message?: string; detail?: string; sqlMessage?: string };
  const message = (e.sqlMessage ?? e.message ?? String(err)).replace(/\s+/g, ' ').trim();
  return e.detail ? `${message} (${e.detail})` : message;
}

function where(c: DatabaseConnection): string {
  if (c.driver === 'sqlite') return `sqlite ${c.file}`;
  return `${c.driver} ${c.host}:${c.port ?? (c.driver === 'postgres' ? 5432 : 3306)}/${c.database}`;
}

type Kind = 'integer' | 'number' | 'boolean' | 'datetime' | 'json' | 'text' | 'other';

function kindOf(type: string): Kind {
  if (/^bool/.test(type)) return 'boolean';
  // Not a bare /int/: `interval` and `point` hold it too.
  if (/\bint(eger)?\b|^(tiny|small|medium|big)int\b|^int[248]\b/.test(type)) return 'integer';
  if (/^(numeric|decimal|real|double|float|number)/.test(type)) return 'number';
  if (/^(date|datetime|timestamp)/.test(type)) return 'datetime';
  if (/^json/.test(type)) return 'json';
  if (/char|text|clob|string|enum|uuid|inet/.test(type)) return 'text';
  return 'other';
}

/** A value that cannot go into its column; the message says which result and column. */
class TypeMismatch extends Error {}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Checks a value against its column's type and converts it to what the driver binds: the same
 * check for every driver, since SQLite would store a word in an INTEGER column without a word.
 */
function bindable(value: unknown, column: TableColumn, driver: DatabaseConnection['driver']): unknown {
  if (value === null || value === undefined) return null;
  const kind = kindOf(column.type);
  const numeric = typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
  const fail = (expected: string): never => {
    throw new TypeMismatch(`${show(value)} is not ${expected}`);
  };
  switch (kind) {
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return value.trim();
      if (typeof value === 'boolean' && driver !== 'postgres') return value ? 1 : 0;
      return fail(`an integer (column type ${column.type})`);
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (numeric) return (value as string).trim();
      return fail(`a number (column type ${column.type})`);
    case 'boolean': {
      const truth = typeof value === 'boolean' ? value : value === 1 || value === 'true' || value === '1' ? true : value === 0 || value === 'false' || value === '0' ? false : undefined;
      if (truth === undefined) return fail(`a boolean (column type ${column.type})`);
      return driver === 'postgres' ? truth : truth ? 1 : 0;
    }
    case 'datetime': {
      const time = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
      if (!Number.isFinite(time)) return fail(`a date or time (column type ${column.type})`);
      // MySQL refuses ISO strings with a zone; a Date is written in the session's zone (UTC).
      if (driver === 'mysql') return new Date(time);
      return typeof value === 'number' ? new Date(time).toISOString() : value;
    }
    case 'json':
      if (typeof value === 'string') {
        try {
          JSON.parse(value);
          return value;
        } catch {
          return JSON.stringify(value);
        }
      }
      return JSON.stringify(value);
    case 'text': {
      const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
      if (column.maxLength !== null && [...text].length > column.maxLength) {
        throw new TypeMismatch(`${show(value)} is ${[...text].length} characters long; the column (${column.type}) holds at most ${column.maxLength}`);
      }
      return text;
    }
    default:
      if (typeof value === 'object') return JSON.stringify(value);
      if (typeof value === 'boolean' && driver !== 'postgres') return value ? 1 : 0;
      return value;
  }
}

/** Matches a field to a column: exactly, else ignoring case when only one column fits. */
export function columnFor(field: string, columns: TableColumn[]): TableColumn | undefined {
  const exact = columns.find((c) => c.name === field);
  if (exact) return exact;
  const loose = columns.filter((c) => c.name.toLowerCase() === field.toLowerCase());
  return loose.length === 1 ? loose[0] : undefined;
}

/** True when a bare table name matches one of the connection's `tables` patterns (`*`: any run of name characters), ignoring case. */
export function tableAllowed(table: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => new RegExp(`^${pattern.replace(/\$/g, '\\$').replace(/\*/g, '[A-Za-z0-9_$]*')}$`, 'i').test(table));
}

/** Where a step writes: the schema (or database) and table, and whether a token chose the name. */
interface TargetTable {
  schema?: string;
  table: string;
  /** The name as the step gave it, for messages and the output. */
  name: string;
  fromToken: boolean;
}

/**
 * Why the step may not write to `table`, or undefined when it may. A literal name is the chain's
 * choice, but MySQL/MariaDB writes only to the connection's own database (PostgreSQL cannot leave
 * it at all). A name from a token is data: it must be a bare table name that the connection's
 * `tables` allows, in the connection's default schema.
 */
export function tableRefusal(name: string, c: DatabaseConnection, table: string | { fromToken: string }): string | undefined {
  if (typeof table !== 'string') {
    const bare = table.fromToken;
    if (!c.tables || c.tables.length === 0) {
      return `the table name "${bare}" comes from a token, and connection "${name}" lists no tables a token may choose; write the table name in the chain, or list the allowed ones as "tables": ["alerts", "audit_*"] in connections.${name}`;
    }
    if (!tableAllowed(bare, c.tables)) return `the table name "${bare}" comes from a token and is not one connection "${name}" allows (tables: ${c.tables.join(', ')})`;
    return undefined;
  }
  const [schema, bare] = table.includes('.') ? table.split('.') : [undefined, table];
  if (schema !== undefined && c.driver === 'mysql' && schema !== c.database) {
    return `"${table}" names the database "${schema}"; connection "${name}" writes only to its own database "${c.database}" (write "${bare}", or use a connection to that database)`;
  }
  return undefined;
}

/** The step's table, refused with ActionInputError when {@link tableRefusal} says so. */
export function targetTable(name: string, c: DatabaseConnection, table: string | { fromToken: string }, origin: string): TargetTable {
  const refusal = tableRefusal(name, c, table);
  if (refusal) throw actionFailure('ActionInputError', `${origin}: with.table: ${refusal}`);
  if (typeof table !== 'string') return { table: table.fromToken, name: table.fromToken, fromToken: true };
  const [schema, bare] = table.includes('.') ? (table.split('.') as [string, string]) : [undefined, table];
  return { schema, table: bare, name: table, fromToken: false };
}

/** The rows this execution writes, each with the result index it came from. */
async function rowsToWrite(deps: ActivityDeps, request: ActionRequest<'db.insert'>): Promise<{ index: number; fields: ResultRow }[]> {
  const p = request.params;
  const ref = request.resultsRef;
  // Only allResults needs every result of a set kept by reference; otherwise the first will do.
  const results = ref
    ? p.allResults && !p.values
      ? await loadAllResults(deps, ref)
      : await withStore(originOf(request), () => deps.store.loadResultSet(ref.id, 0, 1))
    : request.results ?? (request.result ? [request.result] : []);
  if (results.length === 0) return [];
  const first = request.index ?? 0;
  if (p.values) return [{ index: first, fields: p.values }];
  if (request.index === null && p.allResults) return results.map((fields, i) => ({ index: i, fields }));
  return [{ index: first, fields: results[0] }];
}

/** What an execution writes: the open session, the table as the database names it, and one statement per row. */
interface InsertPlan {
  session: DatabaseSession;
  schema: string | undefined;
  table: string;
  /** The table as the step named it, for the output. */
  name: string;
  rows: { index: number; fields: ResultRow }[];
  statements: InsertRow[];
}

/**
 * Opens a session as the step's user and turns the rows into statements checked against the
 * table's real columns: the step runs them, the dry run shows them. Undefined when there is no row
 * to write. The caller closes the session.
 */
async function planInsert(deps: ActivityDeps, request: ActionRequest<'db.insert'>): Promise<InsertPlan | undefined> {
  const origin = originOf(request);
  const p = request.params;
  const name = request.connection ?? '';
  const connection = deps.config.connections[name];
  if (!connection || connection.type !== 'database') throw actionFailure('ConnectionConfigError', `${origin}: connection "${name}" is not a database connection configured on this worker`);
  const target = targetTable(name, connection, p.table, origin);
  const [schema, table] = [target.schema, target.table];
  const rows = await rowsToWrite(deps, request);
  const login = resolveLogin({ name, connection, user: p.user, origin });
  const secrets = login.password ? [login.password] : [];
  const fail = (type: FailureType, text: string) => actionFailure(type, maskSecrets(`${origin}: ${where(connection)}: ${text}`, secrets));
  if (rows.length === 0) return undefined;

  let session: DatabaseSession;
  try {
    session = await openDatabase(connection, login, deps.config.configDir, deps.config.network);
  } catch (err) {
    const refusal = refusalIn(err);
    if (refusal) throw destinationRefused(origin, refusal);
    throw fail(classifyDatabaseError(err), describeError(err));
  }
  try {
    let found: { table: string; columns: TableColumn[] };
    try {
      found = await session.columns(schema, table);
    } catch (err) {
      throw fail(classifyDatabaseError(err), describeError(err));
    }
    if (found.columns.length === 0) {
      // A token's table name learns nothing of the tables that exist besides those allowed.
      const tables = target.fromToken ? [] : await session.tables(schema).catch(() => [] as string[]);
      throw fail('ActionInputError', `table "${target.name}" does not exist${tables.length ? `; tables: ${tables.join(', ')}` : target.fromToken ? '' : ' (the schema has no tables this user can see)'}`);
    }
    if (target.fromToken && !tableAllowed(found.table, connection.tables ?? [])) {
      throw fail('ActionInputError', `table "${found.table}" (the name "${target.name}" comes from a token) is not one that connection "${name}" allows a token to choose (tables: ${(connection.tables ?? []).join(', ')})`);
    }
    const statements: InsertRow[] = [];
    const missing = new Set<string>();
    for (const row of rows) {
      const columns: string[] = [];
      const values: unknown[] = [];
      for (const [field, value] of Object.entries(row.fields)) {
        const column = columnFor(field, found.columns);
        if (!column) {
          missing.add(field);
          continue;
        }
        try {
          values.push(bindable(value, column, session.driver));
        } catch (err) {
          if (!(err instanceof TypeMismatch)) throw err;
          throw fail('ActionInputError', `result ${row.index}, column "${column.name}": ${err.message}`);
        }
        columns.push(column.name);
      }
      statements.push({ columns, values });
    }
    if (missing.size > 0) {
      throw fail('ActionInputError', `table "${target.name}" has no column ${[...missing].map((m) => `"${m}"`).join(', ')}; its columns: ${found.columns.map((c) => c.name).join(', ')} (write only those fields with "values", or add the columns)`);
    }
    const empty = statements.findIndex((s) => s.columns.length === 0);
    if (empty >= 0) throw fail('ActionInputError', `result ${rows[empty].index} has no field to write`);
    return { session, schema, table: found.table, name: target.name, rows, statements };
  } catch (err) {
    await session.close();
    throw err;
  }
}

/** The statements an execution would run with their bound values, as the driver sends them; nothing is written. */
export async function previewInsert(deps: ActivityDeps, request: ActionRequest<'db.insert'>): Promise<{ driver: string; statements: { sql: string; values: unknown[] }[] }> {
  const plan = await planInsert(deps, request);
  if (!plan) return { driver: (deps.config.connections[request.connection ?? ''] as DatabaseConnection).driver, statements: [] };
  try {
    return { driver: plan.session.driver, statements: plan.statements.map((row) => ({ sql: plan.session.statement(plan.schema, plan.table, row), values: row.values })) };
  } finally {
    await plan.session.close();
  }
}

/**
 * Inserts the rows in one transaction, after checking every column name and value against the
 * table's real columns. A retry after a committed insert finds it in the store's delivery ledger.
 */
export function insertRowsAction(deps: ActivityDeps) {
  return async function insertRows(request: ActionRequest<'db.insert'>): Promise<Output> {
    const origin = originOf(request);
    const p = request.params;
    const name = request.connection ?? '';
    const connection = deps.config.connections[name];
    if (!connection || connection.type !== 'database') throw actionFailure('ConnectionConfigError', `${origin}: connection "${name}" is not a database connection configured on this worker`);
    const earlier = await withStore(origin, () => deps.store.findDelivery(request.idempotencyKey));
    if (earlier) return { ...(earlier as Output), alreadyWritten: true };

    const plan = await planInsert(deps, request);
    if (!plan) return { table: targetTable(name, connection, p.table, origin).name, rowCount: 0, alreadyWritten: false };
    // The login's password was remembered when planInsert resolved it, so maskSecrets knows it.
    const fail = (type: FailureType, text: string) => actionFailure(type, maskSecrets(`${origin}: ${where(connection)}: ${text}`));
    try {
      await plan.session.insertAll(plan.schema, plan.table, plan.statements);
    } catch (err) {
      if (err instanceof RowInsertError) {
        const cause = err.refusal as { column?: string };
        const column = cause?.column ? `, column "${cause.column}"` : '';
        throw fail(classifyDatabaseError(err.refusal), `refused result ${plan.rows[err.row].index}${column}: ${describeError(err.refusal)}`);
      }
      throw fail(classifyDatabaseError(err), describeError(err));
    } finally {
      await plan.session.close();
    }
    const output: Output = { table: plan.name, rowCount: plan.rows.length, alreadyWritten: false };
    await withStore(origin, () => deps.store.recordDelivery(request.idempotencyKey, output));
    return output;
  };
}
