#!/usr/bin/env node
// The riposte command line: validate, run, test, dev, worker, api, schedules, incidents, docs, schema, runs, graph.
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { chainJsonSchema, insightView, validateChainText, type Chain, type ResultRow } from '../dsl';
import { parseEvent } from '../control/events';
import { Store } from '../store/store';
import { encryptSecret, masterKey } from '../config/secrets';
import { loadConfig, type Config } from '../config/config';
import { configJsonSchema } from '../config/config-schema';
import { installationContext, loadJobs } from '../config/jobs';
import { databaseTableProblems } from '../activities';
import { connectClient, readRun, runUrl, startRun, type RunReport } from '../control/client';
import { TemporalNotFoundError } from '../worker/temporal-server';
import { connectWorker, createWorker, quietRuntime } from '../worker/worker';
import { createApi, listenApi } from '../api/api';
import { watchProgress } from '../control/progress';
import { formatChanges, syncSchedules } from '../control/schedules';
import { dryRun, formatDryRun } from '../activities';
import { runningDev, temporalEnvironment } from './environment';
import { runExample } from './example';
import { printReport } from './output';
import { addScript, testScript } from './script';
import { createScriptHostWorker } from '../worker/script-host';
import { startConfiguredCodecServer } from '../api/codec-server';
import { addTriggerCommands } from './triggers';
import { configureLogging, type LogFormat, type Logger } from '../config/log';
import { startConfiguredRetention } from '../worker/retention';
import { addApprovalCommands } from './approvals';
import { CliError, intFlag } from './cli-error';
import { UserError } from '../config/user-error';
import { addOperatorCommands } from './operator-commands';
import { chainGraph } from '../api/chain-graph';
import { formatProblem, locateProblems } from '../api/problem-positions';

const log = (line: string) => process.stderr.write(`${line}\n`);

function config(): Config {
  return loadConfig();
}

/** Reads and validates a chain file; throws with every problem as `FILE:LINE:COLUMN: PATH: message`. */
export function loadChain(file: string, cfg: Config): Chain {
  const text = readText(file);
  const result = validateChainText(text, installationContext(cfg));
  if (!result.ok) throw new CliError(locateProblems(file, text, result.problems).map(formatProblem).join('\n'));
  return result.chain;
}

/** The package's version, from the package.json beside dist/. */
function version(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

function readText(file: string): string {
  try {
    return file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads results: a JSON array of objects (a single object is one result). */
export function loadResults(file: string | undefined): ResultRow[] {
  if (!file) return [];
  const text = readText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file}: malformed JSON: ${(err as Error).message}`);
  }
  const rows = Array.isArray(value) ? value : [value];
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new CliError(`${file}: [${i}]: each result must be a JSON object`);
  });
  return rows as ResultRow[];
}

function parseParams(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--param ${pair}: write key=value`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

const program = new Command();
program.name('riposte').description("Runs a security rule's active responses as durable Temporal workflows").version(version(), '-V, --version', 'print the version').showHelpAfterError();

program
  .command('validate')
  .description('exit 0 when every chain is valid; otherwise print FILE:LINE:COLUMN: PATH: message per problem and exit 1')
  .argument('<files...>')
  .option('--json', 'print the problems as a JSON array of { file, path, line, column, message }')
  .action(async (files: string[], opts: { json?: boolean }) => {
    const cfg = config();
    let bad = 0;
    const found: ReturnType<typeof locateProblems> = [];
    for (const file of files) {
      let text: string;
      try {
        text = readText(file);
      } catch (err) {
        // A file that cannot be read has no position: line and column 0.
        found.push({ file, path: '', line: 0, column: 0, message: (err as Error).message.replace(`${file}: `, '') });
        if (!opts.json) console.log((err as Error).message);
        bad++;
        continue;
      }
      const result = validateChainText(text, installationContext(cfg));
      // Tables are checked only in a chain that is otherwise valid: the check connects to databases.
      const problems = result.ok ? await databaseTableProblems(result.chain, cfg) : result.problems;
      if (problems.length === 0) continue;
      bad++;
      const located = locateProblems(file, text, problems);
      found.push(...located);
      if (!opts.json) for (const p of located) console.log(formatProblem(p));
    }
    if (opts.json) console.log(JSON.stringify(found, null, 2));
    if (bad > 0) process.exitCode = 1;
    else log(`${files.length} chain${files.length === 1 ? '' : 's'} valid`);
  });

program
  .command('run')
  .description('start a run of CHAIN with the results of a JSON file (- for stdin)')
  .argument('<chain>')
  .option('--results <file>', 'JSON array of results, or - for stdin')
  .option('--param <key=value>', 'override a chain param (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--wait', 'wait for the run and print each step')
  .option('--json', 'print the run as JSON')
  .action(async (file: string, opts: { results?: string; param: string[]; wait?: boolean; json?: boolean }) => {
    const cfg = config();
    const chain = loadChain(file, cfg);
    const tableProblems = await databaseTableProblems(chain, cfg);
    if (tableProblems.length > 0) throw new CliError(locateProblems(file, readText(file), tableProblems).map(formatProblem).join('\n'));
    const results = loadResults(opts.results);
    const env = await temporalEnvironment(cfg, { log });
    // Results too large for a payload ride by reference in the store the workers share, as through the API.
    const store = await Store.open(cfg.storeUrl);
    try {
      const client = await connectClient(cfg, env.address, env.workerConnection);
      const handle = await startRun(client, { chain, results, params: parseParams(opts.param), taskQueue: cfg.temporal.taskQueue, globals: cfg.globals, uiUrl: env.uiUrl, store });
      const url = runUrl(env.uiUrl, cfg.temporal.namespace, handle.workflowId, handle.firstExecutionRunId);
      // An embedded server lives only as long as this process: wait for the run.
      const wait = opts.wait || env.embedded;
      if (!wait) {
        const report: RunReport = { runId: handle.workflowId, status: 'running', url, steps: {} };
        console.log(opts.json ? JSON.stringify(report, null, 2) : `started ${handle.workflowId}${url ? `\n${url}` : ''}`);
      } else {
        if (!opts.json) log(`started ${handle.workflowId}${url ? `: ${url}` : ''}`);
        const progress = watchProgress(handle, log);
        const report = { ...(await readRun(handle, true, store).finally(() => progress.stop())), ...(url ? { url } : {}) };
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else printReport(report, chain);
        if (report.status !== 'completed') process.exitCode = 1;
      }
      // The worker's connection is closed by env.close(), after the worker stops.
      if (!env.workerConnection) await client.connection.close();
    } finally {
      await store.close();
      await env.close();
    }
  });

program
  .command('test')
  .description('dry run: render every step with the real template engine and print what it would send, byte for byte (requests, the MIME message, SQL statements, script argv and jail, documents); sends and writes nothing')
  .argument('<chain>')
  .option('--results <file>', 'JSON array of results, or - for stdin')
  .option('--param <key=value>', 'override a chain param (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--insight <file>', 'render as for an on-demand Insight event: the Insight (JSON file) is the trigger and, without --results, the one result')
  .option('--run-id <id>', 'the run id the requests carry (Idempotency-Key, Message-ID); a placeholder by default')
  .option('--json', 'print as JSON')
  .action(async (file: string, opts: { results?: string; insight?: string; param: string[]; runId?: string; json?: boolean }) => {
    const cfg = config();
    const chain = loadChain(file, cfg);
    let trigger: Record<string, unknown> | undefined;
    let results = loadResults(opts.results);
    if (opts.insight) {
      let event;
      try {
        event = parseEvent({ type: 'insight.on_demand', insight: JSON.parse(readText(opts.insight)) as unknown });
      } catch (err) {
        throw new CliError(`${opts.insight}: ${(err as Error).message.replace(/\n/g, `\n${opts.insight}: `)}`);
      }
      // The trigger an Insight event's run gets: the Insight as sent, and its view beside it.
      const insight = (event as { insight: Parameters<typeof insightView>[0] }).insight;
      trigger = { ...event, id: '<event id>', insightView: insightView(insight, { cloudSiemUrl: cfg.cloudSiem.url }) };
      if (!opts.results) results = [insight];
    }
    // The store is only read (the enrichments an Insight is sent with); a SQLite store that does not exist yet is not created for it.
    const sqliteFile = /^postgres(ql)?:\/\//.test(cfg.storeUrl) ? undefined : cfg.storeUrl.replace(/^sqlite:(\/\/)?/, '');
    const store = await Store.open(sqliteFile !== undefined && !fs.existsSync(sqliteFile) ? 'sqlite::memory:' : cfg.storeUrl);
    let steps;
    try {
      steps = await dryRun(chain, results, { params: parseParams(opts.param), globals: cfg.globals, trigger, runId: opts.runId, deps: { config: cfg, store } });
    } finally {
      await store.close();
    }
    const invalid = Object.values(steps).some((s) => s.executions.some((e) => e.status === 'invalid'));
    if (opts.json) console.log(JSON.stringify({ chain: chain.name, steps }, null, 2));
    else console.log(formatDryRun(steps));
    if (invalid) process.exitCode = 1;
  });

program
  .command('dev')
  .description('embedded Temporal server with its UI, a worker and the intake API, until Ctrl-C; syncs the schedules at start; state kept under .riposte/')
  .addOption(logFormatOption())
  .action(async (opts: { logFormat?: LogFormat }) => {
    const cfg = config();
    const logger = serviceLogger(cfg, 'dev', opts.logFormat);
    const say = (line: string) => logger.info(line);
    if (cfg.temporal.address) throw new CliError(`riposte dev runs its own server, and a Temporal address is configured (${cfg.temporal.address}: TEMPORAL_ADDRESS, temporal.address or a Temporal profile); unset it, or use \`riposte worker\` against your cluster`);
    const env = await temporalEnvironment(cfg, { log: say, announce: true });
    if (!env.embedded) throw new CliError(`\`riposte dev\` already runs for this data directory (Temporal at ${env.address}); stop it first or use \`riposte worker\``);
    logger.info({ event: 'temporal.started', address: env.address, uiUrl: env.uiUrl }, `Temporal server ${env.address}, UI ${env.uiUrl}`);
    logger.info({ event: 'worker.started', taskQueue: cfg.temporal.taskQueue, namespace: cfg.temporal.namespace }, `worker polling task queue "${cfg.temporal.taskQueue}"`);
    // On the worker's connection, so the intake API's runs start eagerly on this process's worker.
    const client = await connectClient(cfg, env.address, env.workerConnection);
    const store = await Store.open(cfg.storeUrl);
    try {
      await syncAndPrint(client, cfg, env.uiUrl, false, { logger });
      await serveApi(cfg, client, store, env.uiUrl, logger, (address) => {
        logger.info({ event: 'api.listening', address }, `intake API on ${address} (OpenAPI at ${address}/openapi.json)`);
        if (cfg.api.tokens.length === 0) logger.warn({ event: 'api.no_tokens' }, 'no tokens configured (api.tokens), so every call is refused');
        logger.info({ event: 'console.listening', address: `${address}/console` }, `chain console on ${address}/console (a token with the "console" scope)`);
        logger.info('Ctrl-C to stop');
      });
    } finally {
      if (!env.workerConnection) await client.connection.close();
      await store.close();
      await env.close();
    }
  });

program
  .command('worker')
  .description('a worker only, for a real cluster (TEMPORAL_ADDRESS)')
.option('--task-queue <name>', 'task queue to poll (default from configuration)')
  .option('--host <name>', 'run as the script executor for steps with this "host": poll its task queue and run only script.run')
  .addOption(logFormatOption())
  .action(async (opts: { taskQueue?: string; host?: string; logFormat?: LogFormat }) => {
    const cfg = config();
    const logger = serviceLogger(cfg, 'worker', opts.logFormat);
    if (!cfg.temporal.address) throw new CliError('set TEMPORAL_ADDRESS (or temporal.address in riposte.config.json, or TEMPORAL_PROFILE for a Temporal profile) to the cluster to poll; `riposte dev` runs an embedded one');
    quietRuntime({ metricsAddress: cfg.metricsAddress, logLevel: cfg.logLevel });
    if (opts.host) {
      if (opts.taskQueue) throw new CliError('give --host or --task-queue, not both');
      const connection = await connectWorker(cfg, cfg.temporal.address);
      const hostWorker = await createScriptHostWorker({ config: cfg, connection, host: opts.host });
      logger.info({ event: 'worker.started', host: opts.host, taskQueue: hostWorker.options.taskQueue, address: cfg.temporal.address }, `script executor "${opts.host}" polling "${hostWorker.options.taskQueue}" on ${cfg.temporal.address}; scripts in ${cfg.scripts.dir}`);
      const hostRunning = hostWorker.run();
      await Promise.race([waitForSignal(), hostRunning]);
      // The SDK already starts draining on SIGINT/SIGTERM; a second shutdown would throw.
      if (hostWorker.getState() === 'RUNNING') hostWorker.shutdown();
      await hostRunning;
      await connection.close();
      return;
    }
    if (cfg.metricsAddress) logger.info({ event: 'metrics.listening', address: cfg.metricsAddress }, `Prometheus metrics on http://${cfg.metricsAddress}/metrics`);
    const store = await Store.open(cfg.storeUrl);
    const connection = await connectWorker(cfg, cfg.temporal.address);
    const worker = await createWorker({ config: cfg, connection, store, taskQueue: opts.taskQueue });
    const taskQueue = opts.taskQueue ?? cfg.temporal.taskQueue;
    logger.info({ event: 'worker.started', taskQueue, namespace: cfg.temporal.namespace, address: cfg.temporal.address }, `worker polling "${taskQueue}" on ${cfg.temporal.address} (namespace ${cfg.temporal.namespace}); Ctrl-C to stop`);
    const running = worker.run();
    const retention = await startConfiguredRetention(cfg, store, connection, logger);
    await Promise.race([waitForSignal(), running]);
    await retention.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await store.close();
    await connection.close();
  });

const incidents = program.command('incidents').description('read incidents from the store');
incidents
  .command('list')
  .option('--json', 'print a JSON array')
  .option('--limit <n>', 'how many, newest first', '50')
  .action(async (opts: { json?: boolean; limit: string }) => {
    const limit = intFlag('--limit', opts.limit, { min: 1, max: 100_000 });
    const store = await Store.open(config().storeUrl);
    const rows = await store.listIncidents({ limit });
    await store.close();
    if (opts.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log('no incidents');
    else for (const i of rows) console.log(`${i.incident_id}\t${i.severity}\t${i.status}\t${i.created_at}\t${i.title}`);
  });

program
  .command('docs')
  .description('documents of an index (mitre, risk, or one that events.index wrote)')
  .argument('<index>')
  .option('--json', 'print a JSON array')
  .option('--limit <n>', 'how many, newest first', '50')
  .action(async (index: string, opts: { json?: boolean; limit: string }) => {
    const limit = intFlag('--limit', opts.limit, { min: 1, max: 100_000 });
    const store = await Store.open(config().storeUrl);
    const rows = await store.listDocuments(index, { limit });
    await store.close();
    if (opts.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log(`no documents in index "${index}"`);
    else for (const d of rows) console.log(JSON.stringify(d));
  });

program
  .command('api')
  .description('the intake API only (port from api.listen, default 127.0.0.1:8088), against TEMPORAL_ADDRESS or a running `riposte dev`')
  .addOption(logFormatOption())
  .action(async (opts: { logFormat?: LogFormat }) => {
    const cfg = config();
    const logger = serviceLogger(cfg, 'api', opts.logFormat);
    const env = await temporalEnvironment(cfg, { log: (line) => logger.info(line) });
    // With its own embedded server and worker, on the worker's connection (eager starts).
    const client = await connectClient(cfg, env.address, env.workerConnection);
    const store = await Store.open(cfg.storeUrl);
    try {
      await serveApi(cfg, client, store, env.uiUrl, logger, (address) => {
        logger.info({ event: 'api.listening', address, temporal: env.address }, `intake API on ${address} (OpenAPI at ${address}/openapi.json), Temporal at ${env.address}; Ctrl-C to stop`);
        if (cfg.api.tokens.length === 0) logger.warn({ event: 'api.no_tokens' }, 'no tokens configured (api.tokens in riposte.config.json): every call is refused');
      });
    } finally {
      if (!env.workerConnection) await client.connection.close();
      await store.close();
      await env.close();
    }
  });

const schedules = program.command('schedules').description('Temporal Schedules of the scheduled jobs');
schedules
  .command('sync')
  .description('make the Temporal Schedules match the chain files of the jobs directory and print what changed')
  .option('--dry-run', 'print what would change; change nothing')
  .option('--json', 'print the changes as a JSON array of { change, scheduleId, detail }')
  .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
    const cfg = config();
    const dev = cfg.temporal.address ? undefined : await runningDev(cfg);
    const address = cfg.temporal.address ?? dev?.address;
    if (!address) throw new CliError('no Temporal server: set TEMPORAL_ADDRESS, or start `riposte dev` (which syncs the schedules itself)');
    const client = await connectClient(cfg, address);
    try {
      const uiUrl = cfg.temporal.uiUrl ?? dev?.uiUrl;
      const ok = await syncAndPrint(client, cfg, uiUrl, opts.dryRun === true, { json: opts.json === true });
      if (!ok) process.exitCode = 1;
    } finally {
      await client.connection.close();
    }
  });

/** Serves the intake API until Ctrl-C; `announce` gets the address it listens on. */
async function serveApi(cfg: Config, client: Awaited<ReturnType<typeof connectClient>>, store: Store, uiUrl: string | undefined, logger: Logger, announce: (address: string) => void): Promise<void> {
  const app = await createApi({ config: cfg, client, store, uiUrl, logger });
  announce(await listenApi(app, cfg.api.listen));
  await waitForSignal();
  await app.close();
}

/** `--log-format` of the long-running commands. */
function logFormatOption(): Option {
  return new Option('--log-format <format>', 'json (one JSON line per event) or pretty (readable); default: pretty on a terminal, json otherwise').choices(['json', 'pretty']);
}

/** The logger of a long-running command, at the configured logLevel, writing to standard error. */
function serviceLogger(cfg: Config, command: string, format: LogFormat | undefined): Logger {
  return configureLogging({ level: cfg.logLevel, format, command });
}

/**
 * Syncs the schedules, printing each change (as log events for `riposte dev`); false when some job
 * file does not validate or a schedule was skipped.
 */
async function syncAndPrint(client: Awaited<ReturnType<typeof connectClient>>, cfg: Config, uiUrl: string | undefined, dryRun: boolean, out: { json?: boolean; logger?: Logger } = {}): Promise<boolean> {
  const catalog = loadJobs(cfg);
  for (const bad of catalog.invalid) {
    for (const p of bad.problems) {
      if (out.logger) out.logger.warn({ event: 'job.invalid', file: bad.file, path: p.path }, `${bad.file}: ${p.path || '(root)'}: ${p.message}`);
      else log(`${bad.file}: ${p.path || '(root)'}: ${p.message}`);
    }
  }
  const changes = await syncSchedules(client, cfg, catalog, { dryRun, uiUrl });
  if (out.json) console.log(JSON.stringify(changes, null, 2));
  else {
    for (const line of formatChanges(changes, dryRun)) {
      if (out.logger) out.logger.info({ event: 'schedule.synced' }, line);
      else console.log(line);
    }
  }
  return catalog.invalid.length === 0 && !changes.some((c) => c.change === 'skipped');
}

program
  .command('graph')
  .description('print a chain as a Mermaid flowchart: steps, mode, when, onError, throttle and the jobs job.run starts')
  .argument('<chain>', 'a chain file, or the name of a job of the jobs directory')
  .action((file: string) => {
    const cfg = config();
    if (file !== '-' && !fs.existsSync(file)) {
      const job = loadJobs(cfg).jobs.get(file);
      if (job) {
        process.stdout.write(chainGraph(job.chain));
        return;
      }
    }
    // A picture needs a well-formed chain, not this installation's connections and jobs.
    const text = readText(file);
    const result = validateChainText(text);
    if (!result.ok) throw new CliError(locateProblems(file, text, result.problems).map(formatProblem).join('\n'));
    process.stdout.write(chainGraph(result.chain));
  });

program
  .command('schema')
  .description('print the chain JSON Schema (schema/chain.schema.json), or with --config the riposte.config.json one')
  .option('--config', 'the JSON Schema of riposte.config.json (schema/config.schema.json)')
  .action((opts: { config?: boolean }) => {
    console.log(JSON.stringify(opts.config ? configJsonSchema() : chainJsonSchema(), null, 2));
  });

const secret = program.command('secret').description('manage encrypted values');
secret
  .command('encrypt')
  .description('encrypt a value (from stdin) into an enc:v1: value with the master key (RIPOSTE_MASTER_KEY)')
  .action(() => {
    const value = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    console.log(encryptSecret(value, masterKey()));
  });

const script = program.command('script').description('registered scripts for script.run');
script
  .command('add')
  .description('copy FILE into the scripts directory as NAME, with Windows CR characters stripped')
  .argument('<name>')
  .argument('<file>')
  .action((name: string, file: string) => {
    try {
      log(addScript(config(), name, file));
    } catch (err) {
      throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
  });
script
  .command('test')
  .description('run a registered script with sample arguments in the sandbox; print its output and exit code')
  .argument('<name>')
  .option('--arg <value>', 'an argument, in order (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--interpreter <name>', 'interpreter (default: from the extension or the #! line)')
  .option('--timeout <duration>', 'time limit, e.g. 10s')
  .option('--json', 'print as JSON')
  .action(async (name: string, opts: { arg: string[]; interpreter?: string; timeout?: string; json?: boolean }) => {
    let report;
    try {
      report = await testScript(config(), name, { args: opts.arg, interpreter: opts.interpreter, timeout: opts.timeout });
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    if (opts.json) console.log(JSON.stringify(report, null, 2));
    else {
      if (report.error) console.log(`error: ${report.error}`);
      else {
        console.log(`exit code: ${report.timedOut ? 'none (killed at the time limit)' : report.exitCode}${report.sandboxed ? '' : ' (NOT sandboxed)'}`);
        console.log(`stdout:\n${report.stdout}${report.stdout.endsWith('\n') || !report.stdout ? '' : '\n'}stderr:\n${report.stderr}${report.truncated ? '\n(output cut at the limit)' : ''}`);
      }
    }
    if (report.error || report.exitCode !== 0) process.exitCode = 1;
  });

program
  .command('codec-server')
  .description('serve /encode and /decode for the Temporal UI, so it shows encrypted payloads decrypted')
  .option('--port <n>', 'port on 127.0.0.1 (default temporal.codecServer.port, 8234)')
  .action(async (opts: { port?: string }) => {
    const cfg = config();
    let server;
    try {
      server = await startConfiguredCodecServer(cfg, opts.port !== undefined ? intFlag('--port', opts.port, { min: 0, max: 65_535 }) : undefined);
    } catch (err) {
      throw new CliError(`codec server: ${(err as Error).message}`);
    }
    log(`Codec server on ${server.url} for ${cfg.temporal.codecServer.origins.join(', ')}${cfg.temporal.codecServer.token ? ' (bearer token required)' : ' (open: no token required)'}. Ctrl-C to stop.`);
    await waitForSignal();
    await server.close();
  });

program
  .command('example')
  .description('run the example chain end to end on the embedded server (what `npm start` does)')
  .addOption(new Option('--exit', 'exit after the run instead of keeping the UI up'))
  .action(async (opts: { exit?: boolean }) => {
    const cfg = config();
    const keepUi = !opts.exit && process.stdout.isTTY === true;
    await runExample(cfg, path.join(__dirname, '..', '..', 'examples'), { log, keepUi, waitForSignal });
  });

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

addTriggerCommands(program);
addApprovalCommands(program);
addOperatorCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof UserError || err instanceof TemporalNotFoundError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`riposte: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exitCode = 1;
});
