// Scheduled search jobs on the real dev server and PostgreSQL: schedules that fire, sync, and searches over the job's window.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ScheduleNotFoundError } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validateChain } from '../dsl';
import { connectionTypes } from '../config/config';
import { loadJobs } from '../config/jobs';
import { formatChanges, scheduleId, syncSchedules } from '../control/schedules';
import { bindWindow } from '../activities/search/postgres';
import { startHarness, startPeer, type Harness } from './helpers';
import { recordTestSecret } from './secrets-ledger';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const suffix = crypto.randomUUID().slice(0, 8);
const table = `riposte_logins_${suffix}`;

let h: Harness;
let db: pg.Client;
let peer: Awaited<ReturnType<typeof startPeer>>;
const created: string[] = [];

function writeJob(chain: { name: string } & Record<string, unknown>) {
  fs.writeFileSync(path.join(h.config.jobsDir, `${chain.name}.json`), JSON.stringify(chain, null, 2));
}

function removeJob(name: string) {
  fs.rmSync(path.join(h.config.jobsDir, `${name}.json`));
}

async function sync(dryRun = false) {
  const changes = await syncSchedules(h.client, h.config, loadJobs(h.config), { dryRun });
  for (const c of changes) if (c.change === 'created') created.push(c.scheduleId);
  return changes.map((c) => `${c.scheduleId}: ${c.change}`).sort();
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  process.env.RIPOSTE_TEST_SEARCH_DB_PASSWORD = 'trust-auth-ignores-s3cr3t';
  process.env.RIPOSTE_TEST_SEARCH_TOKEN = 'search-api-s3cr3t-token-123';
  recordTestSecret('search database password', process.env.RIPOSTE_TEST_SEARCH_DB_PASSWORD);
  recordTestSecret('search API token', process.env.RIPOSTE_TEST_SEARCH_TOKEN);
  db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  await db.query(`CREATE TABLE ${table} (src_ip TEXT NOT NULL, user_name TEXT NOT NULL, seen_at TIMESTAMPTZ NOT NULL)`);
  await db.query(
    `INSERT INTO ${table} VALUES ('192.0.2.10', 'root', now() - interval '2 minutes'), ('192.0.2.11', 'admin', now() - interval '5 minutes'), ('192.0.2.99', 'old', now() - interval '3 hours')`,
  );
  peer = await startPeer((req) => (req.url.startsWith('/api/rows') ? { status: 200, body: { rows: [{ host: 'web-1' }, { host: 'web-2' }] } } : { status: 503, body: 'down' }));
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
    config.connections.siemdb = { type: 'database', driver: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', users: { reader: { user: 'postgres', password: 'env:RIPOSTE_TEST_SEARCH_DB_PASSWORD' } } };
    config.connections.siemapi = { type: 'http', url: `http://127.0.0.1:${peer.port}/api`, auth: { type: 'bearer', token: 'env:RIPOSTE_TEST_SEARCH_TOKEN' } };
  });
  h.config.temporal.taskQueue = h.taskQueue;
  fs.mkdirSync(h.config.jobsDir, { recursive: true });
});

afterAll(async () => {
  for (const id of created) await h.client.schedule.getHandle(id).delete().catch(() => undefined);
  await db?.query(`DROP TABLE IF EXISTS ${table}`);
  await db?.end();
  await h?.close();
  await peer?.close();
});

const loginSearch = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  timeframe: '15m',
  search: { connection: 'siemdb', sql: `SELECT src_ip, user_name FROM ${table} WHERE seen_at >= :from::timestamptz AND seen_at < :to::timestamptz ORDER BY src_ip` },
  steps: [
    {
      id: 'incident',
      action: 'incident.create',
      mode: 'each',
      with: { title: 'Login of {{result.user_name}} from {{result.src_ip}} ({{trigger.type}})', drilldown: { type: 'search', text: 'src_ip={{result.src_ip}}' } },
    },
  ],
  ...extra,
});

describe('scheduled search jobs', () => {
  it('fires a schedule every 2s that searches PostgreSQL over the job window and opens one incident per row found', async () => {
    const job = `logins-${suffix}`;
    writeJob(loginSearch(job, { schedule: { every: '2s', overlap: 'skip' } }));
    expect(await sync()).toEqual([`${scheduleId(job)}: created`]);

    const incidents = await until('the scheduled run', async () => {
      const found = await h.store.listIncidents({ job });
      return found.length >= 2 ? found : undefined;
    });
    // The first run's incidents: only the rows of the last 15 minutes, not the 3-hour-old one.
    const firstRun = incidents.filter((i) => i.run_id === incidents[incidents.length - 1].run_id);
    expect(firstRun.map((i) => i.title).sort()).toEqual(['Login of admin from 192.0.2.11 (schedule)', 'Login of root from 192.0.2.10 (schedule)']);
    expect(firstRun[0].run_id).toMatch(new RegExp(`^${job}-scheduled-`));
    const drilldown = firstRun[0].drilldown as { from: string; to: string };
    expect(Date.parse(drilldown.to) - Date.parse(drilldown.from)).toBe(15 * 60_000);

    removeJob(job);
    expect(await sync()).toEqual([`${scheduleId(job)}: deleted`]);
    await expect(h.client.schedule.getHandle(scheduleId(job)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('syncs changes: updates a changed job, pauses an inactive one, deletes a removed one, and leaves foreign schedules alone', async () => {
    const [a, b, c] = ['hourly', 'nightly', 'dormant'].map((n) => `${n}-${suffix}`);
    writeJob(loginSearch(a, { schedule: { every: '1h' } }));
    writeJob(loginSearch(b, { schedule: { cron: '0 2 * * *', timezone: 'Europe/Paris', overlap: 'buffer_one' } }));
    writeJob(loginSearch(c, { active: false, schedule: { every: '1h' } }));
    const foreign = `riposte/foreign-${suffix}`;
    await h.client.schedule.create({
      scheduleId: foreign,
      spec: { cronExpressions: ['0 0 1 1 *'] },
      action: { type: 'startWorkflow', workflowType: 'runChain', taskQueue: 'nobody', args: [] },
      state: { paused: true },
    });
    created.push(foreign);

    expect(await sync()).toEqual([`${scheduleId(c)}: created`, `${scheduleId(a)}: created`, `${scheduleId(b)}: created`].sort());
    const nightly = await h.client.schedule.getHandle(scheduleId(b)).describe();
    expect(nightly.spec.timezone).toBe('Europe/Paris');
    expect(nightly.policies.overlap).toBe('BUFFER_ONE');
    expect((await h.client.schedule.getHandle(scheduleId(c)).describe()).state.paused).toBe(true);

    writeJob(loginSearch(a, { schedule: { every: '2h' } }));
    removeJob(b);
    writeJob(loginSearch(c, { active: true, schedule: { every: '1h' } }));
    const planned = await syncSchedules(h.client, h.config, loadJobs(h.config), { dryRun: true });
    expect(formatChanges(planned, true).sort()).toEqual(
      [
        `${scheduleId(a)}: would be updated (every 2h, overlap skip)`,
        `${scheduleId(b)}: would be deleted (no job of this name in the jobs directory)`,
        `${scheduleId(c)}: would be resumed (every 1h, overlap skip)`,
      ].sort(),
    );
    expect((await h.client.schedule.getHandle(scheduleId(a)).describe()).spec.intervals?.[0].every).toBe(3_600_000);

    expect(await sync()).toEqual([`${scheduleId(c)}: resumed`, `${scheduleId(a)}: updated`, `${scheduleId(b)}: deleted`].sort());
    expect((await h.client.schedule.getHandle(scheduleId(a)).describe()).spec.intervals?.[0].every).toBe(7_200_000);
    expect((await h.client.schedule.getHandle(scheduleId(c)).describe()).state.paused).toBe(false);
    await expect(h.client.schedule.getHandle(scheduleId(b)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await h.client.schedule.getHandle(foreign).describe()).scheduleId).toBe(foreign);
    expect(await sync()).toEqual([`${scheduleId(c)}: unchanged`, `${scheduleId(a)}: unchanged`].sort());

    removeJob(a);
    removeJob(c);
    expect(await sync()).toEqual([`${scheduleId(c)}: deleted`, `${scheduleId(a)}: deleted`].sort());
  });

  it('refuses a schedule with an unknown time zone at validation, names the field, and schedules nothing', async () => {
    const job = `badzone-${suffix}`;
    writeJob(loginSearch(job, { schedule: { cron: '0 * * * *', timezone: 'Mars/Olympus' } }));
    const catalog = loadJobs(h.config);
    const changes = await syncSchedules(h.client, h.config, catalog);
    removeJob(job);
    expect(changes.filter((c) => c.scheduleId === scheduleId(job))).toEqual([]);
    expect(catalog.invalid.find((i) => i.file.includes(job))?.problems).toEqual([{ path: 'schedule.timezone', message: 'unknown time zone "Mars/Olympus"; write an IANA name such as "Europe/Paris" or "UTC"' }]);
  });

  it('does not run the chain when the search finds nothing, unless the job says runOnEmpty', async () => {
    const empty = { connection: 'siemdb', sql: `SELECT src_ip FROM ${table} WHERE src_ip = 'nobody' AND seen_at < :to::timestamptz` };
    const steps = [{ id: 'incident', action: 'incident.create', with: { title: '{{results.length}} logins' } }];
    const skipped = await h.run({ name: `empty-${suffix}`, timeframe: '1h', search: empty, steps });
    expect(skipped).toEqual({ runId: expect.any(String), status: 'completed', noResults: true, steps: {} });
    const ran = await h.run({ name: `empty-anyway-${suffix}`, timeframe: '1h', search: { ...empty, runOnEmpty: true }, steps });
    expect(ran.steps.incident).toMatchObject({ status: 'completed', output: { created: true } });
    expect((await h.store.listIncidents({ job: `empty-anyway-${suffix}` })).map((i) => i.title)).toEqual(['0 logins']);
  });

  it('takes the results of an HTTP search from a JSON API, sending the window as from/to and the connection token', async () => {
    peer.received.length = 0;
    const report = await h.run({ name: `api-search-${suffix}`, timeframe: '30m', search: { connection: 'siemapi', url: 'rows?index=auth' }, steps: [{ id: 'log', action: 'events.log' }] });
    expect(report.steps.log).toMatchObject({ status: 'completed', output: { lines: 2 } });
    const request = peer.received[0];
    const url = new URL(request.url, peer.url);
    expect(url.pathname).toBe('/api/rows');
    expect(url.searchParams.get('index')).toBe('auth');
    expect(Date.parse(url.searchParams.get('to')!) - Date.parse(url.searchParams.get('from')!)).toBe(30 * 60_000);
    expect(request.headers.authorization).toBe('Bearer search-api-s3cr3t-token-123');
  });

  it('fails the run with the search, the database answer and no retry when the SQL is wrong', async () => {
    const report = await h.run({ name: `broken-${suffix}`, search: { connection: 'siemdb', sql: 'SELECT * FROM no_such_table_here' }, steps: [{ id: 'log', action: 'events.log' }] });
    expect(report.status).toBe('failed');
    expect(report.error).toBe(`search of job "broken-${suffix}": PostgreSQL answered 42P01: relation "no_such_table_here" does not exist`);
    expect(report.error).not.toContain('postgres://');
  });

  it('keeps a search result set too large for a payload in the store and runs the chain over all of it', async () => {
    const sql = "SELECT g AS n, repeat('x', 700) AS pad FROM generate_series(1, 1000) AS g ORDER BY g";
    const report = await h.run({ name: `large-${suffix}`, search: { connection: 'siemdb', sql }, steps: [{ id: 'log', action: 'events.log' }] });
    expect(report.steps.log).toMatchObject({ status: 'completed', output: { lines: 1000 } });
    const kept = await h.store.loadResultSet(`${report.runId}/search`, 998, 10);
    expect(kept.map((r) => r.n)).toEqual([999, 1000]);
  });

  it('refuses at validation a search on an unknown connection or one of the wrong type', () => {
    const context = { connections: connectionTypes(h.config) };
    const chain = (search: object) => ({ name: 'v', search, steps: [{ id: 'log', action: 'events.log' }] });
    expect(validateChain(chain({ connection: 'nowhere', sql: 'SELECT 1' }), context).problems).toEqual([
      { path: 'search.connection', message: 'unknown connection "nowhere"; configured: siemdb, siemapi' },
    ]);
    expect(validateChain(chain({ connection: 'siemapi', sql: 'SELECT 1' }), context).problems).toEqual([
      { path: 'search.connection', message: 'connection "siemapi" is of type http; a search with "sql" needs one of type database' },
    ]);
    expect(validateChain(chain({ connection: 'siemdb', sql: 'SELECT 1', url: '/x' }), context).problems).toEqual([{ path: 'search', message: 'give exactly one of "sql" or "url"' }]);
  });

  it('prints what riposte schedules sync --dry-run would change and changes nothing', async () => {
    const job = `cli-dry-${suffix}`;
    writeJob(loginSearch(job, { schedule: { cron: '*/5 * * * *', timezone: 'UTC' } }));
    try {
      const cli = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
      const config = path.join(h.dataDir, 'cli.config.json');
      fs.writeFileSync(config, JSON.stringify({ connections: { siemdb: { type: 'database', driver: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', users: { reader: { user: 'postgres', password: 'env:RIPOSTE_TEST_SEARCH_DB_PASSWORD' } } } } }));
      const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), RIPOSTE_CONFIG: config, RIPOSTE_JOBS_DIR: h.config.jobsDir, RIPOSTE_TASK_QUEUE: h.taskQueue };
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'schedules', 'sync', '--dry-run'], { env, cwd: h.dataDir });
      expect(stdout).toBe(`${scheduleId(job)}: would be created (cron */5 * * * * UTC, overlap skip)\n`);
      await expect(h.client.schedule.getHandle(scheduleId(job)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    } finally {
      removeJob(job);
    }
  });

  it('binds :from and :to as positional parameters outside quotes and casts, and only those the query uses', () => {
    expect(bindWindow("SELECT ':from' AS s, x::text FROM t WHERE a >= :from AND b < :to::timestamptz")).toEqual({ text: "SELECT ':from' AS s, x::text FROM t WHERE a >= $1 AND b < $2::timestamptz", bounds: ['from', 'to'] });
    expect(bindWindow('SELECT 1 WHERE b < :to AND c < :to')).toEqual({ text: 'SELECT 1 WHERE b < $1 AND c < $1', bounds: ['to'] });
    expect(bindWindow('SELECT 1 WHERE a >= $1')).toEqual({ text: 'SELECT 1 WHERE a >= $1', bounds: ['from'] });
  });
});
