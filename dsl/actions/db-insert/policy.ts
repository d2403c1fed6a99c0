// db.insert: the plain policy the workflow reads (timeouts, retries, rows, outputs, Run Once reading).
import { type ActionPolicy, PEER_RETRY, FIRST_RESULT } from '../policy';

/** db.insert's policy. */
export const policy = {
  name: 'db.insert',
  summary: 'Writes results to a table through a database connection (PostgreSQL, MySQL/MariaDB, SQLite) as one of its users',
  connection: 'required',
  connectionTypes: ['database'],
  rows: 'results',
  timeout: '1m',
  retry: PEER_RETRY,
  output: ['table', 'rowCount', 'alreadyWritten'],
  onceReading: { seed: FIRST_RESULT, reading: 'writes the first result (`allResults: true` writes every result)' },
} as const satisfies ActionPolicy;
