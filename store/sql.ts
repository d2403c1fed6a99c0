// One query layer over SQLite and PostgreSQL: `?` placeholders, the same statements on both.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';

/** A minimal SQL connection the store is written against. */
export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<number>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

class SqliteDriver implements SqlDriver {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    // The store's document merge (see Store.mergeDocument): PostgreSQL has jsonb `||`, SQLite gets the same shallow merge here.
    this.db.function('riposte_merge_json', { deterministic: true }, (stored: unknown, fields: unknown) =>
      JSON.stringify({ ...(JSON.parse(String(stored)) as object), ...(JSON.parse(String(fields)) as object) }),
    );
  }
  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.db.prepare(sql).all(...params) as T[];
  }
  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.db.prepare(sql).run(...params).changes;
  }
  async exec(sql: string): Promise<void> {
    this.db.exec(sql);
  }
  async close(): Promise<void> {
    this.db.close();
  }
}

/**
 * The advisory lock that serialises the store's DDL on PostgreSQL, so workers opening a fresh
 * database at once do not race on CREATE SCHEMA or CREATE TABLE ... IF NOT EXISTS (the loser of
 * that race fails with "relation already exists"). Taken with `pg_advisory_xact_lock` as the first
 * statement of one multi-statement query, which PostgreSQL runs as one transaction: the lock is
 * released when that transaction commits, after the tables are visible to the next worker. A
 * session lock released by the query's last statement would let the next worker in before the
 * commit.
 */
export const MIGRATION_LOCK = 7210;

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres';
  constructor(private readonly pool: pg.Pool) {}
  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(numbered(sql), params)).rows as T[];
  }
  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(numbered(sql), params)).rowCount ?? 0;
  }
  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Opens `sqlite:PATH` (or a bare path) or `postgres://...`. A `schema` query parameter on a
 * PostgreSQL URL keeps the store's tables in that schema.
 */
export async function openSql(url: string): Promise<SqlDriver> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema');
    parsed.searchParams.delete('schema');
    if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`store URL: schema "${schema}" must be a lower-case SQL identifier`);
    // pg loads with the first PostgreSQL store, not in every process (a store on SQLite never needs it).
    const { Pool } = (await import('pg')).default;
    const pool = new Pool({ connectionString: parsed.toString(), max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
    pool.on('error', () => undefined);
    if (schema) await pool.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}); CREATE SCHEMA IF NOT EXISTS ${schema}`);
    return new PostgresDriver(pool);
  }
  return new SqliteDriver(url.replace(/^sqlite:(\/\/)?/, ''));
}
