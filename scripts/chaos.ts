// `npm run chaos`: kill -9 the worker at random, restart the Temporal server, flap the peer; nothing may be lost or doubled.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Store } from '../store/store';
import { assertValidChain } from '../dsl';
import { readRun, startRun } from '../control/client';
import { freePort, startDevServer, type DevServer } from '../worker/temporal-server';
import { startSmtpPeer } from './smtp-peer';

/** How hard to shake. */
export interface ChaosOptions {
  runs: number;
  /** How many times the worker is killed with SIGKILL. */
  kills: number;
  /** Restart the Temporal server once, mid-way. */
  restartServer: boolean;
  /** Share of peer answers that are 503. */
  failureRate: number;
  log?: (line: string) => void;
}

/** What the chaos run found. */
export interface ChaosReport {
  runs: number;
  completed: number;
  notCompleted: string[];
  incidentsPerRun: { missing: string[]; doubled: string[] };
  deliveries: { landed: number; attempts: number; refused503: number; duplicatesSuppressed: number; missing: string[] };
  emails: { received: number; missing: string[]; duplicated: string[] };
  kills: number;
  serverRestarts: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the chaos scenario on its own dev server (state on disk), store and peer. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-chaos-'));
  const storeUrl = `sqlite:${path.join(dir, 'store.db')}`;
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.db');
  let server: DevServer = await startDevServer({ dbFile, port, uiPort: null, log });

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
  const taskQueue = 'chaos';
  const built = path.join(__dirname, '..', 'cli', 'main.js');
  const cli = fs.existsSync(built) ? built : path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  let worker: ChildProcess | undefined;
  const startWorker = () => {
    worker = spawn(process.execPath, [cli, 'worker', '--task-queue', taskQueue], {
      env: { ...process.env, TEMPORAL_ADDRESS: server.address, RIPOSTE_STORE_URL: storeUrl, RIPOSTE_DATA_DIR: dir, RIPOSTE_CONFIG: path.join(dir, 'riposte.config.json') },
      stdio: 'ignore',
    });
  };
  startWorker();

  const chain = assertValidChain({
    name: 'chaos',
    steps: [
      { id: 'incident', action: 'incident.create', with: { title: 'chaos {{result.n}}', severity: 'high' } },
      { id: 'tag', action: 'mitre.tag', with: { techniques: ['T1110'] } },
      { id: 'mail', action: 'email.send', connection: 'chaos-smtp', retry: { maxAttempts: 100, initialInterval: '200ms', maxInterval: '2s' }, with: { to: ['soc@example.org'], subject: 'chaos {{result.n}}', body: 'incident {{steps.incident.incident_id}}' } },
      { id: 'hook', action: 'webhook.send', retry: { maxAttempts: 100, initialInterval: '200ms', backoff: 1.5, maxInterval: '2s' }, with: { protocol: 'http', host: '127.0.0.1', port: peerPort, body: { incident: '{{steps.incident.incident_id}}' } } },
    ],
  });
  const connect = async () => new Client({ connection: await Connection.connect({ address: server.address }) });
  let client = await connect();
  const ids: string[] = [];
  for (let n = 0; n < options.runs; n++) {
    const handle = await startRun(client, { chain, results: [{ n }], taskQueue, workflowId: `chaos-${n}` });
    ids.push(handle.workflowId);
  }
  log(`chaos: started ${ids.length} runs`);

  let kills = 0;
  let restarts = 0;
  for (let k = 0; k < options.kills; k++) {
    await sleep(300 + Math.random() * 1200);
    worker?.kill('SIGKILL');
    kills++;
    log(`chaos: kill -9 worker (${kills})`);
    if (options.restartServer && k === Math.floor(options.kills / 2)) {
      log('chaos: restarting the Temporal server');
      await client.connection.close();
      await server.stop();
      server = await startDevServer({ dbFile, port, uiPort: null, log });
      client = await connect();
      restarts++;
    }
    await sleep(100 + Math.random() * 400);
    startWorker();
  }

  const notCompleted: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const report = await Promise.race([readRun(client.workflow.getHandle(id), true), sleep(240_000).then(() => undefined)]);
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

  worker?.kill('SIGKILL');
  await smtp.close();
  await client.connection.close();
  await server.stop();
  peer.closeAllConnections();
  peer.close();
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
    emails: { received: smtp.received.length, missing: subjects.filter((s) => !bySubject.has(s)), duplicated: subjects.filter((s) => (bySubject.get(s) ?? 0) > 1) },
    kills,
    serverRestarts: restarts,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** True when nothing was lost or doubled. */
export function chaosPassed(r: ChaosReport): boolean {
  return r.completed === r.runs && r.incidentsPerRun.missing.length === 0 && r.incidentsPerRun.doubled.length === 0 && r.deliveries.missing.length === 0 && r.emails.missing.length === 0 && r.emails.duplicated.length === 0;
}

if (require.main === module) {
  const runs = Number(process.env.CHAOS_RUNS ?? 100);
  runChaos({ runs, kills: Number(process.env.CHAOS_KILLS ?? 8), restartServer: true, failureRate: 0.5, log: (l) => process.stderr.write(`${l}\n`) })
    .then((report) => {
      console.log(JSON.stringify(report, null, 2));
      const ok = chaosPassed(report);
      console.log(ok ? `chaos: PASS — ${report.runs} runs, ${report.kills} kill -9, ${report.serverRestarts} server restart, 0 lost, 0 doubled incidents, every e-mail received exactly once, every delivery landed` : 'chaos: FAIL');
      process.exit(ok ? 0 : 1);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
