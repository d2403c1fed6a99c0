// The two store back ends every store test runs on: a fresh SQLite file and a fresh schema on the local PostgreSQL, dropped after the file.
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';

/** Drops these schemas of the local PostgreSQL `test` database, with everything in them. */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

/** `[name, store URL]` pairs for `describe.each`; the PostgreSQL schema is dropped when the calling test file ends. */
export function storeBackends(label: string): readonly (readonly [string, string])[] {
  const schema = `riposte_${label}_${crypto.randomBytes(4).toString('hex')}`;
  afterAll(() => dropSchemas([schema]));
  return [
    ['SQLite', `sqlite:${path.join(os.tmpdir(), `riposte-${label}-${crypto.randomUUID()}.db`)}`],
    ['PostgreSQL', `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`],
  ] as const;
}
