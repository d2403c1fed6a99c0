// `npm run bench`: riposte against a hand-written Temporal workflow and direct calls, fan-out and memory, in one table.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { Store } from '../store/store';
import { assertValidChain, type ActionRequest, type ResultRow } from '../dsl';
import { loadConfig } from '../config/config';
import { workflowBundlerOptions } from '../worker/bundle';
import { startRun } from '../control/client';
import { findTemporal, startDevServer } from '../worker/temporal-server';
import { createWorker, quietRuntime } from '../worker/worker';

const RUNS = Number(process.env.BENCH_RUNS ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 10_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 1_000);
const SERIAL_RUNS = Number(process.env.BENCH_SERIAL_RUNS ?? 100);
const BULK_ROWS = Number(process.env.BENCH_BULK_ROWS ?? 25_000);
/** Comma-separated parts to run: engines, fanout, bulk, memory (default: all). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'engines,fanout,bulk,memory').split(','));

const row: ResultRow = { src_ip: '203.0.113.7', user: 'root', host: 'bastion-1' };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface Sample {
  first: number;
  /** Start → the HTTP peer receives the webhook (the chain's third step). */
  hook: number;
  total: number;
}
interface Batch {
  samples: Sample[];
  wallMs: number;
}

async function batch(n: number, concurrency: number, one: (i: number) => Promise<Sample>): Promise<Batch> {
  const samples: Sample[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) samples.push(await one(next++));
    }),
  );
  return { samples, wallMs: performance.now() - start };
}

function stats(b: Batch) {
  return {
    rps: (b.samples.length / b.wallMs) * 1000,
    firstP50: percentile(b.samples.map((s) => s.first), 50),
    firstP99: percentile(b.samples.map((s) => s.first), 99),
    doneP50: percentile(b.samples.map((s) => s.total), 50),
    doneP99: percentile(b.samples.map((s) => s.total), 99),
    hookP50: percentile(b.samples.map((s) => s.hook), 50),
    hookP99: percentile(b.samples.map((s) => s.hook), 99),
  };
}

/** When the HTTP peer received each run's webhook, by run id (from the Idempotency-Key header). */
const hookArrivals = new Map<string, number>();

async function startPeer(delayMs = 0) {
  let received = 0;
  const server = http.createServer((req, res) => {
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string') hookArrivals.set(key.split('/hook')[0], performance.now());
    req.resume();
    req.on('end', () => {
      received++;
      const send = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (delayMs) setTimeout(send, delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, received: () => received, close: () => new Promise((r) => server.close(r)) };
}

function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function main() {
  quietRuntime();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-bench-'));
  const storeUrl = `sqlite:${path.join(dataDir, 'store.db')}`;
  // The peer is on 127.0.0.1: the network policy allows exactly that address.
  const config = loadConfig({ RIPOSTE_DATA_DIR: dataDir, RIPOSTE_STORE_URL: storeUrl, RIPOSTE_NETWORK_ALLOW: '127.0.0.1' }, dataDir);
  log('bench: starting the Temporal dev server (in memory, headless, --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=OFF)');
  const server = await startDevServer({ uiPort: null, log });
  const store = await Store.open(storeUrl);
  const peer = await startPeer();

  const firstCall = new Map<string, number>();
  const activities = createActivities({ config, store });
  const createIncident = activities['incident.create'];
  const timed = {
    ...activities,
    'incident.create': (req: ActionRequest<'incident.create'>) => {
      if (!firstCall.has(req.run.id)) firstCall.set(req.run.id, performance.now());
      return createIncident(req);
    },
  };
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const taskQueue = 'bench';
  const benchWorkflows = path.join(__dirname, 'bench', fs.existsSync(path.join(__dirname, 'bench', 'workflows.ts')) ? 'workflows.ts' : 'workflows.js');
  const worker = await createWorker({ config, connection: nativeConnection, store, taskQueue, overrides: { workflowBundle: undefined, workflowsPath: benchWorkflows, bundlerOptions: workflowBundlerOptions(), activities: timed } });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });

  const chain = assertValidChain({
    name: 'bench',
    steps: [
      { id: 'incident', action: 'incident.create', with: { title: 'Brute force from {{result.src_ip}}', severity: 'high' } },
      { id: 'tag', action: 'mitre.tag', with: { techniques: ['T1110.001'], severity: 'high' } },
      { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: '/alert', body: { incident: '{{steps.incident.incident_id}}' } } },
    ],
  });

  const riposteRun = async (): Promise<Sample> => {
    const t0 = performance.now();
    const handle = await startRun(client, { chain, results: [row], taskQueue });
    await handle.result();
    return { first: firstCall.get(handle.workflowId)! - t0, hook: hookArrivals.get(handle.workflowId)! - t0, total: performance.now() - t0 };
  };
  let baselineSeq = 0;
  const baselineRun = async (): Promise<Sample> => {
    const t0 = performance.now();
    const workflowId = `baseline-${process.pid}-${baselineSeq++}`;
    const handle = await client.workflow.start('baseline', { taskQueue, workflowId, args: [{ port: peer.port, result: row }] });
    await handle.result();
    return { first: firstCall.get(workflowId)! - t0, hook: hookArrivals.get(workflowId)! - t0, total: performance.now() - t0 };
  };
  let directSeq = 0;
  const directRun = async (): Promise<Sample> => {
    const t0 = performance.now();
    const id = `direct-${directSeq++}`;
    const common = { index: null, job: { name: 'bench-direct' }, run: { id, startedAt: new Date().toISOString() } };
    const first = performance.now() - t0;
    const incident = await activities['incident.create']({ ...common, action: 'incident.create', stepId: 'incident', idempotencyKey: `${id}/incident`, result: row, params: { title: 'Brute force from 203.0.113.7', severity: 'high' } });
    await activities['mitre.tag']({ ...common, action: 'mitre.tag', stepId: 'tag', idempotencyKey: `${id}/tag`, result: row, incidentId: incident.incident_id, params: { techniques: ['T1110.001'], severity: 'high' } });
    await activities['webhook.send']({ ...common, action: 'webhook.send', stepId: 'hook', idempotencyKey: `${id}/hook`, params: { protocol: 'http', host: '127.0.0.1', port: peer.port, method: 'POST', path: '/alert', body: { incident: incident.incident_id } } });
    return { first, hook: hookArrivals.get(id)! - t0, total: performance.now() - t0 };
  };

  const empty = { rps: NaN, firstP50: NaN, firstP99: NaN, doneP50: NaN, doneP99: NaN, hookP50: NaN, hookP99: NaN };
  let a = empty;
  let b = empty;
  let c = empty;
  let aSerial = empty;
  let bSerial = empty;
  if (ONLY.has('engines')) {
    log(`bench: warming up`);
    await batch(40, 8, riposteRun);
    await batch(40, 8, baselineRun);
    await batch(40, 8, directRun);
    // Interleave the two Temporal measurements so neither gets a warmer server.
    log(`bench: ${RUNS} runs each at ${CONCURRENCY} in flight`);
    const half = Math.floor(RUNS / 2);
    const a1 = await batch(half, CONCURRENCY, riposteRun);
    const b1 = await batch(half, CONCURRENCY, baselineRun);
    const a2 = await batch(RUNS - half, CONCURRENCY, riposteRun);
    const b2 = await batch(RUNS - half, CONCURRENCY, baselineRun);
    a = stats({ samples: [...a1.samples, ...a2.samples], wallMs: a1.wallMs + a2.wallMs });
    b = stats({ samples: [...b1.samples, ...b2.samples], wallMs: b1.wallMs + b2.wallMs });
    c = stats(await batch(RUNS, CONCURRENCY, directRun));
    // Unloaded latency: one run at a time, so the figures show what each engine adds, not queueing.
    log(`bench: ${SERIAL_RUNS} runs each, one at a time`);
    aSerial = stats(await batch(SERIAL_RUNS, 1, riposteRun));
    bSerial = stats(await batch(SERIAL_RUNS, 1, baselineRun));
  }

  let fanWall = NaN;
  let executions = 0;
  let largestHistory = 0;
  if (ONLY.has('fanout')) {
    log(`bench: one run fanning out over ${FANOUT} results`);
    const fanChain = assertValidChain({
      name: 'bench-fanout',
      steps: [
        { id: 'incident', action: 'incident.create', with: { title: '{{results.length}} hosts hit' } },
        { id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1078'] } },
        { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, body: { hits: '{{json results.length}}' } } },
      ],
    });
    const fanRows = Array.from({ length: FANOUT }, (_, i) => ({ host: `h-${i}`, src_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
    const f0 = performance.now();
    const fanHandle = await startRun(client, { chain: fanChain, results: fanRows, taskQueue, store });
    await fanHandle.result();
    fanWall = performance.now() - f0;
    for await (const wf of client.workflow.list({ query: `WorkflowId = "${fanHandle.workflowId}" OR WorkflowId STARTS_WITH "${fanHandle.workflowId}/"` })) {
      executions++;
      largestHistory = Math.max(largestHistory, wf.historyLength);
    }
  }

  let bulkWall = NaN;
  let bulkMb = NaN;
  if (ONLY.has('bulk')) {
    const pad = 'y'.repeat(2_000);
    const bulkRows = Array.from({ length: BULK_ROWS }, (_, i) => ({ host: `bulk-${i}`, src_ip: `10.1.${(i >> 8) & 255}.${i & 255}`, pad }));
    bulkMb = JSON.stringify(bulkRows).length / 1_000_000;
    log(`bench: one run over a ${bulkMb.toFixed(0)} MB result set`);
    const bulkChain = assertValidChain({
      name: 'bench-bulk',
      steps: [
        { id: 'incident', action: 'incident.create', with: { title: '{{results.length}} hosts' } },
        { id: 'log', action: 'events.log' },
      ],
    });
    const t0 = performance.now();
    await (await startRun(client, { chain: bulkChain, results: bulkRows, taskQueue, store })).result();
    bulkWall = performance.now() - t0;
  }

  let rss = NaN;
  let idleRss = NaN;
  const slowPeer = await startPeer(2_000);
  if (ONLY.has('memory')) {
    log(`bench: ${IN_FLIGHT} runs in flight on a separate worker process`);
    const rssQueue = 'bench-rss';
    const cli = path.join(__dirname, '..', 'cli', 'main.js');
    const child = spawn(process.execPath, [cli, 'worker', '--task-queue', rssQueue], {
      env: { ...process.env, TEMPORAL_ADDRESS: server.address, RIPOSTE_STORE_URL: storeUrl, RIPOSTE_DATA_DIR: dataDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => d.toString().includes('Worker polling') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
    });
    idleRss = peakRss(child.pid!);
    // Start the peak from here: what counts is the worker under load, not its start-up.
    fs.writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    const slowChain = assertValidChain({ ...chain, name: 'bench-rss', steps: chain.steps.map((s) => (s.id === 'hook' ? { ...s, with: { ...s.with, port: slowPeer.port } } : s)) });
    const handles = await Promise.all(Array.from({ length: IN_FLIGHT }, () => startRun(client, { chain: slowChain, results: [row], taskQueue: rssQueue })));
    await Promise.all(handles.map((hd) => hd.result()));
    rss = peakRss(child.pid!);
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
  }

  const version = execFileSync(findTemporal(), ['--version']).toString().trim();
  const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const lines = [
    `| measure | riposte (a) | hand-written workflow (b) | direct calls (c) | a/b | a/c |`,
    `|---|---|---|---|---|---|`,
    `| runs per second (${CONCURRENCY} in flight) | ${fmt(a.rps)} | ${fmt(b.rps)} | ${fmt(c.rps)} | ${fmt(b.rps / a.rps, 2)} | ${fmt(c.rps / a.rps, 2)} |`,
    `| start → first action call, p50 (ms) | ${fmt(a.firstP50)} | ${fmt(b.firstP50)} | ${fmt(c.firstP50, 2)} | ${fmt(a.firstP50 / b.firstP50, 2)} | |`,
    `| start → first action call, p99 (ms) | ${fmt(a.firstP99)} | ${fmt(b.firstP99)} | ${fmt(c.firstP99, 2)} | ${fmt(a.firstP99 / b.firstP99, 2)} | |`,
    `| start → HTTP peer receives the webhook (3rd step), p50 (ms) | ${fmt(a.hookP50)} | ${fmt(b.hookP50)} | ${fmt(c.hookP50)} | ${fmt(a.hookP50 / b.hookP50, 2)} | |`,
    `| start → HTTP peer receives the webhook (3rd step), p99 (ms) | ${fmt(a.hookP99)} | ${fmt(b.hookP99)} | ${fmt(c.hookP99)} | ${fmt(a.hookP99 / b.hookP99, 2)} | |`,
    `| start → completion, p50 (ms) | ${fmt(a.doneP50)} | ${fmt(b.doneP50)} | ${fmt(c.doneP50)} | ${fmt(a.doneP50 / b.doneP50, 2)} | ${fmt(a.doneP50 / c.doneP50, 2)} |`,
    `| start → completion, p99 (ms) | ${fmt(a.doneP99)} | ${fmt(b.doneP99)} | ${fmt(c.doneP99)} | ${fmt(a.doneP99 / b.doneP99, 2)} | ${fmt(a.doneP99 / c.doneP99, 2)} |`,
    `| start → first action call, p50, 1 in flight (ms) | ${fmt(aSerial.firstP50)} | ${fmt(bSerial.firstP50)} | | ${fmt(aSerial.firstP50 / bSerial.firstP50, 2)} | |`,
    `| start → first action call, p99, 1 in flight (ms) | ${fmt(aSerial.firstP99)} | ${fmt(bSerial.firstP99)} | | ${fmt(aSerial.firstP99 / bSerial.firstP99, 2)} | |`,
    `| start → HTTP peer receives the webhook, p50, 1 in flight (ms) | ${fmt(aSerial.hookP50)} | ${fmt(bSerial.hookP50)} | | ${fmt(aSerial.hookP50 / bSerial.hookP50, 2)} | |`,
    `| start → completion, p50, 1 in flight (ms) | ${fmt(aSerial.doneP50)} | ${fmt(bSerial.doneP50)} | | ${fmt(aSerial.doneP50 / bSerial.doneP50, 2)} | |`,
    '',
    `| other measure | value |`,
    `|---|---|`,
    `| one run, \`each\` over ${FANOUT} results: wall time | ${fmt(fanWall / 1000, 1)} s |`,
    `| same run: executions (run + children), largest history | ${executions}, ${largestHistory} events |`,
    `| one run over a ${fmt(bulkMb, 0)} MB result set (${BULK_ROWS} rows, by reference): wall time | ${fmt(bulkWall / 1000, 1)} s |`,
    `| worker process peak RSS (VmHWM), ${IN_FLIGHT} runs in flight | ${fmt(rss, 0)} MB (idle ${fmt(idleRss, 0)} MB) |`,
  ];
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${version}`;
  console.log(`riposte benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${machine}`);
  console.log(`server: temporal server start-dev --headless (in-memory) --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=OFF`);
  console.log(`store: SQLite file; ${RUNS} runs per engine, ${CONCURRENCY} in flight; a/b and a/c are ratios where lower is better for riposte (runs/s: b/a)`);
  console.log(`command: npm run bench   (BENCH_RUNS, BENCH_CONCURRENCY, BENCH_SERIAL_RUNS, BENCH_FANOUT, BENCH_BULK_ROWS, BENCH_IN_FLIGHT to change sizes; BENCH_ONLY=engines,fanout,bulk,memory to run parts)\n`);
  console.log(lines.join('\n'));

  worker.shutdown();
  await running;
  await nativeConnection.close();
  await connection.close();
  await peer.close();
  await slowPeer.close();
  await store.close();
  await server.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
