// Checks db.insert's tables and literal column names against the databases before a chain runs.
import { isTemplate, type Chain, type Problem } from '../../dsl';
import type { Config, DatabaseConnection } from '../../config/config';
import { columnFor, tableRefusal } from './index';
import { openDatabase, resolveLogin, type DatabaseSession } from '../shared/databases';

/**
 * The db.insert steps whose table does not exist, or whose literal `values` name columns the table
 * lacks. A database that cannot be reached now is not a problem here: the run reports it, retried.
 */
export async function databaseTableProblems(chain: Chain, config: Config): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [i, step] of chain.steps.entries()) {
    if (step.action !== 'db.insert' || !step.connection) continue;
    const connection = config.connections[step.connection];
    const params = step.with as { table?: unknown; user?: unknown; values?: unknown };
    if (connection?.type !== 'database' || typeof params.table !== 'string') continue;
    if (isTemplate(params.table)) {
      // A name from a token is matched against the connection's `tables` when the step runs; here only whether there are any.
      if (!connection.tables?.length) {
        problems.push({ path: `steps[${i}].with.table`, message: `the table name comes from a token, and connection "${step.connection}" lists no tables a token may choose; write the table name, or list the allowed ones as "tables": ["alerts", "audit_*"] in connections.${step.connection}` });
      }
      continue;
    }
    const refusal = tableRefusal(step.connection, connection, params.table);
    if (refusal) {
      problems.push({ path: `steps[${i}].with.table`, message: refusal });
      continue;
    }
    if (typeof params.user === 'string' && isTemplate(params.user)) continue;
    const found = await readTable(step.connection, connection, params.table, params.user as string | undefined, config);
    if (!found) continue;
    const where = connection.driver === 'sqlite' ? `sqlite ${connection.file}` : `${connection.driver} ${connection.host}/${connection.database}`;
    if (found.columns.length === 0) {
      problems.push({ path: `steps[${i}].with.table`, message: `table "${params.table}" does not exist in ${where}${found.tables.length ? `; tables: ${found.tables.join(', ')}` : ''}` });
      continue;
    }
    if (params.values && typeof params.values === 'object') {
      const missing = Object.keys(params.values).filter((c) => !columnFor(c, found.columns));
      if (missing.length > 0) {
        problems.push({ path: `steps[${i}].with.values`, message: `table "${params.table}" has no column ${missing.map((m) => `"${m}"`).join(', ')}; its columns: ${found.columns.map((c) => c.name).join(', ')}` });
      }
    }
  }
  return problems;
}

async function readTable(name: string, connection: DatabaseConnection, table: string, user: string | undefined, config: Config) {
  let session: DatabaseSession | undefined;
  try {
    // Validation connects under the same network policy as the run: a refused database is not read.
    session = await openDatabase(connection, resolveLogin({ name, connection, user, origin: 'validation' }), config.configDir, config.network);
    const [schema, bare] = table.includes('.') ? (table.split('.') as [string, string]) : [undefined, table];
    const { columns } = await session.columns(schema, bare);
    return { columns, tables: columns.length === 0 ? await session.tables(schema) : [] };
  } catch {
    return undefined;
  } finally {
    await session?.close();
  }
}
