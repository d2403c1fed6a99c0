// A search query on PostgreSQL with the job's window bound as parameters (`:from`/`:to` or `$1`/`$2`).
import { ApplicationFailure } from '@temporalio/activity';
import type { ClientConfig } from 'pg';
import { actionFailure } from '../shared/errors';
import { destinationRefused, refusalIn, resolveChecked, type NetworkPolicy } from '../shared/network';

/** SQLSTATE classes that are the query's or the schema's fault: retrying cannot help. */
const USER_ERROR_CLASSES = ['22', '42', '28', '3D', '3F'];

/**
 * Rewrites `:from` and `:to` (outside quotes, not in `::casts`) into positional parameters numbered
 * in order of first use, and says which window bound each parameter carries: PostgreSQL refuses
 * parameters the query does not use. A query written with `$1`/`$2` binds from and to as they are.
 */
export function bindWindow(sql: string): { text: string; bounds: ('from' | 'to')[] } {
  let out = '';
  let quote: string | null = null;
  const bounds: ('from' | 'to')[] = [];
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
    const named = c === ':' && sql[i - 1] !== ':' ? /^:(from|to)\b/.exec(sql.slice(i)) : null;
    if (named) {
      const bound = named[1] as 'from' | 'to';
      if (!bounds.includes(bound)) bounds.push(bound);
      out += `$${bounds.indexOf(bound) + 1}`;
      i += named[0].length - 1;
      continue;
    }
    out += c;
  }
  if (bounds.length > 0) return { text: out, bounds };
  const used = Math.max(0, ...[...out.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  return { text: out, bounds: (['from', 'to'] as const).slice(0, used) };
}

/**
 * Runs the query; failures name the search and the server's answer, never the connection URL. The
 * client connects to the address the network policy checked; give `login.ssl` its server name.
 */
export async function queryPostgres(options: { where: string; login: ClientConfig; network: NetworkPolicy; sql: string; from: string | null; to: string | null; limit: number }): Promise<unknown[]> {
  const { text, bounds } = bindWindow(options.sql);
  const highest = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  if (highest > 2) throw actionFailure('ActionInputError', `${options.where}: the query uses $${highest}; only $1 (from) and $2 (to), or :from and :to, are bound`);
  if (bounds.length > 0 && (options.from === null || options.to === null)) throw actionFailure('ActionInputError', `${options.where}: the query binds the time window but the job has no "timeframe"; add one such as "15m"`);
  const values = bounds.map((b) => (b === 'from' ? options.from : options.to));
  let address: string;
  try {
    address = await resolveChecked(options.network, options.login.host ?? '', options.login.port ?? 5432);
  } catch (err) {
    const refusal = refusalIn(err);
    if (refusal) throw destinationRefused(options.where, refusal);
    throw actionFailure('PeerUnreachableError', `${options.where}: cannot reach the database: ${(err as { code?: string }).code ?? 'name resolution failed'}`);
  }
  const { Client, DatabaseError } = (await import('pg')).default;
  const client = new Client({ ...options.login, host: address, connectionTimeoutMillis: 10_000, statement_timeout: 120_000, application_name: 'riposte search' });
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
