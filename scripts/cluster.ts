// `npm run cluster`: the full Temporal server (not the dev server) on the local PostgreSQL, the production shape, opt-in.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../dsl';
import { cacheDir, temporalAnswers } from '../worker/temporal-server';

/** The Temporal server release riposte builds; its schema tool and schemas come from the same module. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

/** Where and how the cluster runs; every field has a default and an environment variable. */
export interface ClusterOptions {
  /** Frontend gRPC port on 127.0.0.1 (RIPOSTE_CLUSTER_PORT, default 17233); the other services take the next ports. */
  port: number;
  /** PostgreSQL host and port (RIPOSTE_CLUSTER_PG, default 127.0.0.1:5432). */
  pgHost: string;
  pgPort: number;
  /** PostgreSQL user (RIPOSTE_CLUSTER_PG_USER, default postgres) and password (RIPOSTE_CLUSTER_PG_PASSWORD, default none). */
  pgUser: string;
  pgPassword: string;
  /** The server's database (RIPOSTE_CLUSTER_DB, default riposte_temporal); visibility goes to `<db>_visibility`. */
  database: string;
  /** Config, logs and pid file (RIPOSTE_CLUSTER_DIR, default <cache>/cluster). */
  dir: string;
  /** Namespace to create (default "default"). */
  namespace: string;
  log: (line: string) => void;
}

export function clusterOptions(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): ClusterOptions {
  const [pgHost, pgPort] = (env.RIPOSTE_CLUSTER_PG ?? '127.0.0.1:5432').split(':');
  return {
    port: Number(env.RIPOSTE_CLUSTER_PORT ?? 17233),
    pgHost: pgHost || '127.0.0.1',
    pgPort: Number(pgPort || 5432),
    pgUser: env.RIPOSTE_CLUSTER_PG_USER ?? 'postgres',
    pgPassword: env.RIPOSTE_CLUSTER_PG_PASSWORD ?? '',
    database: env.RIPOSTE_CLUSTER_DB ?? 'riposte_temporal',
    dir: env.RIPOSTE_CLUSTER_DIR ?? path.join(cacheDir(env), 'cluster'),
    namespace: env.RIPOSTE_CLUSTER_NAMESPACE ?? 'default',
    log,
  };
}

/** The frontend address clients and workers use. */
export function clusterAddress(o: ClusterOptions): string {
  return `127.0.0.1:${o.port}`;
}

const binDir = () => path.join(cacheDir(), 'server-bin');
const serverBin = () => path.join(binDir(), 'server');
const sqlToolBin = () => path.join(binDir(), 'sql');

function goBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  if (fs.existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error('Go is needed to build the Temporal server once (https://go.dev/dl/); none on PATH or in /usr/local/go/bin');
}

/** Builds the server and its SQL schema tool once into <cache>/server-bin (several minutes the first time). */
export function buildCluster(o: ClusterOptions): void {
  const go = goBinary();
  for (const [bin, pkg] of [
    [serverBin(), 'go.temporal.io/server/cmd/server'],
    [sqlToolBin(), 'go.temporal.io/server/cmd/tools/sql'],
  ] as const) {
    if (fs.existsSync(bin)) continue;
    o.log(`cluster: building ${pkg}@${TEMPORAL_SERVER_VERSION} into ${binDir()} (several minutes)...`);
    fs.mkdirSync(binDir(), { recursive: true });
    const r = spawnSync(go, ['install', `${pkg}@${TEMPORAL_SERVER_VERSION}`], {
      env: { ...process.env, GOBIN: binDir(), GOFLAGS: '-mod=mod', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0 || !fs.existsSync(bin)) throw new Error(`go install ${pkg}@${TEMPORAL_SERVER_VERSION} failed (exit ${r.status})`);
  }
  o.log(`cluster: server and schema tool in ${binDir()}`);
}

function sqlTool(o: ClusterOptions, db: string, args: string[], allowFailure = false): boolean {
  const base = ['--plugin', 'postgres12', '--endpoint', o.pgHost, '--port', String(o.pgPort), '--user', o.pgUser, '--password', o.pgPassword, '--database', db, '--quiet'];
  const r = spawnSync(sqlToolBin(), [...base, ...args], { encoding: 'utf8' });
  if (r.status !== 0 && !allowFailure) throw new Error(`temporal sql tool ${args.join(' ')} on ${db} failed: ${(r.stderr || r.stdout).trim().slice(-2_000)}`);
  return r.status === 0;
}

/**
 * Creates the two databases (when missing) and brings their schemas to the server's version, with
 * the schema tool and the schemas embedded in it (the same files as the module's schema/postgresql/v12).
 * Running it again only applies what is missing.
 */
export function setupCluster(o: ClusterOptions): void {
  buildCluster(o);
  for (const [db, schema] of [
    [o.database, 'postgresql/v12/temporal'],
    [`${o.database}_visibility`, 'postgresql/v12/visibility'],
  ] as const) {
    // create-database fails when the database exists: that is the case on every run after the first.
    sqlTool(o, db, ['create-database'], true);
    // setup-schema -v 0.0 creates the version table only; it fails harmlessly once the schema exists.
    sqlTool(o, db, ['setup-schema', '-v', '0.0'], true);
    sqlTool(o, db, ['update-schema', '--schema-name', schema]);
    o.log(`cluster: database ${db} at the schema of ${TEMPORAL_SERVER_VERSION}`);
  }
}

/** The server's config: the module's config/development-postgres12.yaml with every port on 127.0.0.1 and riposte's databases. */
export function clusterConfig(o: ClusterOptions): string {
  const p = o.port;
  const ds = (db: string, conns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "${o.pgHost}:${o.pgPort}"
        connectProtocol: "tcp"
        user: "${o.pgUser}"
        password: "${o.pgPassword.replace(/["\\]/g, (c) => `\\${c}`)}"
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, extra = '') => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  return `# Written by \`npm run cluster setup\` from go.temporal.io/server@${TEMPORAL_SERVER_VERSION} config/development-postgres12.yaml.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${ds(o.database, 20)}
    postgres-visibility:
${ds(`${o.database}_visibility`, 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:
${service(p, p - 300, `\n      httpPort: ${p + 10}`)}
  history:
${service(p + 1, p - 299)}
  matching:
${service(p + 2, p - 298)}
  worker:
${service(p + 6, p - 294)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${path.join(o.dir, 'dynamicconfig.yaml')}"
  pollInterval: "10s"
`;
}

/** The dynamic config: what the dev server riposte starts also sets (eager activity dispatch). */
const DYNAMIC_CONFIG = `# Written by \`npm run cluster setup\`.
system.enableActivityEagerExecution:
  - value: true
system.enableEagerWorkflowStart:
  - value: true
`;

function writeConfig(o: ClusterOptions): void {
  fs.mkdirSync(path.join(o.dir, 'config'), { recursive: true });
  fs.writeFileSync(path.join(o.dir, 'config', 'riposte.yaml'), clusterConfig(o));
  fs.writeFileSync(path.join(o.dir, 'dynamicconfig.yaml'), DYNAMIC_CONFIG);
}

const pidFile = (o: ClusterOptions) => path.join(o.dir, 'server.pid');

/** The running server's pid, when its pid file names a live process. */
export function clusterPid(o: ClusterOptions): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(o), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** IndexedValueType numbers of temporal/api/enums/v1/common.proto, by the SDK's search attribute type names. */
const SA_TYPES: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };

/** Creates the namespace (3 days' retention) and riposte's search attributes when missing, and waits until both are in use. */
async function ensureNamespace(o: ClusterOptions): Promise<void> {
  const connection = await Connection.connect({ address: clusterAddress(o) });
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        await connection.workflowService.describeNamespace({ namespace: o.namespace });
        break;
      } catch {
        try {
          await connection.workflowService.registerNamespace({ namespace: o.namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
          o.log(`cluster: namespace ${o.namespace} created`);
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(1_000);
        }
      }
    }
    const wanted = Object.values(SEARCH_ATTRIBUTES);
    // A new namespace reaches every service's cache within seconds: until then the calls answer NOT_FOUND.
    for (;;) {
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: o.namespace });
        const missing = wanted.filter((k) => !customAttributes || !(k.name in customAttributes));
        if (missing.length === 0) break;
        await connection.operatorService.addSearchAttributes({ namespace: o.namespace, searchAttributes: Object.fromEntries(missing.map((k) => [k.name, SA_TYPES[k.type] ?? 2])) });
        o.log(`cluster: search attributes ${missing.map((k) => k.name).join(', ')} added`);
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      await sleep(1_000);
    }
  } finally {
    await connection.close();
  }
}

/** A started cluster: its address, and how to stop it. */
export interface Cluster {
  address: string;
  namespace: string;
  pid: number;
  /** True when this call started it (so the caller stops it). */
  started: boolean;
  stop(): Promise<void>;
}

/**
 * Starts the server in the background (detached; logs in <dir>/server.log) unless it already
 * runs, waits until its frontend answers, and creates the namespace and search attributes.
 * Builds the server and sets up its databases first when they are missing (`setupCluster`, which
 * leaves databases at the right schema as they are).
 */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const running = clusterPid(o);
  const address = clusterAddress(o);
  if (running && (await temporalAnswers(address))) {
    await ensureNamespace(o);
    return { address, namespace: o.namespace, pid: running, started: false, stop: () => stopCluster(o) };
  }
  if (await temporalAnswers(address)) throw new Error(`something else answers on ${address}; set RIPOSTE_CLUSTER_PORT to another port`);
  setupCluster(o);
  writeConfig(o);
  const out = fs.openSync(path.join(o.dir, 'server.log'), 'a');
  const child = spawn(serverBin(), ['--root', o.dir, '--config', 'config', '--env', 'riposte', '--allow-no-auth', 'start'], { detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(pidFile(o), String(child.pid));
  const deadline = Date.now() + 90_000;
  while (!(await temporalAnswers(address))) {
    if (child.exitCode !== null || clusterPid(o) === undefined) throw new Error(`the Temporal server exited; see ${path.join(o.dir, 'server.log')}`);
    if (Date.now() > deadline) throw new Error(`the Temporal server did not answer on ${address} within 90 s; see ${path.join(o.dir, 'server.log')}`);
    await sleep(300);
  }
  await ensureNamespace(o);
  o.log(`cluster: Temporal server ${TEMPORAL_SERVER_VERSION} on ${address} (namespace ${o.namespace}, pid ${child.pid}, PostgreSQL ${o.pgHost}:${o.pgPort}/${o.database})`);
  return { address, namespace: o.namespace, pid: child.pid!, started: true, stop: () => stopCluster(o) };
}

/** Stops the server with SIGTERM (SIGKILL after 15 s); nothing when it does not run. */
export async function stopCluster(o: ClusterOptions): Promise<void> {
  const pid = clusterPid(o);
  if (pid === undefined) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (clusterPid(o) !== undefined) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await sleep(200);
  }
  fs.rmSync(pidFile(o), { force: true });
  o.log(`cluster: stopped (pid ${pid})`);
}

async function main(command: string | undefined): Promise<void> {
  const o = clusterOptions(process.env, (l) => process.stderr.write(`${l}\n`));
  switch (command) {
    case 'build':
      buildCluster(o);
      return;
    case 'setup':
      setupCluster(o);
      writeConfig(o);
      return;
    case 'start': {
      const c = await startCluster(o);
      console.log(`TEMPORAL_ADDRESS=${c.address}${c.started ? '' : '   (already running)'}`);
      return;
    }
    case 'stop':
      await stopCluster(o);
      return;
    case 'status': {
      const pid = clusterPid(o);
      const answers = await temporalAnswers(clusterAddress(o));
      console.log(pid && answers ? `running: pid ${pid}, TEMPORAL_ADDRESS=${clusterAddress(o)}, namespace ${o.namespace}` : pid ? `process ${pid} runs but ${clusterAddress(o)} does not answer` : 'not running');
      if (!pid) process.exitCode = 3;
      return;
    }
    default:
      console.error('usage: npm run cluster -- build|setup|start|stop|status   (RIPOSTE_CLUSTER_PORT, RIPOSTE_CLUSTER_PG, RIPOSTE_CLUSTER_PG_USER, RIPOSTE_CLUSTER_PG_PASSWORD, RIPOSTE_CLUSTER_DB, RIPOSTE_CLUSTER_DIR)');
      process.exitCode = 2;
  }
}

if (require.main === module) {
  main(process.argv[2]).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
