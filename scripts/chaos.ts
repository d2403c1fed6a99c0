// `npm run chaos`: kill -9 a worker at random, restart the Temporal server, flap the peer; nothing may be lost or doubled.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { Store } from '../store/store';
import { assertValidChain } from '../dsl';
import { readRun, startRun } from '../control/client';
import { freePort, startDevServer, type DevServer } from '../worker/temporal-server';
import { startSmtpPeer } from './smtp-peer';
import { clusterOptions, clusterPid, startCluster, stopCluster } from './cluster';

/** How hard to shake. */
export interface ChaosOptions {
  runs: number;
  /** How many times the worker is killed with SIGKILL. */
  kills: number;
  /** Restart the Temporal server once, mid-way. */
  restartServer: boolean;
  /** Share of peer answers that are 503. */
  failureRate: number;
  /** The dev server riposte starts (state on disk), or the full Temporal server of `npm run cluster` on PostgreSQL. */
  server?: 'dev' | 'cluster';
  /** Worker processes on the one task queue (default 1); each kill hits one of them at random. */
  workers?: number;
  /** riposte's store: a SQLite file, or a fresh schema of the local PostgreSQL `test` database (default: PostgreSQL with several workers or the cluster). */
  store?: 'sqlite' | 'postgres';
  /** Worker 1 starts the runs on its own connection (eager workflow start, as `riposte dev` does) and is killed like the others. */
  eager?: boolean;
  log?: (line: string) => void;
}

/** What the chaos run found. */
export interface ChaosReport {
  runs: number;
  completed: number;
  notCompleted: string[];
  incidentsPerRun: { missing: string[]; doubled: string[] };
  deliveries: { landed: number; attempts: number; refused503: number; duplicatesSuppressed: number; missing: string[] };
  /**
   * `duplicated`: subjects received more than once under different Message-IDs (a second step or
   * run: a failure). `redelivered`: subjects received more than once under one Message-ID: the same
   * execution sent again after a worker died between the SMTP server's acceptance and riposte's
   * record of it, the window RFC 1047 describes, which no SMTP client can close; e-mail is delivered
   * at least once and a receiver can drop the copy by its Message-ID (docs/actions/email.send.md).
   */
  emails: { received: number; missing: string[]; duplicated: string[]; redelivered: string[] };
  kills: number;
  serverRestarts: number;
  server: 'dev' | 'cluster';
  workers: number;
  store: 'sqlite' | 'postgres';
  /** Runs whose first workflow task the server handed straight to the starting worker. */
  eagerStarts: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the chaos scenario on its own dev server (state on disk), store and peer. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-chaos-'));
  const serverKind = options.server ?? 'dev';
  const workerCount = options.workers ?? 1;
  const storeKind = options.store ?? (workerCount > 1 || serverKind === 'cluster' ? 'postgres' : 'sqlite');
  const tag = crypto.randomBytes(4).toString('hex');
  const pgSchema = `riposte_chaos_${tag}`;
  const storeUrl = storeKind === 'postgres' ? `postgres://postgres@127.0.0.1:5432/test?schema=${pgSchema}` : `sqlite:${path.join(dir, 'store.db')}`;
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.db');
  // The cluster keeps its state in PostgreSQL across restarts, as the dev server does in its file.
  const cluster = clusterOptions(process.env, log);
  const clusterWasRunning = serverKind === 'cluster' && clusterPid(cluster) !== undefined;
  const startServer = async (): Promise<Pick<DevServer, 'address' | 'stop'>> =>
    serverKind === 'cluster' ? { address: (await startCluster(cluster)).address, stop: () => stopCluster(cluster) } : startDevServer({ dbFile, port, uiPort: null, log });
  let server = await startServer();

  // A peer that refuses half the time and, like a real receiver, keeps the first delivery per Idempotency-Key.
  const landed = new Map<string, number>();
  let attempts = 0;
  let refused = 0;
  const peer = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      attempts++;
      if (Math.random() < options.failureRate) {
        refused++;
        res.writeHead(503).end('flapping');
        return;
      }
      const key = String(req.headers['idempotency-key']);
      landed.set(key, (landed.get(key) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
  const peerPort = (peer.address() as { port: number }).port;

  const smtp = await startSmtpPeer();
  // Both peers are on 127.0.0.1: the network policy allows exactly that address.
  const config = { connections: { 'chaos-smtp': { type: 'smtp', host: '127.0.0.1', port: smtp.port, starttls: 'never', from: 'riposte@example.org' } }, network: { allow: ['127.0.0.1'] } };
  fs.writeFileSync(path.join(dir, 'riposte.config.json'), JSON.stringify(config));
  // A queue of its own: workers left over by an earlier invocation (on a cluster that keeps its state) never take these runs.
  const taskQueue = `chaos-${tag}`;
  const built = path.join(__dirname, '..', 'cli', 'main.js');
  const cli = fs.existsSync(built) ? built : path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  const chain = assertValidChain({
    name: 'chaos',
    steps: [
      { id: 'incident', action: 'incident.create', with: { title: 'chaos {{result.n}}', severity: 'high' } },
      { id: 'tag', action: 'mitre.tag', with: { techniques: ['T1110'] } },
      { id: 'mail', action: 'email.send', connection: 'chaos-smtp', retry: { maxAttempts: 100, initialInterval: '200ms', maxInterval: '2s' }, with: { to: ['soc@example.org'], subject: 'chaos {{result.n}}', body: 'incident {{steps.incident.incident_id}}' } },
      { id: 'hook', action: 'webhook.send', retry: { maxAttempts: 100, initialInterval: '200ms', backoff: 1.5, maxInterval: '2s' }, with: { protocol: 'http', host: '127.0.0.1', port: peerPort, body: { incident: '{{steps.incident.incident_id}}' } } },
    ],
  });
  const workers: (ChildProcess | undefined)[] = [];
  // The end of the starting worker's stderr, for the error when it exits before every run started.
  let starterStderr = '';
  const starter = path.join(__dirname, fs.existsSync(path.join(__dirname, 'chaos-worker.ts')) ? 'chaos-worker.ts' : 'chaos-worker.js');
  const startWorker = (i: number) => {
    const env = { ...process.env, TEMPORAL_ADDRESS: server.address, RIPOSTE_STORE_URL: storeUrl, RIPOSTE_DATA_DIR: dir, RIPOSTE_CONFIG: path.join(dir, 'riposte.config.json') };
    // With eager starts, worker 1 also starts the runs, on its own connection: their first workflow task goes straight to it.
    workers[i] = options.eager && i === 0 ? fork(starter, [taskQueue, JSON.stringify(chain)], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }) : spawn(process.execPath, [cli, 'worker', '--task-queue', taskQueue], { env, stdio: 'ignore' });
    workers[i]!.stderr?.on('data', (chunk: Buffer) => (starterStderr = (starterStderr + chunk.toString()).slice(-2_000)));
  };
  for (let i = 0; i < workerCount; i++) startWorker(i);
  // Workers die with this process, however it ends.
  const killWorkers = () => workers.forEach((w) => w?.kill('SIGKILL'));
  process.once('exit', killWorkers);

  const connect = async () => new Client({ connection: await Connection.connect({ address: server.address }) });
  let client = await connect();
  const ids: string[] = [];
  let eagerStarts = 0;
  if (options.eager) {
    const first = workers[0]!;
    await new Promise<void>((resolve, reject) => {
      let answered = 0;
      first.on('message', (m: { ready?: boolean; started?: string; eagerly?: boolean; failed?: string; error?: string }) => {
        if (m.ready) for (let n = 0; n < options.runs; n++) first.send({ start: { workflowId: `chaos-${tag}-${n}`, n } });
        if (m.failed) reject(new Error(`starting ${m.failed} failed: ${m.error}`));
        if (m.started) {
          ids.push(m.started);
          if (m.eagerly) eagerStarts++;
          if (++answered === options.runs) resolve();
        }
      });
      first.once('exit', (code) => reject(new Error(`the starting worker exited (${code}) before every run started; its stderr ended with:\n${starterStderr.trim() || '(nothing)'}`)));
    });
    first.removeAllListeners('exit');
    ids.sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop()));
  } else {
    for (let n = 0; n < options.runs; n++) {
      const handle = await startRun(client, { chain, results: [{ n }], taskQueue, workflowId: `chaos-${tag}-${n}` });
      ids.push(handle.workflowId);
    }
  }
  log(`chaos: started ${ids.length} runs${options.eager ? ` (${eagerStarts} eagerly on worker 1)` : ''}`);

  let kills = 0;
  let restarts = 0;
  for (let k = 0; k < options.kills; k++) {
    await sleep(300 + Math.random() * 1200);
    const victim = Math.floor(Math.random() * workerCount);
    workers[victim]?.kill('SIGKILL');
    kills++;
    log(`chaos: kill -9 worker ${victim + 1} of ${workerCount} (${kills})`);
    if (options.restartServer && k === Math.floor(options.kills / 2)) {
      log('chaos: restarting the Temporal server');
      await client.connection.close();
      await server.stop();
      server = await startServer();
      client = await connect();
      restarts++;
    }
    await sleep(100 + Math.random() * 400);
    startWorker(victim);
  }

  const notCompleted: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const report = await Promise.race([readRun(client.workflow.getHandle(id), { wait: true }), sleep(240_000).then(() => undefined)]);
      if (report?.status !== 'completed') notCompleted.push(`${id}: ${report?.status ?? 'still running after 240 s'}`);
    }),
  );

  const store = await Store.open(storeUrl);
  const incidents = await store.listIncidents({ limit: 100_000 });
  await store.close();
  const perRun = new Map<string, number>();
  for (const i of incidents) perRun.set(i.run_id, (perRun.get(i.run_id) ?? 0) + 1);
  const keys = ids.map((id) => `${id}/hook/once`);

  const bySubject = new Map<string, number>();
  for (const m of smtp.received) bySubject.set(String(m.parsed.subject), (bySubject.get(String(m.parsed.subject)) ?? 0) + 1);
  const subjects = Array.from({ length: ids.length }, (_, n) => `chaos ${n}`);
  const messageIds = (subject: string) => new Set(smtp.received.filter((m) => String(m.parsed.subject) === subject).map((m) => m.parsed.messageId));

  killWorkers();
  process.removeListener('exit', killWorkers);
  await smtp.close();
  await client.connection.close();
  // The cluster stays up when it was running before (`npm run cluster stop` stops it); the dev server always stops.
  if (serverKind === 'dev' || !clusterWasRunning) await server.stop();
  peer.closeAllConnections();
  peer.close();
  if (storeKind === 'postgres') {
    const db = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await db.end();
  }
  return {
    runs: ids.length,
    completed: ids.length - notCompleted.length,
    notCompleted,
    incidentsPerRun: { missing: ids.filter((id) => !perRun.has(id)), doubled: ids.filter((id) => (perRun.get(id) ?? 0) > 1) },
    deliveries: {
      landed: keys.filter((k) => landed.has(k)).length,
      attempts,
      refused503: refused,
      duplicatesSuppressed: [...landed.values()].reduce((n, c) => n + c - 1, 0),
      missing: keys.filter((k) => !landed.has(k)),
    },
    emails: {
      received: smtp.received.length,
      missing: subjects.filter((s) => !bySubject.has(s)),
      duplicated: subjects.filter((s) => (bySubject.get(s) ?? 0) > 1 && messageIds(s).size > 1),
      redelivered: subjects.filter((s) => (bySubject.get(s) ?? 0) > 1 && messageIds(s).size === 1),
    },
    kills,
    serverRestarts: restarts,
    server: serverKind,
    workers: workerCount,
    store: storeKind,
    eagerStarts,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** True when nothing was lost or doubled (an e-mail sent again with its Message-ID in RFC 1047's window is reported, not a double). */
export function chaosPassed(r: ChaosReport): boolean {
  return r.completed === r.runs && r.incidentsPerRun.missing.length === 0 && r.incidentsPerRun.doubled.length === 0 && r.deliveries.missing.length === 0 && r.emails.missing.length === 0 && r.emails.duplicated.length === 0;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (require.main === module) {
  const runs = Number(process.env.CHAOS_RUNS ?? 100);
  const kills = Number(process.env.CHAOS_KILLS ?? 8);
  const which = flag('--server') ?? 'dev';
  const servers = (which === 'both' ? ['dev', 'cluster'] : [which]) as ('dev' | 'cluster')[];
  const workers = Number(flag('--workers') ?? 1);
  const store = flag('--store') as 'sqlite' | 'postgres' | undefined;
  const eager = process.argv.includes('--eager');
  if (servers.some((s) => s !== 'dev' && s !== 'cluster') || !(workers >= 1) || (store && store !== 'sqlite' && store !== 'postgres')) {
    console.error('usage: npm run chaos -- [--server dev|cluster|both] [--workers N] [--store sqlite|postgres] [--eager]   (CHAOS_RUNS, CHAOS_KILLS)');
    process.exit(2);
  }
  (async () => {
    let ok = true;
    for (const server of servers) {
      const report = await runChaos({ runs, kills, restartServer: true, failureRate: 0.5, server, workers, store, eager, log: (l) => process.stderr.write(`${l}\n`) });
      console.log(JSON.stringify(report, null, 2));
      const passed = chaosPassed(report);
      ok &&= passed;
      const shape = `${report.server === 'cluster' ? 'Temporal server on PostgreSQL' : 'dev server'}, ${report.workers} worker process${report.workers === 1 ? '' : 'es'}, ${report.store} store${eager ? `, ${report.eagerStarts} of ${report.runs} runs started eagerly` : ''}`;
      console.log(passed ? `chaos: PASS (${shape}) — ${report.runs} runs, ${report.kills} kill -9, ${report.serverRestarts} server restart, 0 lost, 0 doubled incidents, every e-mail received (${report.emails.redelivered.length ? `${report.emails.redelivered.length} again with the same Message-ID after a kill in RFC 1047's window` : 'each exactly once'}), every delivery landed` : `chaos: FAIL (${shape})`);
    }
    process.exit(ok ? 0 : 1);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
