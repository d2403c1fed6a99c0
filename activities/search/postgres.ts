// A search query on PostgreSQL with the job's window bound as parameters (`:from`/`:to` or `$1`/`$2`).
import { ApplicationFailure } from '@temporalio/activity';
import { Client, DatabaseError } from 'pg';
import { actionFailure } from '../errors';

/** SQLSTATE classes that are the query's or the schema's fault: retrying cannot help. */
const USER_ERROR_CLASSES = ['22', '42', '28', '3D', '3F'];

/**
 * Rewrites `:from` and `:to` into `$1` and `$2` (outside quotes, not in `::casts`) and returns how
 * many parameters the query uses, so PostgreSQL is never handed more values than it expects.
 */
export function bindWindow(sql: string): { text: string; count: number } {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      out += c;
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      out += c;
      continue;
    }
    const named = /^:(from|to)\b/.exec(sql.slice(i));
    if (c === ':' && named && sql[i - 1] !== ':') {
      out += named[1] === 'from' ? '$1' : '$2';
      i += named[0].length - 1;
      continue;
    }
    out += c;
  }
  const used = [...out.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  return { text: out, count: Math.max(0, ...used) };
}

/** Runs the query; failures name the search and the server's answer, never the connection URL. */
export async function queryPostgres(options: { where: string; url: string; sql: string; from: string | null; to: string | null; limit: number }): Promise<unknown[]> {
  const { text, count } = bindWindow(options.sql);
  if (count > 2) throw actionFailure('ActionInputError', `${options.where}: the query uses $${count}; only $1 (from) and $2 (to), or :from and :to, are bound`);
  if (count > 0 && (options.from === null || options.to === null)) throw actionFailure('ActionInputError', `${options.where}: the query binds the time window but the job has no "timeframe"; add one such as "15m"`);
  const values = [options.from, options.to].slice(0, count);
  const client = new Client({ connectionString: options.url, connectionTimeoutMillis: 10_000, statement_timeout: 120_000, application_name: 'riposte search' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw actionFailure('PeerUnreachableError', `${options.where}: cannot reach the database: ${(err as { code?: string }).code ?? 'connection failed'}`);
  }
  try {
    const result = await client.query({ text, values });
    if (result.rows.length > options.limit) throw actionFailure('ActionInputError', `${options.where}: the query returned ${result.rows.length} rows, more than ${options.limit}; narrow it or add a LIMIT`);
    return result.rows;
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    if (!(err instanceof DatabaseError) || typeof err.code !== 'string') {
      throw actionFailure('PeerUnavailableError', `${options.where}: the database connection failed: ${(err as { code?: string }).code ?? 'connection lost'}`);
    }
    const type = USER_ERROR_CLASSES.includes(err.code.slice(0, 2)) ? 'ActionInputError' : 'PeerUnavailableError';
    throw actionFailure(type, `${options.where}: PostgreSQL answered ${err.code}: ${err.message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
