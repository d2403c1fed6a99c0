// `npm run bench`: riposte against hand-written Temporal workflows, in interleaved rounds, on the dev server and/or the full server on PostgreSQL.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import { createActivities } from '../activities';
import { Store } from '../store/store';
import { assertValidChain, startSearchAttributes, type ActionRequest, type Chain, type ResultRow } from '../dsl';
import { loadConfig } from '../config/config';
import { PREBUILT_BUNDLE, workflowBundlerOptions } from '../worker/bundle';
import { readRun, startRun } from '../control/client';
import { findTemporal, startDevServer, stopProcess } from '../worker/temporal-server';
import { createWorker, quietRuntime } from '../worker/worker';
import { clusterOptions, clusterPid, startCluster, stopCluster, TEMPORAL_SERVER_VERSION } from './cluster';

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: npm run bench -- [--server dev|cluster|both] [--workers 1|2|1,2] [--rounds N] [--eager on|off] [--local a,b|none] [--visible on|off] [--only engines,fanout,nested,bulk,memory] [--quick]
  --server   the dev server riposte starts (in memory), the full Temporal server of \`npm run cluster\` (PostgreSQL), or both (default dev)
  --workers  worker processes on the task queue: 1 (in this process) or 2 (plus one process of its own); a list runs each (default 1)
  --rounds   interleaved rounds per figure, reported as median (min–max) (default 3)
  --eager    riposte and the second baseline start runs eagerly on this process's worker (default on)
  --local    actions the second baseline runs as local activities (default incident.create,mitre.tag: the store writes)
  --visible  the second baseline also sets riposte's search attributes (at start, and the incident's), counts its metrics and answers a status query (default on)
  --quick    small sizes, one round: a check that everything runs, not a measurement
  sizes: BENCH_RUNS (per side and round, 64 in flight), BENCH_CONCURRENCY, BENCH_SERIAL_RUNS, BENCH_FANOUT, BENCH_IN_FLIGHT, BENCH_BULK_ROWS, BENCH_NESTED`;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const quick = process.argv.includes('--quick');
const size = (env: string, full: number, small: number) => Number(process.env[env] ?? (quick ? small : full));
const RUNS = size('BENCH_RUNS', 200, 40);
const CONCURRENCY = size('BENCH_CONCURRENCY', 64, 64);
const SERIAL_RUNS = size('BENCH_SERIAL_RUNS', 30, 8);
const FANOUT = size('BENCH_FANOUT', 10_000, 1_000);
const IN_FLIGHT = size('BENCH_IN_FLIGHT', 1_000, 100);
const BULK_ROWS = size('BENCH_BULK_ROWS', 25_000, 2_000);
const NESTED = size('BENCH_NESTED', 400, 400);
const ROUNDS = Number(flag('--rounds') ?? (quick ? 1 : 3));
const serverFlag = flag('--server') ?? 'dev';
const SERVERS = (serverFlag === 'both' ? ['dev', 'cluster'] : [serverFlag]) as ('dev' | 'cluster')[];
const WORKERS = (flag('--workers') ?? '1').split(',').map(Number);
const EAGER = (flag('--eager') ?? 'on') === 'on';
/** b′ uses the Temporal features a riposte run uses besides local activities and eager start: search attributes, workflow metrics, a query. */
const VISIBLE = (flag('--visible') ?? 'on') === 'on';

/** The start options of a hand-written run: b′ (local actions given) is visible as a riposte run is when VISIBLE. */
function baselineStart(taskQueue: string, workflowId: string, port: number, local: string[] = []) {
  const visible = VISIBLE && local.length > 0;
  return {
    taskQueue,
    workflowId,
    args: [{ port, result: row, ...(local.length ? { local } : {}), ...(visible ? { visible } : {}) }],
    ...(visible ? { typedSearchAttributes: startSearchAttributes({ name: 'bench-baseline' }, 'manual') } : {}),
  };
}
const localFlag = flag('--local') ?? 'incident.create,mitre.tag';
const LOCAL = localFlag === 'none' ? [] : localFlag.split(',').filter(Boolean);
const ONLY = new Set((flag('--only') ?? process.env.BENCH_ONLY ?? 'engines,fanout,nested,bulk,memory').split(','));
if (process.argv.includes('--help') || SERVERS.some((s) => s !== 'dev' && s !== 'cluster') || WORKERS.some((w) => w !== 1 && w !== 2) || !(ROUNDS >= 1)) {
  console.error(USAGE);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Measuring

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const row: ResultRow = { src_ip: '203.0.113.7', user: 'root', host: 'bastion-1' };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
const median = (values: number[]) => percentile(values, 50);

interface Sample {
  id: string;
  t0: number;
  total: number;
}
interface Figures {
  rps: number;
  firstP50: number;
  hookP50: number;
  doneP50: number;
  doneP99: number;
  /** The workflow id of the batch's last run. */
  lastId: string;
}

async function batch(n: number, concurrency: number, one: () => Promise<Sample>): Promise<Figures> {
  const samples: Sample[] = [];
  let next = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next++ < n) samples.push(await one());
    }),
  );
  const wall = now() - start;
  // A worker in another process reports its first action calls every 100 ms.
  await sleep(250);
  const first = samples.map((s) => (firstCall.get(s.id) ?? NaN) - s.t0);
  const hook = samples.map((s) => (hookArrivals.get(s.id) ?? NaN) - s.t0);
  for (const s of samples) {
    firstCall.delete(s.id);
    hookArrivals.delete(s.id);
  }
  const total = samples.map((s) => s.total);
  return { rps: (samples.length / wall) * 1000, firstP50: percentile(first, 50), hookP50: percentile(hook, 50), doneP50: percentile(total, 50), doneP99: percentile(total, 99), lastId: samples[samples.length - 1]?.id ?? '' };
}

/** When each run's first action began and when the HTTP peer received its webhook, by run id (epoch ms, any process). */
const firstCall = new Map<string, number>();
const hookArrivals = new Map<string, number>();

async function startPeer(delayMs = 0) {
  const server = http.createServer((req, res) => {
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string') hookArrivals.set(key.split('/hook')[0], now());
    req.resume();
    req.on('end', () => {
      const send = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (delayMs) setTimeout(send, delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

/** CPU seconds a process has used (user + system), from /proc; the children it waited for included. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // utime, stime, cutime, cstime are fields 14-17 of stat(5); here offset by the two fields before ") ".
    return fields.slice(11, 15).reduce((n, f) => n + Number(f), 0) / 100;
  } catch {
    return NaN;
  }
}

function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const silent = () => undefined;
const quietLogger = { info: silent, warn: silent, error: console.error, debug: silent, trace: silent, log: silent };
async function writeBundle(workflowsPath: string, file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, ...workflowBundlerOptions(), logger: quietLogger });
  fs.writeFileSync(file, code);
  return file;
}
function benchFile(name: string): string {
  const ts = path.join(__dirname, 'bench', `${name}.ts`);
  return fs.existsSync(ts) ? ts : path.join(__dirname, 'bench', `${name}.js`);
}

/** A worker in a process of its own (scripts/bench/worker.ts), reporting first action calls to this process. */
async function spawnWorker(taskQueue: string, bundle: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = fork(benchFile('worker'), [taskQueue, bundle], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; first?: [string, number][] }) => {
      if (m.ready) resolve();
      for (const [id, t] of m.first ?? []) if (!firstCall.has(id)) firstCall.set(id, t);
    });
    child.once('exit', (code) => reject(new Error(`bench worker exited ${code}`)));
  });
  child.removeAllListeners('exit');
  return child;
}
const stopWorker = (child: ChildProcess) => stopProcess(child, 15_000);

// ---------------------------------------------------------------------------------------------
// One server

interface Server {
  address: string;
  label: string;
  /** The server's process, for its CPU time (the dev server's Go process, or the cluster's). */
  pid?: number;
  stop(): Promise<void>;
}

async function openServer(kind: 'dev' | 'cluster', log: (l: string) => void): Promise<Server> {
  if (kind === 'dev') {
    const dev = await startDevServer({ uiPort: null, log });
    return { address: dev.address, label: 'dev server (temporal server start-dev, in memory, --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=OFF)', pid: dev.process.pid, stop: () => dev.stop() };
  }
  const options = clusterOptions(process.env, log);
  const wasRunning = clusterPid(options) !== undefined;
  const cluster = await startCluster(options);
  return {
    address: cluster.address,
    pid: clusterPid(options),
    label: `Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL (npm run cluster, 4 history shards)`,
    stop: async () => {
      if (!wasRunning) await stopCluster(options);
    },
  };
}

interface Cell {
  values: number[];
}
type Table = Map<string, Map<string, Cell>>;
function put(table: Table, measure: string, side: string, value: number) {
  if (!table.has(measure)) table.set(measure, new Map());
  const m = table.get(measure)!;
  if (!m.has(side)) m.set(side, { values: [] });
  m.get(side)!.values.push(value);
}

/**
 * The sides of round `r` in the order they are measured: as given in even rounds, reversed in odd
 * ones (a b b′, then b′ b a). This machine's speed drifts within a round, and a side's batch leaves
 * the server and the worker in a state the next side meets (history to persist, garbage to
 * collect); alternating the order gives each side both positions, so neither effect favours one.
 */
function inRoundOrder<T>(sides: readonly T[], r: number): T[] {
  return r % 2 === 0 ? [...sides] : [...sides].reverse();
}

interface ConfigReport {
  server: 'dev' | 'cluster';
  workers: number;
  store: string;
  table: Table;
  other: [string, string][];
}

const ALL_SIDES = ['riposte', 'baseline', 'baseline2'] as const;
type Side = (typeof ALL_SIDES)[number];
/** BENCH_SIDES=riposte (or baseline2, …) measures only those sides: for a CPU profile of one engine (`node --cpu-prof`). */
const SIDES: readonly Side[] = process.env.BENCH_SIDES ? ALL_SIDES.filter((s) => process.env.BENCH_SIDES!.split(',').includes(s)) : ALL_SIDES;

async function measureConfig(server: Server, kind: 'dev' | 'cluster', workers: number, bundles: { bench: string }, log: (l: string) => void): Promise<ConfigReport> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-bench-'));
  // The production shape keeps riposte's store on PostgreSQL (shared by every worker, as on two machines); the dev server a SQLite file.
  const pgSchema = `riposte_bench_${crypto.randomBytes(4).toString('hex')}`;
  const storeUrl = kind === 'cluster' ? `postgres://postgres@127.0.0.1:5432/test?schema=${pgSchema}` : `sqlite:${path.join(dataDir, 'store.db')}`;
  const env = { ...process.env, TEMPORAL_ADDRESS: server.address, RIPOSTE_STORE_URL: storeUrl, RIPOSTE_DATA_DIR: dataDir };
  const config = loadConfig({ RIPOSTE_DATA_DIR: dataDir, RIPOSTE_STORE_URL: storeUrl, RIPOSTE_NETWORK_ALLOW: '127.0.0.1' }, dataDir);
  const store = await Store.open(storeUrl);
  const peer = await startPeer();
  const taskQueue = `bench-${crypto.randomBytes(3).toString('hex')}`;

  // Worker 1 runs in this process, so a client on its connection can start runs eagerly.
  const activities = createActivities({ config, store });
  const createIncident = activities['incident.create'];
  const timed = {
    ...activities,
    'incident.create': (req: ActionRequest<'incident.create'>) => {
      if (!firstCall.has(req.run.id)) firstCall.set(req.run.id, now());
      return createIncident(req);
    },
  };
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createWorker({ config, connection: nativeConnection, store, taskQueue, workflowBundle: { codePath: bundles.bench }, overrides: { activities: timed } });
  const running = worker.run();
  const children: ChildProcess[] = [];
  for (let i = 1; i < workers; i++) children.push(await spawnWorker(taskQueue, bundles.bench, env));
  const connection = await Connection.connect({ address: server.address });
  const plain = new Client({ connection });
  const eagerClient = new Client({ connection: nativeConnection });
  const table: Table = new Map();
  const other: [string, string][] = [];

  const chain = assertValidChain({
    name: 'bench',
    steps: [
      { id: 'incident', action: 'incident.create', with: { title: 'Brute force from {{result.src_ip}}', severity: 'high' } },
      { id: 'tag', action: 'mitre.tag', with: { techniques: ['T1110.001'], severity: 'high' } },
      { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: '/alert', body: { incident: '{{steps.incident.incident_id}}' } } },
    ],
  });
  const sample = async (id: string, t0: number, handle: Promise<WorkflowHandle>): Promise<Sample> => {
    await (await handle).result();
    return { id, t0, total: now() - t0 };
  };
  let seq = 0;
  const riposte = (eager: boolean) => async () => {
    const t0 = now();
    const workflowId = `bench-r-${process.pid}-${seq++}`;
    return sample(workflowId, t0, startRun(eager ? eagerClient : plain, { chain, results: [row], taskQueue, workflowId }));
  };
  const baseline = (local: string[], eager: boolean) => async () => {
    const t0 = now();
    const workflowId = `bench-b-${process.pid}-${seq++}`;
    const client = eager ? eagerClient : plain;
    return sample(workflowId, t0, client.workflow.start('baseline', { ...baselineStart(taskQueue, workflowId, peer.port, local), ...(eager ? { requestEagerStart: true } : {}) }));
  };
  const run: Record<Side, () => Promise<Sample>> = { riposte: riposte(EAGER), baseline: baseline([], false), baseline2: baseline(LOCAL, EAGER) };

  if (ONLY.has('engines')) {
    log(`bench: warming up`);
    for (const side of SIDES) await batch(40, 8, run[side]);
    for (let r = 0; r < ROUNDS; r++) {
      // Interleaved: each round measures every side once, in alternating order (inRoundOrder), so no
      // side gets a warmer server or a steadier moment of the machine.
      log(`bench: round ${r + 1} of ${ROUNDS}: ${RUNS} runs per side at ${CONCURRENCY} in flight, then ${SERIAL_RUNS} one at a time`);
      for (const side of inRoundOrder(SIDES, r)) {
        const cpu0 = process.cpuUsage();
        const server0 = cpuSeconds(server.pid);
        const f = await batch(RUNS, CONCURRENCY, run[side]);
        const cpu = process.cpuUsage(cpu0);
        // With worker processes of their own, this process's CPU is only part of the workers'.
        if (workers === 1) put(table, `CPU per run at ${CONCURRENCY} in flight: the worker's process, client and peer included (ms)`, side, (cpu.user + cpu.system) / 1000 / RUNS);
        put(table, `CPU per run at ${CONCURRENCY} in flight: the Temporal server (ms)`, side, ((cpuSeconds(server.pid) - server0) * 1000) / RUNS);
        put(table, `runs per second (${CONCURRENCY} in flight)`, side, f.rps);
        put(table, `start → first action call, p50, ${CONCURRENCY} in flight (ms)`, side, f.firstP50);
        put(table, `start → HTTP peer receives the webhook (3rd step), p50, ${CONCURRENCY} in flight (ms)`, side, f.hookP50);
        put(table, `start → completion, p50, ${CONCURRENCY} in flight (ms)`, side, f.doneP50);
        put(table, `start → completion, p99, ${CONCURRENCY} in flight (ms)`, side, f.doneP99);
      }
      const serial: [string, () => Promise<Sample>][] = [...SIDES.map((s) => [s, run[s]] as [string, () => Promise<Sample>])];
      if (EAGER) serial.push(['riposte, no eager start', riposte(false)], ['baseline2, no eager start', baseline(LOCAL, false)]);
      for (const [side, one] of inRoundOrder(serial, r)) {
        const f = await batch(SERIAL_RUNS, 1, one);
        put(table, 'start → first action call, p50, 1 in flight (ms)', side, f.firstP50);
        put(table, 'start → completion, p50, 1 in flight (ms)', side, f.doneP50);
        if (r === 0 && (SIDES as readonly string[]).includes(side)) {
          // What one run costs the server: its history's events, and the workflow tasks among them.
          const history = await plain.workflow.getHandle(f.lastId).fetchHistory();
          const events = history.events ?? [];
          put(table, 'history of one run, 1 in flight: events', side, events.length);
          const json = historyToJSON(history);
          put(table, 'history of one run, 1 in flight: size as JSON (bytes)', side, json.length);
          if (process.env.BENCH_DUMP_HISTORY) fs.writeFileSync(path.join(process.env.BENCH_DUMP_HISTORY, `${side}.json`), json);
          put(table, 'history of one run, 1 in flight: workflow tasks', side, events.filter((e) => e.workflowTaskCompletedEventAttributes).length);
        }
      }
    }
  }

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
    const f0 = now();
    const fan = await startRun(plain, { chain: fanChain, results: fanRows, taskQueue, store });
    await fan.result();
    const wall = now() - f0;
    // Visibility lags behind on a real server: count until two reads agree.
    let executions = -1;
    let largest = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      let count = 0;
      largest = 0;
      for await (const wf of plain.workflow.list({ query: `WorkflowId = "${fan.workflowId}" OR WorkflowId STARTS_WITH "${fan.workflowId}/"` })) {
        count++;
        largest = Math.max(largest, wf.historyLength);
      }
      if (count === executions) break;
      executions = count;
      await sleep(1_500);
    }
    other.push([`one run, \`each\` over ${FANOUT} results: wall time`, `${(wall / 1000).toFixed(1)} s`]);
    other.push(['same run: executions (run + children), largest history', `${executions}, ${largest} events`]);
  }

  if (ONLY.has('nested')) {
    log(`bench: three nested {{#each}} over ${NESTED} results, then a step after it`);
    const nestedChain = assertValidChain({
      name: 'bench-nested',
      steps: [
        { id: 'nested', action: 'incident.create', onError: 'continue', with: { title: '{{#each results}}{{#each ../results}}{{#each ../../results}}.{{/each}}{{/each}}{{/each}}' } },
        { id: 'after', action: 'events.log' },
      ],
    });
    const rows = Array.from({ length: NESTED }, (_, i) => ({ host: `n-${i}` }));
    const t0 = now();
    const handle = await startRun(plain, { chain: nestedChain, results: rows, taskQueue, store });
    const report = await Promise.race([readRun(handle, { wait: true, store }), sleep(120_000).then(() => undefined)]);
    const wall = now() - t0;
    let taskTimeouts = 0;
    let taskFailures = 0;
    for (const e of (await handle.fetchHistory()).events ?? []) {
      if (e.workflowTaskTimedOutEventAttributes) taskTimeouts++;
      if (e.workflowTaskFailedEventAttributes) taskFailures++;
    }
    if (!report) await handle.terminate('bench: the nested-each run did not finish within 120 s');
    const step = (id: string) => (report?.steps[id] ? `${report.steps[id].status}${report.steps[id].error ? ` (${report.steps[id].error.slice(0, 140)})` : ''}` : 'not reached');
    other.push([
      `one run, three nested \`{{#each}}\` over ${NESTED} results (onError: continue), then a step`,
      report ? `run ${report.status} in ${(wall / 1000).toFixed(1)} s; nested step: ${step('nested')}; next step: ${step('after')}; workflow task timeouts ${taskTimeouts}, failures ${taskFailures}` : `still running after 120 s (terminated); workflow task timeouts ${taskTimeouts}, failures ${taskFailures}`,
    ]);
  }

  if (ONLY.has('bulk')) {
    const pad = 'y'.repeat(2_000);
    const bulkRows = Array.from({ length: BULK_ROWS }, (_, i) => ({ host: `bulk-${i}`, src_ip: `10.1.${(i >> 8) & 255}.${i & 255}`, pad }));
    const mb = JSON.stringify(bulkRows).length / 1_000_000;
    log(`bench: one run over a ${mb.toFixed(0)} MB result set`);
    const bulkChain = assertValidChain({ name: 'bench-bulk', steps: [{ id: 'incident', action: 'incident.create', with: { title: '{{results.length}} hosts' } }, { id: 'log', action: 'events.log' }] });
    const t0 = now();
    await (await startRun(plain, { chain: bulkChain, results: bulkRows, taskQueue, store })).result();
    other.push([`one run over a ${mb.toFixed(0)} MB result set (${BULK_ROWS} rows, by reference): wall time`, `${((now() - t0) / 1000).toFixed(1)} s`]);
  }

  for (const child of children) await stopWorker(child);
  // SIGINT/SIGTERM already make the SDK drain the worker.
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await nativeConnection.close();
  await connection.close();
  await peer.close();
  await store.close();
  if (kind === 'cluster') await dropSchema(pgSchema);
  return { server: kind, workers, store: kind === 'cluster' ? 'PostgreSQL' : 'SQLite file', table, other };
}

async function dropSchema(schema: string): Promise<void> {
  const db = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.end();
}

/** Peak RSS of a worker process of its own (riposte's worker settings) with IN_FLIGHT runs in flight, for riposte and each baseline. */
async function measureMemory(server: Server, kind: 'dev' | 'cluster', bundles: { baseline: string }, log: (l: string) => void): Promise<[string, string][]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-bench-rss-'));
  const pgSchema = `riposte_bench_${crypto.randomBytes(4).toString('hex')}`;
  const storeUrl = kind === 'cluster' ? `postgres://postgres@127.0.0.1:5432/test?schema=${pgSchema}` : `sqlite:${path.join(dataDir, 'store.db')}`;
  const env = { ...process.env, TEMPORAL_ADDRESS: server.address, RIPOSTE_STORE_URL: storeUrl, RIPOSTE_DATA_DIR: dataDir };
  const slowPeer = await startPeer(2_000);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const chain: Chain = assertValidChain({
    name: 'bench-rss',
    steps: [
      { id: 'incident', action: 'incident.create', with: { title: 'Brute force from {{result.src_ip}}', severity: 'high' } },
      { id: 'tag', action: 'mitre.tag', with: { techniques: ['T1110.001'], severity: 'high' } },
      { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: slowPeer.port, path: '/alert', body: { incident: '{{steps.incident.incident_id}}' } } },
    ],
  });
  const out: [string, string][] = [];
  const sides: [string, string, (taskQueue: string, i: number) => Promise<WorkflowHandle>][] = [
    ['riposte (a), the worker of `riposte worker`', PREBUILT_BUNDLE, (taskQueue) => startRun(client, { chain, results: [row], taskQueue })],
    ['hand-written workflow (b)', bundles.baseline, (taskQueue, i) => client.workflow.start('baseline', baselineStart(taskQueue, `rss-b-${process.pid}-${taskQueue}-${i}`, slowPeer.port))],
  ];
  if (LOCAL.length) {
    sides.push([`hand-written, local ${LOCAL.join(', ')} (b′)`, bundles.baseline, (taskQueue, i) => client.workflow.start('baseline', baselineStart(taskQueue, `rss-b2-${process.pid}-${taskQueue}-${i}`, slowPeer.port, LOCAL))]);
  }
  // Interleaved rounds, like the engines: the peak moves by tens of MB from one measurement to the next.
  const peaks = sides.map(() => ({ values: [] as number[] }));
  const idles = sides.map(() => ({ values: [] as number[] }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [s, [label, bundle, start]] of inRoundOrder([...sides.entries()], r)) {
      log(`bench: round ${r + 1} of ${ROUNDS}: ${IN_FLIGHT} runs in flight on a worker process of its own: ${label}`);
      const taskQueue = `bench-rss-${crypto.randomBytes(3).toString('hex')}`;
      const child = await spawnWorker(taskQueue, bundle, env);
      idles[s].values.push(peakRss(child.pid!));
      // The peak from here on: what counts is the worker under load, not its start-up.
      fs.writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
      const handles = await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => start(taskQueue, i)));
      await Promise.all(handles.map((h) => h.result()));
      peaks[s].values.push(peakRss(child.pid!));
      await stopWorker(child);
    }
  }
  for (const [s, [label]] of sides.entries()) {
    out.push([`worker process peak RSS (VmHWM), ${IN_FLIGHT} runs in flight, MB: ${label}`, `${cell(peaks[s])} (idle ${median(idles[s].values).toFixed(0)})`]);
  }
  // Riposte against each hand-written workflow, round by round (the sides of a round measured one after the other).
  const byLabel = new Map(sides.map(([label], s) => [label, peaks[s]]));
  for (const [label] of sides.slice(1)) out.push([`peak RSS ratio, riposte (a) / ${label}, per round`, ratio(byLabel, 'peak RSS', sides[0][0], label)]);
  await connection.close();
  await slowPeer.close();
  if (kind === 'cluster') await dropSchema(pgSchema);
  return out;
}

/** The same three activity functions awaited in a loop, no Temporal: what the engines are measured against. */
async function measureDirect(): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-bench-direct-'));
  const storeUrl = `sqlite:${path.join(dataDir, 'store.db')}`;
  const config = loadConfig({ RIPOSTE_DATA_DIR: dataDir, RIPOSTE_STORE_URL: storeUrl, RIPOSTE_NETWORK_ALLOW: '127.0.0.1' }, dataDir);
  const store = await Store.open(storeUrl);
  const peer = await startPeer();
  const activities = createActivities({ config, store });
  let seq = 0;
  const f = await batch(RUNS, CONCURRENCY, async () => {
    const t0 = now();
    const id = `direct-${seq++}`;
    const common = { index: null, job: { name: 'bench-direct' }, run: { id, startedAt: new Date().toISOString() } };
    const incident = await activities['incident.create']({ ...common, action: 'incident.create', stepId: 'incident', idempotencyKey: `${id}/incident`, result: row, params: { title: 'Brute force from 203.0.113.7', severity: 'high' } });
    await activities['mitre.tag']({ ...common, action: 'mitre.tag', stepId: 'tag', idempotencyKey: `${id}/tag`, result: row, incidentId: incident.incident_id, params: { techniques: ['T1110.001'], severity: 'high' } });
    await activities['webhook.send']({ ...common, action: 'webhook.send', stepId: 'hook', idempotencyKey: `${id}/hook`, params: { protocol: 'http', host: '127.0.0.1', port: peer.port, method: 'POST', path: '/alert', body: { incident: incident.incident_id } } });
    return { id, t0, total: now() - t0 };
  });
  await peer.close();
  await store.close();
  return f;
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
function cell(c: Cell | undefined): string {
  if (!c || c.values.length === 0) return '';
  const m = median(c.values);
  if (c.values.length === 1) return fmt(m);
  return `${fmt(m)} (${fmt(Math.min(...c.values))}–${fmt(Math.max(...c.values))})`;
}
/**
 * The ratio of two sides, round by round: the two were measured one after the other in each round,
 * so a round's ratio is not moved by the machine getting faster or slower between rounds, which
 * the ratio of the two medians would be. The cell is the median of the rounds' ratios, with their
 * spread.
 */
function ratio(table: Map<string, Cell>, measure: string, a: string, b: string): string {
  const xs = table.get(a)?.values ?? [];
  const ys = table.get(b)?.values ?? [];
  // Lower is better for riposte in every ratio: runs per second are b/a.
  const rounds = Array.from({ length: Math.min(xs.length, ys.length) }, (_, r) => (measure.startsWith('runs per second') ? ys[r] / xs[r] : xs[r] / ys[r]));
  if (rounds.length === 0) return 'n/a';
  const m = fmt(median(rounds), 2);
  return rounds.length === 1 ? m : `${m} (${fmt(Math.min(...rounds), 2)}–${fmt(Math.max(...rounds), 2)})`;
}

function printConfig(r: ConfigReport, serverLabel: string) {
  console.log(`\n### ${r.server === 'cluster' ? 'Temporal server on PostgreSQL' : 'dev server'}, ${r.workers} worker process${r.workers === 1 ? '' : 'es'}, store: ${r.store}\n`);
  console.log(`server: ${serverLabel}`);
  console.log(`worker 1 runs in the benchmark's process${r.workers > 1 ? '; worker 2 in a process of its own (scripts/bench/worker.ts); both poll one task queue' : ''}\n`);
  if (r.table.size) {
    console.log(`| measure | riposte (a) | hand-written (b) | hand-written, same features (b′) | a/b | a/b′ |`);
    console.log(`|---|---|---|---|---|---|`);
    for (const [measure, sides] of r.table) {
      console.log(`| ${measure} | ${cell(sides.get('riposte'))} | ${cell(sides.get('baseline'))} | ${cell(sides.get('baseline2'))} | ${ratio(sides, measure, 'riposte', 'baseline')} | ${ratio(sides, measure, 'riposte', 'baseline2')} |`);
      const noEager = sides.get('riposte, no eager start');
      if (noEager) console.log(`| same, without eager start | ${cell(noEager)} | | ${cell(sides.get('baseline2, no eager start'))} | | ${ratio(sides, measure, 'riposte, no eager start', 'baseline2, no eager start')} |`);
    }
    console.log('');
  }
  if (r.other.length) {
    console.log(`| other measure | value |`);
    console.log(`|---|---|`);
    for (const [k, v] of r.other) console.log(`| ${k} | ${v} |`);
  }
}

async function main() {
  quietRuntime();
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`);
  const version = execFileSync(findTemporal(), ['--version']).toString().trim();
  console.log(`riposte benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${version}; load average at the start ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`command: npm run bench -- ${process.argv.slice(2).join(' ') || '(defaults)'}`);
  console.log(`rounds: ${ROUNDS}, interleaved (riposte, b, b′ in turn, the order reversed every other round); cells are median (min–max) over the rounds; ${RUNS} runs per side and round at ${CONCURRENCY} in flight, ${SERIAL_RUNS} one at a time`);
  console.log(`riposte (a): the 3-step chain through runChain${EAGER ? ', started eagerly on the worker of this process' : ''}; (b): the hand-written workflow, activities, ordinary start; (b′): the same workflow with ${LOCAL.length ? `${LOCAL.join(', ')} as local activities` : 'no local activities'}${EAGER ? ', started eagerly' : ''}${VISIBLE && LOCAL.length ? `, riposte's search attributes (at start and the incident's), metrics and status query` : ''}`);
  console.log(`ratios: lower is better for riposte (runs per second: b/a); each is the median of the rounds' ratios (min–max), a round's sides measured one after the other`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-bench-bundles-'));
  log('bench: bundling the benchmark workflows (riposte + hand-written) and the hand-written one alone');
  const bundles = {
    bench: await writeBundle(benchFile('workflows'), path.join(work, 'bench.js')),
    baseline: await writeBundle(benchFile('baseline-only'), path.join(work, 'baseline.js')),
  };
  for (const kind of SERVERS) {
    log(`bench: ${kind === 'cluster' ? 'the Temporal server on PostgreSQL (npm run cluster)' : 'the Temporal dev server (in memory, headless)'}`);
    const server = await openServer(kind, log);
    try {
      for (const workers of WORKERS) {
        log(`bench: ${kind}, ${workers} worker process(es)`);
        const report = await measureConfig(server, kind, workers, bundles, log);
        printConfig(report, server.label);
      }
      if (ONLY.has('memory')) {
        const rows = await measureMemory(server, kind, bundles, log);
        console.log(`\n### worker memory, ${server.label}\n`);
        console.log(`| other measure | value |`);
        console.log(`|---|---|`);
        for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
      }
    } finally {
      await server.stop();
    }
  }
  const direct = ONLY.has('engines') ? await measureDirect() : undefined;
  if (direct) console.log(`\ndirect calls (the three activity functions in a loop, no Temporal, SQLite store): ${fmt(direct.rps)} runs per second at ${CONCURRENCY} in flight, completion p50 ${fmt(direct.doneP50)} ms`);
  console.log(`\n(${Math.round((Date.now() - started) / 60_000)} min; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
