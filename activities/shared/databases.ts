// The three database drivers behind db.insert, SQL searches and the connection test: log in, read a table's columns, insert rows in one transaction.
import path from 'node:path';
import fs from 'node:fs';
import net from 'node:net';
import Database from 'better-sqlite3';
import type { ExecuteValues } from 'mysql2/promise';
import type { DatabaseConnection } from '../../config/config';
import { actionFailure } from './errors';
import { resolveChecked, type NetworkPolicy } from './network';
import { resolveSecret } from './secrets';

/** A column as the database describes it. */
export interface TableColumn {
  name: string;
  /** The declared type, lower-case (`integer`, `character varying`, `datetime`, ...). */
  type: string;
  /** The most characters a text column holds, when the database says. */
  maxLength: number | null;
}

/** One statement of the batch: the real column names and the bound values. */
export interface InsertRow {
  columns: string[];
  values: unknown[];
}

/** A row the database refused, with its position in the batch. */
export class RowInsertError extends Error {
  constructor(
    readonly row: number,
    readonly refusal: unknown,
  ) {
    super((refusal as Error)?.message ?? String(refusal));
    this.name = 'RowInsertError';
  }
}

/** An open database session. */
export interface DatabaseSession {
  readonly driver: DatabaseConnection['driver'];
  /** The table's columns in order; empty when the table does not exist. */
  columns(schema: string | undefined, table: string): Promise<{ table: string; columns: TableColumn[] }>;
  /** Some table names of the schema, for the message that says a table does not exist. */
  tables(schema: string | undefined): Promise<string[]>;
  /** The INSERT text this driver runs for a row (its quoting and placeholders); the values are bound. */
  statement(schema: string | undefined, table: string, row: InsertRow): string;
  /** Inserts every row in one transaction; a refused row rolls back all and throws {@link RowInsertError}. */
  insertAll(schema: string | undefined, table: string, rows: InsertRow[]): Promise<void>;
  close(): Promise<void>;
}

/** Credentials for one session, resolved from the connection's named user. */
export interface DatabaseLogin {
  user?: string;
  password?: string;
}

/** Whose login {@link resolveLogin} resolves: the connection, its name, the user asked for (the only one when omitted), and who asks, for messages. */
export interface LoginRequest {
  name: string;
  connection: DatabaseConnection;
  user: string | undefined;
  origin: string;
}

/** The user and resolved password a step logs in as; the password, when any, is a secret to mask. */
export function resolveLogin({ name, connection: c, user: requested, origin }: LoginRequest): DatabaseLogin {
  if (c.driver === 'sqlite' && Object.keys(c.users).length === 0) return {};
  const users = Object.keys(c.users);
  const chosen = requested ?? (users.length === 1 ? users[0] : undefined);
  if (chosen === undefined) throw actionFailure('ActionInputError', `${origin}: connection "${name}" has several users (${users.join(', ')}); name one in with.user`);
  const user = c.users[chosen];
  if (!user) throw actionFailure('ConnectionConfigError', `${origin}: connection "${name}" has no user "${chosen}"; its users: ${users.join(', ') || 'none'}`);
  const password = user.password === undefined ? undefined : resolveSecret(user.password, `connections.${name}.users.${chosen}.password`);
  return { user: user.user, password };
}

/** The TLS options of a connection, for pg's `ssl` and mysql2's `ssl` alike. */
export function tlsOptions(c: DatabaseConnection) {
  if (!c.tls) return undefined;
  return {
    rejectUnauthorized: c.tls.verify !== false,
    ...(c.tls.caFile ? { ca: fs.readFileSync(c.tls.caFile, 'utf8') } : {}),
    ...(c.tls.certFile ? { cert: fs.readFileSync(c.tls.certFile, 'utf8') } : {}),
    ...(c.tls.keyFile ? { key: fs.readFileSync(c.tls.keyFile, 'utf8') } : {}),
    ...(c.tls.servername ? { servername: c.tls.servername } : {}),
  };
}

const quoteDouble = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteBacktick = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** The INSERT of one row; each driver brings its own quoting and placeholder style. */
function insertSql(quote: (name: string) => string, placeholder: (j: number) => string, schema: string | undefined, table: string, columns: string[]): string {
  const target = schema ? `${quote(schema)}.${quote(table)}` : quote(table);
  return `INSERT INTO ${target} (${columns.map(quote).join(', ')}) VALUES (${columns.map((_, j) => placeholder(j)).join(', ')})`;
}

/** Picks the table whose name matches exactly, else the one that matches ignoring case (unquoted names fold). */
function pickTable<R extends { table_name: string }>(rows: R[], table: string): { table: string; rows: R[] } {
  const exact = rows.filter((r) => r.table_name === table);
  if (exact.length > 0) return { table, rows: exact };
  const names = [...new Set(rows.map((r) => r.table_name))];
  if (names.length !== 1) return { table, rows: [] };
  return { table: names[0], rows: rows.filter((r) => r.table_name === names[0]) };
}

/**
 * TLS options that keep the configured host as the server name when the driver connects to its
 * checked address instead (SNI and certificate checks then still name the host, not the address).
 */
export function tlsForAddress(c: DatabaseConnection) {
  const tls = tlsOptions(c);
  if (!tls || !c.host || net.isIP(c.host) || tls.servername) return tls;
  return { ...tls, servername: c.host };
}

async function postgres(c: DatabaseConnection, login: DatabaseLogin, network: NetworkPolicy): Promise<DatabaseSession> {
  const port = c.port ?? 5432;
  // The network policy checks what the host resolves to; pg then connects to that address, no second lookup.
  const address = await resolveChecked(network, c.host ?? '', port);
  const { Client } = (await import('pg')).default;
  const client = new Client({
    host: address,
    port,
    database: c.database,
    user: login.user,
    password: login.password,
    ssl: tlsForAddress(c),
    application_name: 'riposte',
    connectionTimeoutMillis: 10_000,
    statement_timeout: 30_000,
  });
  // A server that drops the session later emits 'error'; the pending query fails on its own.
  client.on('error', () => undefined);
  await client.connect();
  const statement: DatabaseSession['statement'] = (schema, table, row) => insertSql(quoteDouble, (j) => `$${j + 1}`, schema, table, row.columns);
  const schemaOf = (schema: string | undefined) => schema ?? null;
  return {
    driver: 'postgres',
    async columns(schema, table) {
      const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string; character_maximum_length: number | null }>(
        `SELECT table_name, column_name, data_type, character_maximum_length FROM information_schema.columns
          WHERE lower(table_name) = lower($1) AND table_schema = COALESCE($2, current_schema()) ORDER BY ordinal_position`,
        [table, schemaOf(schema)],
      );
      const picked = pickTable(rows, table);
      return { table: picked.table, columns: picked.rows.map((r) => ({ name: r.column_name, type: r.data_type.toLowerCase(), maxLength: r.character_maximum_length })) };
    },
    async tables(schema) {
      const { rows } = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = COALESCE($1, current_schema()) ORDER BY table_name LIMIT 50',
        [schemaOf(schema)],
      );
      return rows.map((r) => r.table_name);
    },
    statement,
    async insertAll(schema, table, rows) {
      await client.query('BEGIN');
      try {
        for (const [i, row] of rows.entries()) {
          const sql = statement(schema, table, row);
          try {
            await client.query(sql, row.values);
          } catch (err) {
            throw new RowInsertError(i, err);
          }
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

async function mariadb(c: DatabaseConnection, login: DatabaseLogin, network: NetworkPolicy): Promise<DatabaseSession> {
  const ssl = tlsOptions(c);
  const port = c.port ?? 3306;
  const address = await resolveChecked(network, c.host ?? '', port);
  // mysql2 loads with the first MariaDB or MySQL connection, not with every worker (about 6 MB of a worker's heap).
  const mysql = (await import('mysql2/promise')).default;
  const connection = await mysql.createConnection({
    // mysql2 names the TLS server after `host`; the socket goes to the address the policy checked.
    host: c.host,
    port,
    stream: () => net.connect({ host: address, port }).setNoDelay(true),
    database: c.database,
    user: login.user,
    password: login.password,
    connectTimeout: 10_000,
    // Dates are written in UTC, as riposte's timestamps are.
    timezone: 'Z',
    ...(ssl ? { ssl } : {}),
  });
  connection.on('error', () => undefined);
  const statement: DatabaseSession['statement'] = (schema, table, row) => insertSql(quoteBacktick, () => '?', schema, table, row.columns);
  return {
    driver: 'mysql',
    async columns(schema, table) {
      const [rows] = await connection.query(
        `SELECT table_name AS table_name, column_name AS column_name, data_type AS data_type, character_maximum_length AS max_length
           FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE()) AND lower(table_name) = lower(?) ORDER BY ordinal_position`,
        [schema ?? null, table],
      );
      const picked = pickTable(rows as { table_name: string; column_name: string; data_type: string; max_length: number | null }[], table);
      return { table: picked.table, columns: picked.rows.map((r) => ({ name: r.column_name, type: String(r.data_type).toLowerCase(), maxLength: r.max_length === null ? null : Number(r.max_length) })) };
    },
    async tables(schema) {
      const [rows] = await connection.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) ORDER BY table_name LIMIT 50', [schema ?? null]);
      return (rows as { name: string }[]).map((r) => r.name);
    },
    statement,
    async insertAll(schema, table, rows) {
      await connection.beginTransaction();
      try {
        for (const [i, row] of rows.entries()) {
          const sql = statement(schema, table, row);
          try {
            await connection.execute(sql, row.values as ExecuteValues[]);
          } catch (err) {
            throw new RowInsertError(i, err);
          }
        }
        await connection.commit();
      } catch (err) {
        await connection.rollback().catch(() => undefined);
        throw err;
      }
    },
    async close() {
      await connection.end().catch(() => undefined);
    },
  };
}

function sqlite(c: DatabaseConnection, configDir: string): DatabaseSession {
  // The file must exist: creating an empty database would only hide a wrong path.
  const db = new Database(path.resolve(configDir, c.file ?? ''), { fileMustExist: true, timeout: 5_000 });
  const statement: DatabaseSession['statement'] = (schema, table, row) => insertSql(quoteDouble, () => '?', schema, table, row.columns);
  return {
    driver: 'sqlite',
    async columns(schema, table) {
      const rows = db.prepare('SELECT name, type FROM pragma_table_info(?, ?)').all(table, schema ?? 'main') as { name: string; type: string }[];
      return { table, columns: rows.map((r) => ({ name: r.name, type: r.type.toLowerCase(), maxLength: null })) };
    },
    async tables() {
      const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 50").all() as { name: string }[];
      return rows.map((r) => r.name);
    },
    statement,
    async insertAll(schema, table, rows) {
      const write = db.transaction(() => {
        for (const [i, row] of rows.entries()) {
          try {
            db.prepare(statement(schema, table, row)).run(...row.values);
          } catch (err) {
            throw new RowInsertError(i, err);
          }
        }
      });
      write();
    },
    async close() {
      db.close();
    },
  };
}

/**
 * Opens a session on the connection's database as the given user. PostgreSQL and MySQL connect only
 * where the network policy allows (a refusal throws NetworkPolicyRefusal); SQLite is a local file.
 */
export async function openDatabase(c: DatabaseConnection, login: DatabaseLogin, configDir: string, network: NetworkPolicy): Promise<DatabaseSession> {
  if (c.driver === 'postgres') return postgres(c, login, network);
  if (c.driver === 'mysql') return mariadb(c, login, network);
  return sqlite(c, configDir);
}
