// db.insert in MockActivityEnvironment on a SQLite file: the rows that land in the table, values bound, a retry that writes nothing, and refusals.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRow } from '../../dsl';
import { preparedRequest } from '../prepared-request';
import { startConnectors, type Connectors } from './connectors';

let c: Connectors;
let lite: Database.Database;

beforeAll(async () => {
  c = await startConnectors((config) => {
    config.connections.lite = { type: 'database', driver: 'sqlite', file: path.join(config.dataDir, 'alerts.db'), users: {} };
  });
  lite = new Database(path.join(c.config.dataDir, 'alerts.db'));
  lite.exec('CREATE TABLE alerts (host TEXT NOT NULL, src_ip TEXT, bytes INTEGER, blocked INTEGER, extra TEXT)');
});
afterAll(async () => {
  lite?.close();
  await c?.close();
});

const RESULTS: ResultRow[] = [
  { host: 'web-1', src_ip: '10.0.0.1', bytes: 10, blocked: true },
  { host: "web-2'); DROP TABLE alerts; --", src_ip: '10.0.0.2', bytes: 20, blocked: false, extra: { tags: ['a'] } },
];
const insert = (withParams: Record<string, unknown>, results: ResultRow[] = RESULTS, index: number | null = null) =>
  preparedRequest<'db.insert'>({ name: 'db-job', steps: [{ id: 'db', action: 'db.insert', connection: 'lite', ...(index === null ? {} : { mode: 'each' }), with: withParams }] }, results, index);

describe('db.insert on SQLite', () => {
  it('writes every result with allResults, values bound, booleans as 0/1 and objects as JSON; a retry writes nothing more', async () => {
    lite.exec('DELETE FROM alerts');
    const request = insert({ table: 'alerts', allResults: true });
    await expect(c.run(request)).resolves.toEqual({ table: 'alerts', rowCount: 2, alreadyWritten: false });
    expect(lite.prepare('SELECT host, src_ip, bytes, blocked, extra FROM alerts ORDER BY rowid').all()).toEqual([
      { host: 'web-1', src_ip: '10.0.0.1', bytes: 10, blocked: 1, extra: null },
      { host: "web-2'); DROP TABLE alerts; --", src_ip: '10.0.0.2', bytes: 20, blocked: 0, extra: '{"tags":["a"]}' },
    ]);
    await expect(c.run(request, { attempt: 2 })).resolves.toEqual({ table: 'alerts', rowCount: 2, alreadyWritten: true });
    expect(lite.prepare('SELECT count(*) AS n FROM alerts').get()).toEqual({ n: 2 });
  });

  it('writes chosen values from tokens for one result in each mode', async () => {
    lite.exec('DELETE FROM alerts');
    await expect(c.run(insert({ table: 'alerts', values: { host: 'seen-{{result.host}}', bytes: '{{json result.bytes}}' } }, RESULTS, 0))).resolves.toEqual({ table: 'alerts', rowCount: 1, alreadyWritten: false });
    expect(lite.prepare('SELECT host, bytes, src_ip FROM alerts').all()).toEqual([{ host: 'seen-web-1', bytes: 10, src_ip: null }]);
  });

  it('refuses, without retrying, a missing table, a field without a column, a value that does not fit, and a row the database refuses', async () => {
    await expect(c.run(insert({ table: 'alertz' }))).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining('table "alertz" does not exist; tables: alerts') });
    await expect(c.run(insert({ table: 'alerts' }, [{ host: 'h', process: 'sshd' }]))).rejects.toMatchObject({ type: 'ActionInputError', message: expect.stringContaining('table "alerts" has no column "process"') });
    await expect(c.run(insert({ table: 'alerts' }, [{ host: 'h', bytes: 'lots' }]))).rejects.toMatchObject({ type: 'ActionInputError', message: expect.stringContaining('result 0, column "bytes": "lots" is not an integer') });
    await expect(c.run(insert({ table: 'alerts' }, [{ src_ip: '10.0.0.3' }]))).rejects.toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: expect.stringContaining('refused result 0') });
  });
});
