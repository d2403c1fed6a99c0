// db.insert against the PostgreSQL and MariaDB servers on 127.0.0.1 and a SQLite file: the rows that land in the table.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../dsl';
import { createActivities } from '../activities';
import { connectionTypes } from '../config/config';
import { databaseTableProblems } from '../activities/db-insert/tables';
import hostile from './fixtures/hostile-values.json';
import { startHarness, type Harness } from './helpers';
import { preparedRequest } from './prepared-request';
import { recordTestSecret } from './secrets-ledger';

const suffix = crypto.randomBytes(4).toString('hex');
const pgTable = `riposte_alerts_${suffix}`;
const myTable = `riposte_alerts_${suffix}`;
const liteTable = 'alerts';
/** Places a token-chosen table name must never reach: another schema, another database, an unlisted table. */
const otherSchema = `riposte_other_${suffix}`;
const otherDatabase = `riposte_other_${suffix}`;
const secretTable = `riposte_secret_${suffix}`;

let h: Harness;
let pgClient: pg.Client;
let my: mysql.Connection;
let lite: Database.Database;
let deadPort: number;
let deadConnections = 0;
let dead: net.Server;

const results = [
  { host: 'web-1', src_ip: '10.0.0.1', bytes: 10, seen: '2026-11-23T01:02:03.000Z', blocked: true },
  { host: "web-2'); DROP TABLE x; --", src_ip: '10.0.0.2', bytes: 20, seen: '2026-11-23T04:05:06.000Z', blocked: false },
];

beforeAll(async () => {
  process.env.RIPOSTE_TEST_DB_PASSWORD = 'pg-s3cr3t-pass-not-needed-by-trust';
  process.env.RIPOSTE_TEST_DB_WRONG_PASSWORD = 'definitely-not-roots-s3cr3t-password';
  recordTestSecret('PostgreSQL writer password', process.env.RIPOSTE_TEST_DB_PASSWORD);
  recordTestSecret('wrong MariaDB root password', process.env.RIPOSTE_TEST_DB_WRONG_PASSWORD);
  pgClient = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await pgClient.connect();
  await pgClient.query(`CREATE TABLE ${pgTable} (id serial PRIMARY KEY, host varchar(40) NOT NULL UNIQUE, src_ip text, bytes integer, seen timestamptz, blocked boolean, extra jsonb)`);
  my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test', timezone: 'Z' });
  await my.query(`CREATE TABLE ${myTable} (id int AUTO_INCREMENT PRIMARY KEY, host varchar(40) NOT NULL, src_ip varchar(15), bytes int, seen datetime(3), blocked tinyint(1)) ENGINE=InnoDB`);
  await pgClient.query(`CREATE SCHEMA ${otherSchema}`);
  await pgClient.query(`CREATE TABLE ${otherSchema}.victims (host text)`);
  await pgClient.query(`CREATE TABLE ${otherSchema}.${pgTable} (host text)`);
  await pgClient.query(`CREATE TABLE ${secretTable} (host text)`);
  await my.query(`CREATE DATABASE ${otherDatabase}`);
  await my.query(`CREATE TABLE ${otherDatabase}.${myTable} (host varchar(200))`);
  await my.query(`CREATE TABLE ${secretTable} (host varchar(200))`);
  dead = net.createServer((socket) => {
    deadConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  deadPort = (dead.address() as net.AddressInfo).port;
  h = await startHarness((config) => {
    config.connections['alerts-pg'] = { type: 'database', driver: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', users: { writer: { user: 'postgres', password: 'env:RIPOSTE_TEST_DB_PASSWORD' } } };
    config.connections['alerts-my'] = { type: 'database', driver: 'mysql', host: '127.0.0.1', port: 3306, database: 'test', users: { root: { user: 'root' } } };
    config.connections['alerts-lite'] = { type: 'database', driver: 'sqlite', file: path.join(config.dataDir, 'alerts.db'), users: {} };
    config.connections['alerts-my-badpw'] = { type: 'database', driver: 'mysql', host: '127.0.0.1', port: 3306, database: 'test', users: { root: { user: 'root', password: 'env:RIPOSTE_TEST_DB_WRONG_PASSWORD' } } };
    config.connections['alerts-pg-tokens'] = { ...(config.connections['alerts-pg'] as object), tables: [pgTable, 'riposte_audit_*'] } as never;
    config.connections['alerts-my-tokens'] = { ...(config.connections['alerts-my'] as object), tables: [myTable] } as never;
    config.connections['alerts-down'] = { type: 'database', driver: 'postgres', host: '127.0.0.1', port: deadPort, database: 'test', users: { writer: { user: 'postgres' } } };
  });
  lite = new Database(path.join(h.dataDir, 'alerts.db'));
  lite.exec(`CREATE TABLE ${liteTable} (host TEXT NOT NULL, src_ip TEXT, bytes INTEGER, seen TEXT, blocked INTEGER, extra TEXT)`);
});
afterAll(async () => {
  await pgClient?.query(`DROP TABLE IF EXISTS ${pgTable}`);
  await pgClient?.query(`DROP SCHEMA IF EXISTS ${otherSchema} CASCADE`);
  await pgClient?.query(`DROP TABLE IF EXISTS ${secretTable}`);
  await my?.query(`DROP DATABASE IF EXISTS ${otherDatabase}`);
  await my?.query(`DROP TABLE IF EXISTS ${secretTable}`);
  await pgClient?.end();
  await my?.query(`DROP TABLE IF EXISTS ${myTable}`);
  await my?.end();
  lite?.close();
  await h?.close();
  await new Promise((r) => dead?.close(r));
});

/** How many attempts the run's db.insert activity took, from the workflow history. */
async function attempts(runId: string): Promise<number> {
  const history = await h.client.workflow.getHandle(runId).fetchHistory();
  return Math.max(0, ...(history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
}

const insert = (connection: string, withParams: Record<string, unknown>, step: Record<string, unknown> = {}) => ({
  name: 'record-db',
  steps: [{ id: 'db', action: 'db.insert', connection, retry: { initialInterval: '100ms', backoff: 1, maxAttempts: 3 }, ...step, with: withParams }],
});

describe('db.insert', () => {
  it('writes one PostgreSQL row per result in each mode, every value bound rather than spliced into the SQL', async () => {
    const report = await h.run(insert('alerts-pg', { table: pgTable, user: 'writer' }, { mode: 'each' }), results);
    expect(report.status).toBe('completed');
    expect(report.steps.db.outputs).toEqual([
      { table: pgTable, rowCount: 1, alreadyWritten: false },
      { table: pgTable, rowCount: 1, alreadyWritten: false },
    ]);
    const { rows } = await pgClient.query(`SELECT host, src_ip, bytes, seen, blocked FROM ${pgTable} ORDER BY bytes`);
    expect(rows).toEqual([
      { host: 'web-1', src_ip: '10.0.0.1', bytes: 10, seen: new Date('2026-11-23T01:02:03.000Z'), blocked: true },
      { host: "web-2'); DROP TABLE x; --", src_ip: '10.0.0.2', bytes: 20, seen: new Date('2026-11-23T04:05:06.000Z'), blocked: false },
    ]);
  });

  it('writes chosen columns from tokens, turning an object into JSON for a jsonb column', async () => {
    await pgClient.query(`DELETE FROM ${pgTable}`);
    const report = await h.run(insert('alerts-pg', { table: pgTable, values: { host: 'summary-{{results.length}}', bytes: '{{json result.bytes}}', extra: { first: '{{result.host}}' } } }), results);
    expect(report.status).toBe('completed');
    const { rows } = await pgClient.query(`SELECT host, bytes, extra, src_ip FROM ${pgTable}`);
    expect(rows).toEqual([{ host: 'summary-2', bytes: 10, extra: { first: 'web-1' }, src_ip: null }]);
  });

  it('takes only the first result in once mode on MariaDB, and every result with allResults', async () => {
    let report = await h.run(insert('alerts-my', { table: myTable }), results);
    expect(report.status).toBe('completed');
    expect(report.steps.db.output).toEqual({ table: myTable, rowCount: 1, alreadyWritten: false });
    let [rows] = await my.query(`SELECT host, bytes, seen, blocked FROM ${myTable} ORDER BY id`);
    expect(rows).toEqual([{ host: 'web-1', bytes: 10, seen: new Date('2026-11-23T01:02:03.000Z'), blocked: 1 }]);

    await my.query(`DELETE FROM ${myTable}`);
    report = await h.run(insert('alerts-my', { table: myTable, allResults: true }), results);
    expect(report.steps.db.output).toEqual({ table: myTable, rowCount: 2, alreadyWritten: false });
    [rows] = await my.query(`SELECT host, src_ip, bytes, blocked FROM ${myTable} ORDER BY id`);
    expect(rows).toEqual([
      { host: 'web-1', src_ip: '10.0.0.1', bytes: 10, blocked: 1 },
      { host: "web-2'); DROP TABLE x; --", src_ip: '10.0.0.2', bytes: 20, blocked: 0 },
    ]);
  });

  it('writes to a SQLite file, booleans as 0/1 and objects as JSON text', async () => {
    const report = await h.run(insert('alerts-lite', { table: liteTable }, { mode: 'each' }), [...results, { host: 'web-3', extra: { tags: ['a', 'b'] } }]);
    expect(report.status).toBe('completed');
    expect(lite.prepare(`SELECT host, bytes, blocked, extra FROM ${liteTable} ORDER BY rowid`).all()).toEqual([
      { host: 'web-1', bytes: 10, blocked: 1, extra: null },
      { host: "web-2'); DROP TABLE x; --", bytes: 20, blocked: 0, extra: null },
      { host: 'web-3', bytes: null, blocked: null, extra: '{"tags":["a","b"]}' },
    ]);
  });

  it('refuses a table that does not exist, naming the tables there are', async () => {
    const report = await h.run(insert('alerts-lite', { table: 'alertz' }), results);
    expect(report.status).toBe('failed');
    expect(report.steps.db.error).toContain('step "db" (db.insert): sqlite ');
    expect(report.steps.db.error).toContain('table "alertz" does not exist; tables: alerts');
  });

  it('refuses result fields the table has no column for, naming them and the columns that exist', async () => {
    const report = await h.run(insert('alerts-pg', { table: pgTable }), [{ host: 'h', user: 'alice', process: 'sshd' }]);
    expect(report.status).toBe('failed');
    expect(report.steps.db.error).toContain(`table "${pgTable}" has no column "user", "process"; its columns: id, host, src_ip, bytes, seen, blocked, extra`);
  });

  it('reports the result and the column of a value that does not fit its column type, on every driver', async () => {
    const bad = [{ host: 'ok', bytes: 1 }, { host: 'bad', bytes: 'lots' }];
    for (const [connection, table] of [['alerts-pg', pgTable], ['alerts-my', myTable], ['alerts-lite', liteTable]]) {
      const report = await h.run(insert(connection, { table, allResults: true }), bad);
      expect(report.status).toBe('failed');
      expect(report.steps.db.error).toContain('result 1, column "bytes": "lots" is not an integer');
    }
    const long = await h.run(insert('alerts-my', { table: myTable }), [{ host: 'x'.repeat(41) }]);
    expect(long.steps.db.error).toContain('result 0, column "host": ');
    expect(long.steps.db.error).toContain('is 41 characters long; the column (varchar) holds at most 40');
  });

  it("fails on a constraint violation with the database's answer and writes none of the batch", async () => {
    await pgClient.query(`DELETE FROM ${pgTable}`);
    const report = await h.run(insert('alerts-pg', { table: pgTable, allResults: true }), [{ host: 'dup' }, { host: 'fresh' }, { host: 'dup' }]);
    expect(report.status).toBe('failed');
    expect(report.steps.db.error).toMatch(/refused result 2: duplicate key value violates unique constraint .*\(Key \(host\)=\(dup\) already exists\.\)/);
    expect((await pgClient.query(`SELECT count(*)::int AS n FROM ${pgTable}`)).rows[0].n).toBe(0);
    expect(await attempts(report.runId)).toBe(1);
  });

  it('fails at once on credentials the database refuses, without the password in the message', async () => {
    const report = await h.run(insert('alerts-my-badpw', { table: myTable }), results);
    expect(report.status).toBe('failed');
    expect(report.steps.db.error).toContain("step \"db\" (db.insert): mysql 127.0.0.1:3306/test: Access denied for user 'root'");
    expect(report.steps.db.error).not.toContain('definitely-not-roots-s3cr3t-password');
    expect(await attempts(report.runId)).toBe(1);
  });

  it('retries a database that drops the connection, then fails naming it', async () => {
    deadConnections = 0;
    const report = await h.run(insert('alerts-down', { table: 'anything' }), results);
    expect(report.status).toBe('failed');
    expect(deadConnections).toBe(3);
    expect(await attempts(report.runId)).toBe(3);
    expect(report.steps.db.error).toContain(`step "db" (db.insert): postgres 127.0.0.1:${deadPort}/test: `);
  });

  it('does not write twice when an execution is repeated with the same idempotency key', async () => {
    await pgClient.query(`DELETE FROM ${pgTable}`);
    const activities = createActivities({ config: h.config, store: h.store });
    const request = {
      action: 'db.insert' as const,
      stepId: 'db',
      params: { table: pgTable, allResults: false },
      connection: 'alerts-pg',
      idempotencyKey: `run-${suffix}/db/once`,
      index: null,
      results: [{ host: 'once-only' }],
      job: { name: 'record-db' },
      run: { id: `run-${suffix}`, startedAt: new Date().toISOString() },
    };
    expect(await activities['db.insert'](request)).toEqual({ table: pgTable, rowCount: 1, alreadyWritten: false });
    expect(await activities['db.insert'](request)).toEqual({ table: pgTable, rowCount: 1, alreadyWritten: true });
    expect((await pgClient.query(`SELECT host FROM ${pgTable}`)).rows).toEqual([{ host: 'once-only' }]);
  });

  it('refuses a missing connection, one of another type and an unknown user before the chain runs', () => {
    const context = { connections: connectionTypes(h.config) };
    context.connections['soc-smtp'] = { type: 'smtp' };
    const problems = (chain: object) => {
      const v = validateChain(chain, context);
      return v.ok ? [] : v.problems;
    };
    expect(problems({ name: 'x', steps: [{ id: 'db', action: 'db.insert', with: { table: 't' } }] })).toEqual([{ path: 'steps[0].connection', message: 'db.insert needs a connection; name one from riposte.config.json' }]);
    expect(problems(insert('nowhere', { table: 't' }))).toEqual([expect.objectContaining({ path: 'steps[0].connection', message: expect.stringContaining('unknown connection "nowhere"; configured: ') })]);
    expect(problems(insert('soc-smtp', { table: 't' }))).toEqual([{ path: 'steps[0].connection', message: 'connection "soc-smtp" is of type smtp; db.insert needs one of type database' }]);
    expect(problems(insert('alerts-pg', { table: 't', user: 'admin' }))).toEqual([{ path: 'steps[0].with.user', message: 'connection "alerts-pg" has no user "admin"; its users: writer' }]);
    expect(problems(insert('alerts-pg', { table: 'drop table;' }))).toEqual([expect.objectContaining({ path: 'steps[0].with.table' })]);
    expect(problems(insert('alerts-pg', { table: 't', allResults: true, values: { a: 1 } }))).toEqual([expect.objectContaining({ path: 'steps[0].with.values' })]);
  });

  it('riposte validate refuses a table that does not exist and values naming missing columns, and passes a chain whose table fits', async () => {
    const dir = h.dataDir;
    fs.writeFileSync(path.join(dir, 'riposte.config.json'), JSON.stringify({ connections: { 'alerts-pg': h.config.connections['alerts-pg'], 'alerts-down': h.config.connections['alerts-down'] }, network: { allow: ['127.0.0.1'] } }));
    const write = (name: string, chain: object) => {
      fs.writeFileSync(path.join(dir, name), JSON.stringify(chain));
      return path.join(dir, name);
    };
    const bad = write('bad.json', {
      name: 'bad',
      steps: [
        { id: 'a', action: 'db.insert', connection: 'alerts-pg', with: { table: 'no_such_table_here' } },
        { id: 'b', action: 'db.insert', connection: 'alerts-pg', with: { table: pgTable, values: { host: 'h', hostname: 'x' } } },
        { id: 'c', action: 'db.insert', connection: 'alerts-down', with: { table: 'unknowable' } },
      ],
    });
    const good = write('good.json', { name: 'good', steps: [{ id: 'a', action: 'db.insert', connection: 'alerts-pg', with: { table: pgTable, values: { host: '{{result.host}}' } } }] });
    const cli = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
    const env = { ...process.env, RIPOSTE_CONFIG: path.join(dir, 'riposte.config.json') };
    const failed = await promisify(execFile)(process.execPath, [cli, 'validate', bad], { cwd: dir, env }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${bad}:1:\\d+: steps\\[0\\]\\.with\\.table: table "no_such_table_here" does not exist in postgres 127\\.0\\.0\\.1/test; tables: .*${pgTable}`)),
      expect.stringMatching(new RegExp(`^${bad}:1:\\d+: steps\\[1\\]\\.with\\.values: table "${pgTable}" has no column "hostname"; its columns: id, host, src_ip, bytes, seen, blocked, extra$`)),
    ]);
    const passed = await promisify(execFile)(process.execPath, [cli, 'validate', good], { cwd: dir, env });
    expect(passed.stderr).toContain('1 chain valid');
  });
});

const corpus = Object.entries(hostile).filter(([k]) => k !== '$comment') as [string, string][];

describe('db.insert with a table name from a token', () => {
  const insertRows = () => createActivities({ config: h.config, store: h.store })['db.insert'];
  /** Rows in every table a hostile name could have reached. */
  async function rowsEverywhere() {
    const pgCount = async (table: string) => (await pgClient.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
    const myCount = async (table: string) => ((await my.query(`SELECT count(*) AS n FROM ${table}`))[0] as { n: number }[])[0].n;
    return {
      pg: await pgCount(pgTable),
      pgOtherSchema: (await pgCount(`${otherSchema}.victims`)) + (await pgCount(`${otherSchema}.${pgTable}`)),
      pgSecret: await pgCount(secretTable),
      my: await myCount(myTable),
      myOtherDatabase: await myCount(`${otherDatabase}.${myTable}`),
      mySecret: await myCount(secretTable),
    };
  }
  const none = { pg: 0, pgOtherSchema: 0, pgSecret: 0, my: 0, myOtherDatabase: 0, mySecret: 0 };

  it('refuses every corpus value and every qualified or unlisted name, and writes nowhere', async () => {
    await pgClient.query(`DELETE FROM ${pgTable}`);
    await my.query(`DELETE FROM ${myTable}`);
    const names = [
      ...corpus.map(([, v]) => v),
      `${otherSchema}.victims`, `${otherSchema}.${pgTable}`, `${otherDatabase}.${myTable}`, `test.${myTable}`, `public.${pgTable}`,
      secretTable, 'information_schema.tables', 'mysql.user', 'pg_catalog.pg_user', `"public"."${pgTable}"`, `${pgTable} `, `${pgTable};`,
    ];
    for (const connection of ['alerts-pg-tokens', 'alerts-my-tokens']) {
      for (const name of names) {
        const request = preparedRequest<'db.insert'>(insert(connection, { table: '{{result.t}}', values: { host: 'hostile' } }), [{ t: name }], 0);
        await expect(insertRows()(request), `${connection}: ${JSON.stringify(name)}`).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining('with.table') });
      }
    }
    expect(await rowsEverywhere()).toEqual(none);
  });

  it('writes to a table the connection allows a token to choose, and says no more than "does not exist" for a listed name that is not there', async () => {
    await pgClient.query(`DELETE FROM ${pgTable}`);
    await my.query(`DELETE FROM ${myTable}`);
    let report = await h.run(insert('alerts-pg-tokens', { table: '{{result.t}}', values: { host: '{{result.h}}' } }), [{ t: pgTable.toUpperCase(), h: 'via-token' }]);
    expect(report.status).toBe('completed');
    expect(report.steps.db.output).toEqual({ table: pgTable.toUpperCase(), rowCount: 1, alreadyWritten: false });
    report = await h.run(insert('alerts-my-tokens', { table: '{{result.t}}', values: { host: '{{result.h}}' } }), [{ t: myTable, h: 'via-token' }]);
    expect(report.status).toBe('completed');
    expect(await rowsEverywhere()).toEqual({ ...none, pg: 1, my: 1 });
    report = await h.run(insert('alerts-pg-tokens', { table: '{{result.t}}', values: { host: 'x' } }), [{ t: 'riposte_audit_missing' }]);
    expect(report.status).toBe('failed');
    expect(report.steps.db.error).toBe('step "db" (db.insert): postgres 127.0.0.1:5432/test: table "riposte_audit_missing" does not exist');
  });

  it('fails a run whose token names another database or an unlisted table, with the reason, not retried', async () => {
    let report = await h.run(insert('alerts-my-tokens', { table: '{{result.t}}', values: { host: 'x' } }), [{ t: hostile.otherDatabase }]);
    expect(report.status).toBe('failed');
    expect(report.steps.db.error).toContain('steps[0].with.table.fromToken: a table name from a token must be one bare table name');
    expect(await attempts(report.runId)).toBe(1);
    report = await h.run(insert('alerts-pg-tokens', { table: '{{result.t}}', values: { host: 'x' } }), [{ t: secretTable }]);
    expect(report.steps.db.error).toBe(`step "db" (db.insert): with.table: the table name "${secretTable}" comes from a token and is not one connection "alerts-pg-tokens" allows (tables: ${pgTable}, riposte_audit_*)`);
    report = await h.run(insert('alerts-pg', { table: '{{result.t}}', values: { host: 'x' } }), [{ t: pgTable }]);
    expect(report.steps.db.error).toContain('with.table: the table name "' + pgTable + '" comes from a token, and connection "alerts-pg" lists no tables a token may choose');
    expect(await rowsEverywhere()).toMatchObject({ pgSecret: 0, myOtherDatabase: 0 });
  });

  it('writes a literal schema-qualified table on PostgreSQL, and refuses a literal other database on MariaDB', async () => {
    let report = await h.run(insert('alerts-pg', { table: `${otherSchema}.victims`, values: { host: 'literal' } }), [{}]);
    expect(report.status).toBe('completed');
    expect((await pgClient.query(`SELECT host FROM ${otherSchema}.victims`)).rows).toEqual([{ host: 'literal' }]);
    await pgClient.query(`DELETE FROM ${otherSchema}.victims`);
    report = await h.run(insert('alerts-my', { table: `${otherDatabase}.${myTable}`, values: { host: 'literal' } }), [{}]);
    expect(report.status).toBe('failed');
    expect(report.steps.db.error).toBe(`step "db" (db.insert): with.table: "${otherDatabase}.${myTable}" names the database "${otherDatabase}"; connection "alerts-my" writes only to its own database "test" (write "${myTable}", or use a connection to that database)`);
    expect(await rowsEverywhere()).toMatchObject({ myOtherDatabase: 0 });
  });

  it('validation refuses a token table on a connection without tables, another MariaDB database, and a token in the user', async () => {
    const chain = (connection: string, params: Record<string, unknown>) => assertValidChainOr(insert(connection, params));
    expect(await databaseTableProblems(chain('alerts-pg', { table: 'audit_{{result.t}}' }), h.config)).toEqual([
      { path: 'steps[0].with.table', message: 'the table name comes from a token, and connection "alerts-pg" lists no tables a token may choose; write the table name, or list the allowed ones as "tables": ["alerts", "audit_*"] in connections.alerts-pg' },
    ]);
    expect(await databaseTableProblems(chain('alerts-pg-tokens', { table: 'audit_{{result.t}}' }), h.config)).toEqual([]);
    expect(await databaseTableProblems(chain('alerts-my', { table: `mysql.user` }), h.config)).toEqual([expect.objectContaining({ path: 'steps[0].with.table', message: expect.stringContaining('names the database "mysql"') })]);
    const v = validateChain(insert('alerts-pg', { table: 't', user: '{{result.user}}' }));
    expect(v.ok ? [] : v.problems).toEqual([{ path: 'steps[0].with.user', message: 'the user picks the credentials that write, so it must be written out; a token cannot choose it' }]);
  });
});

function assertValidChainOr(chain: object) {
  const v = validateChain(chain);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.chain;
}

