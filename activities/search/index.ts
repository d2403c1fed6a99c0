// runSearch: a job's own results, from a SQL query on a database connection or an HTTP GET returning JSON rows.
import type { ResultRow, SearchOutcome, SearchRequest } from '../../dsl';
import { INLINE_RESULTS_LIMIT } from '../../dsl';
import type { DatabaseConnection, HttpConnection } from '../../config/config';
import { resolveLogin, tlsForAddress } from '../shared/databases';
import { withStore, type ActivityDeps } from '../shared/deps';
import { actionFailure } from '../shared/errors';
import { callPeer } from '../shared/http';
import { resolveSecret } from '../shared/secrets';
import { queryPostgres } from './postgres';

/** At most this many rows come back from one search; more is a job that searches too wide. */
export const SEARCH_ROW_LIMIT = 100_000;

function origin(request: SearchRequest): string {
  return `search of job "${request.job}"`;
}

/** Rows as plain JSON: dates become ISO strings, and each row must be an object. */
function jsonRows(rows: unknown[], where: string): ResultRow[] {
  return rows.map((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw actionFailure('ActionInputError', `${where}: row ${i} is not a JSON object`);
    return JSON.parse(JSON.stringify(row)) as ResultRow;
  });
}

async function searchSql(deps: ActivityDeps, request: SearchRequest): Promise<ResultRow[]> {
  const where = origin(request);
  const name = request.search.connection;
  const found = deps.config.connections[name];
  if (!found) throw actionFailure('ConnectionConfigError', `${where}: connection "${name}" is not configured on this worker`);
  if (found.type !== 'database' || found.driver !== 'postgres') {
    throw actionFailure('ConnectionConfigError', `${where}: connection "${name}" is not a PostgreSQL database connection; SQL searches run on { "type": "database", "driver": "postgres", ... }`);
  }
  const c: DatabaseConnection = found;
  // The search reads as the connection's first user: give that user SELECT only.
  const login = resolveLogin({ name, connection: c, user: Object.keys(c.users)[0], origin: where });
  const tls = tlsForAddress(c);
  const rows = await queryPostgres({ where, network: deps.config.network, login: { host: c.host, port: c.port ?? 5432, database: c.database, user: login.user, password: login.password, ...(tls ? { ssl: tls } : {}) }, sql: request.search.sql!, from: request.timeframe?.from ?? null, to: request.timeframe?.to ?? null, limit: SEARCH_ROW_LIMIT });
  return jsonRows(rows, where);
}

async function searchHttp(deps: ActivityDeps, request: SearchRequest): Promise<ResultRow[]> {
  const where = origin(request);
  const name = request.search.connection;
  const found = deps.config.connections[name];
  if (!found) throw actionFailure('ConnectionConfigError', `${where}: connection "${name}" is not configured on this worker`);
  if (found.type !== 'http') throw actionFailure('ConnectionConfigError', `${where}: connection "${name}" is of type ${found.type}; an HTTP search needs an http connection`);
  const connection: HttpConnection = found;
  const secrets: string[] = [];
  let url: URL;
  try {
    const base = new URL(resolveSecret(connection.url, `connections.${name}.url`));
    secrets.push(base.search.slice(1));
    // The search's url is relative to the connection's (a path and query); an absolute one must stay on its origin.
    url = new URL(request.search.url!, base.href.endsWith('/') ? base : new URL(`${base.href}/`));
    if (url.origin !== base.origin) throw new Error(`"${request.search.url}" leaves the connection's origin ${base.origin}`);
  } catch (err) {
    throw actionFailure('ActionInputError', `${where}: cannot build the search URL: ${(err as Error).message}`);
  }
  if (request.timeframe) {
    url.searchParams.set('from', request.timeframe.from);
    url.searchParams.set('to', request.timeframe.to);
  }
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'riposte' };
  for (const [k, v] of Object.entries(connection.headers ?? {})) headers[k.toLowerCase()] = resolveSecret(v, `connections.${name}.headers.${k}`);
  const auth = connection.auth;
  if (auth?.type === 'bearer') headers.authorization = `Bearer ${remember(secrets, resolveSecret(auth.token, `connections.${name}.auth.token`))}`;
  if (auth?.type === 'basic') {
    const password = remember(secrets, resolveSecret(auth.password, `connections.${name}.auth.password`));
    headers.authorization = `Basic ${remember(secrets, Buffer.from(`${auth.username}:${password}`).toString('base64'))}`;
  }
  if (auth?.type === 'header') headers[auth.name.toLowerCase()] = remember(secrets, resolveSecret(auth.value, `connections.${name}.auth.value`));
  const tls = connection.tls;
  const response = await callPeer({
    origin: where,
    network: deps.config.network,
    url,
    method: 'GET',
    headers,
    tls: { verify: tls?.verify ?? true, ca: tls?.caFile, cert: tls?.certFile, key: tls?.keyFile, servername: tls?.servername },
    secrets: secrets.filter(Boolean),
  });
  const body = response.json as unknown;
  // A bare array of rows, or an object carrying them under "rows" or "results".
  const rows = Array.isArray(body) ? body : Array.isArray((body as { rows?: unknown })?.rows) ? (body as { rows: unknown[] }).rows : (body as { results?: unknown })?.results;
  if (!Array.isArray(rows)) throw actionFailure('PeerRejectedError', `${where}: GET ${url.origin} answered ${response.status} without a JSON array of rows (nor an object with "rows" or "results")`);
  if (rows.length > SEARCH_ROW_LIMIT) throw actionFailure('ActionInputError', `${where}: the search returned ${rows.length} rows, more than ${SEARCH_ROW_LIMIT}; narrow it`);
  return jsonRows(rows, where);
}

function remember(secrets: string[], value: string): string {
  secrets.push(value);
  return value;
}

/** Builds the engine's `runSearch` activity. */
export function runSearchActivity(deps: ActivityDeps) {
  return async function runSearch(request: SearchRequest): Promise<SearchOutcome> {
    const rows = request.search.sql !== undefined ? await searchSql(deps, request) : await searchHttp(deps, request);
    let size = 2;
    for (const row of rows) {
      size += JSON.stringify(row).length + 1;
      if (size > INLINE_RESULTS_LIMIT) break;
    }
    if (size <= INLINE_RESULTS_LIMIT) return { count: rows.length, rows };
    // Too large for a payload: keep them in the store under the run's id, as startRun does for given results.
    const id = `${request.runId}/search`;
    await withStore(origin(request), () => deps.store.saveResultSet(id, rows));
    return { count: rows.length, rows: [], ref: { id, count: rows.length } };
  };
}
