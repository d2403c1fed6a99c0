// The operator commands: runs list/show/cancel/retry, connection test, actions list/show.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { Store } from '../store/store';
import { loadConfig, type Config } from '../config/config';
import { connectClient, readRun, runUrl } from '../control/client';
import { loadJobs } from '../config/jobs';
import { watchProgress } from '../control/progress';
import { actionInfo, formatAction, listActions } from './actions';
import { CliError, intFlag, sinceFlag } from './cli-error';
import { testConnection } from '../activities';
import { temporalEnvironment } from './environment';
import { printReport } from './output';
import { cancelRun, listRuns, retryRun, showRun, type RunShowReport } from '../control/runs';

const log = (line: string) => process.stderr.write(`${line}\n`);

interface TemporalContext {
  client: Client;
  cfg: Config;
  uiUrl?: string;
  /** True when this process runs the server (and a worker): what it starts must finish before it exits. */
  embedded: boolean;
}

/** Runs `work` against Temporal: TEMPORAL_ADDRESS, the running `riposte dev`, or the embedded server on the data directory. */
async function withTemporal<T>(options: { worker: boolean }, work: (t: TemporalContext) => Promise<T>): Promise<T> {
  const cfg = loadConfig();
  const env = await temporalEnvironment(cfg, { log, worker: options.worker });
  try {
    let client: Client;
    try {
      client = await connectClient(cfg, env.address);
    } catch (err) {
      throw new CliError(`cannot reach Temporal at ${env.address}: ${(err as Error).message}; check TEMPORAL_ADDRESS, or start \`riposte dev\``);
    }
    try {
      return await work({ client, cfg, uiUrl: env.uiUrl, embedded: env.embedded });
    } finally {
      await client.connection.close();
    }
  } finally {
    await env.close();
  }
}

async function withStore<T>(cfg: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(cfg.storeUrl);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function printShow(report: RunShowReport): void {
  console.log(`run ${report.runId}${report.job ? ` (${report.job})` : ''}: ${report.status}`);
  console.log(`  started ${report.startedAt}${report.closedAt ? `, ended ${report.closedAt}` : ''}${report.retryOf ? `; retries ${report.retryOf}` : ''}`);
  if (report.noResults) console.log('  the search found no results; the chain did not run');
  if (report.skipped) console.log(`  the chain did not run: ${report.skipped}`);
  const width = Math.max(0, ...Object.keys(report.steps).map((id) => id.length));
  for (const [id, s] of Object.entries(report.steps)) {
    const count = s.outputs ? ` (${s.outputs.length} result${s.outputs.length === 1 ? '' : 's'})` : '';
    const tries = s.executions ? `  ${s.attempts} attempt${s.attempts === 1 ? '' : 's'} over ${s.executions} execution${s.executions === 1 ? '' : 's'}${s.pending ? `, ${s.pending} pending` : ''}` : '';
    console.log(`  ${id.padEnd(width)}  ${s.status}${count}${tries}`);
    if (s.error) console.log(`  ${' '.repeat(width)}  error: ${s.error}`);
    if (s.lastFailure && s.lastFailure !== s.error) console.log(`  ${' '.repeat(width)}  last failure: ${s.lastFailure}`);
  }
  if (report.error && report.status !== 'completed') console.log(`error: ${report.error}`);
  if (report.url) console.log(`UI: ${report.url}`);
}

/** Adds `runs`, `connection` and `actions` to the command line. */
export function addOperatorCommands(program: Command): void {
  const runs = program.command('runs').description("runs of chains, from Temporal's visibility: list, show, cancel, retry");
  runs
    .command('list')
    .description('runs, newest first')
    .option('--job <name>', 'only runs of this job (chain name)')
    .option('--status <status>', 'only runs in this state: running, completed, failed, cancelled, timed_out')
    .option('--since <when>', 'only runs started since: a duration back from now (30m, 1h, 2d) or an ISO 8601 time')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print a JSON array')
    .action(async (opts: { job?: string; status?: string; since?: string; limit: string; json?: boolean }) => {
      const limit = intFlag('--limit', opts.limit, { min: 1, max: 10_000 });
      const since = opts.since !== undefined ? sinceFlag(opts.since) : undefined;
      const rows = await withTemporal({ worker: false }, ({ client, cfg, uiUrl }) =>
        listRuns(client, cfg.temporal.namespace, uiUrl, { limit, ...(opts.job !== undefined ? { job: opts.job } : {}), ...(opts.status !== undefined ? { status: opts.status } : {}), ...(since ? { since } : {}) }),
      );
      if (opts.json) console.log(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) console.log('no runs');
      else for (const r of rows) console.log([r.runId, r.job ?? '-', r.status, r.startedAt, r.trigger ?? '-', r.retryOf ? `retries ${r.retryOf}` : ''].join('\t').trimEnd());
    });

  runs
    .command('show')
    .description('a run as `riposte run --json` prints it, with each step\'s attempts and last failure')
    .argument('<run>', 'the run id (workflow id) riposte printed')
    .option('--json', 'print as JSON')
    .action(async (run: string, opts: { json?: boolean }) => {
      const report = await withTemporal({ worker: false }, ({ client, cfg, uiUrl }) => withStore(cfg, (store) => showRun(client, run, { uiUrl, namespace: cfg.temporal.namespace, store })));
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else printShow(report);
    });

  runs
    .command('cancel')
    .description('cancel a running run; it ends with status cancelled')
    .argument('<run>')
    .option('--json', 'print the ended run as JSON')
    .action(async (run: string, opts: { json?: boolean }) => {
      const report = await withTemporal({ worker: true }, async ({ client, cfg, uiUrl }) => {
        const ended = await cancelRun(client, run);
        const handle = client.workflow.getHandle(run);
        const url = runUrl(uiUrl, cfg.temporal.namespace, run, (await handle.describe()).runId);
        return { ...ended, ...(url ? { url } : {}) };
      });
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else console.log(`run ${report.runId}: ${report.status}${report.url ? `\nUI: ${report.url}` : ''}`);
      if (report.status !== 'cancelled') process.exitCode = 1;
    });

  runs
    .command('retry')
    .description('run a failed run again from its first failed step (or --from STEP); the steps before it keep their outcome and are not repeated')
    .argument('<run>')
    .option('--from <step>', 'the step to run again from (the steps before it must have run)')
    .option('--wait', 'wait for the new run and print each step')
    .option('--json', 'print the new run as JSON')
    .action(async (run: string, opts: { from?: string; wait?: boolean; json?: boolean }) => {
      await withTemporal({ worker: true }, async ({ client, cfg, uiUrl, embedded }) => {
        const retry = await retryRun(client, run, { ...(opts.from !== undefined ? { from: opts.from } : {}), uiUrl });
        const { handle } = retry;
        const url = runUrl(uiUrl, cfg.temporal.namespace, handle.workflowId, handle.firstExecutionRunId);
        const carried = retry.carried.length ? `; carried over: ${retry.carried.join(', ')}` : '';
        if (!opts.wait && !embedded) {
          const report = { runId: handle.workflowId, status: 'running', retryOf: run, fromStep: retry.fromStep, ...(url ? { url } : {}), steps: {} };
          console.log(opts.json ? JSON.stringify(report, null, 2) : `started ${handle.workflowId}, retrying ${run} from step "${retry.fromStep}"${carried}${url ? `\n${url}` : ''}`);
          return;
        }
        // An embedded server lives only as long as this process: wait for the run.
        if (!opts.json) log(`started ${handle.workflowId}, retrying ${run} from step "${retry.fromStep}"${carried}${url ? `: ${url}` : ''}`);
        const progress = watchProgress(handle, log);
        const report = await withStore(cfg, (store) => readRun(handle, { wait: true, store })).finally(() => progress.stop());
        const full = { ...report, retryOf: run, fromStep: retry.fromStep, ...(url ? { url } : {}) };
        if (opts.json) console.log(JSON.stringify(full, null, 2));
        else printReport(full, retry.chain);
        if (report.status !== 'completed') process.exitCode = 1;
      });
    });

  const connection = program.command('connection').description('configured connections');
  connection
    .command('test')
    .description('check a connection without sending a notification: SMTP greeting and login, HTTP reachability and TLS, database login, AWS identity, API reachability')
    .argument('<name>')
    .option('--action <action>', 'for an apikey connection without url: the action whose vendor API to reach')
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { action?: string; json?: boolean }) => {
      const cfg = loadConfig();
      const chains = [...loadJobs(cfg).jobs.values()].map((j) => j.chain);
      const report = await testConnection(cfg, name, { chains, ...(opts.action !== undefined ? { action: opts.action } : {}) });
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else {
        console.log(`connection ${report.connection} (${report.type}): ${report.ok ? 'ok' : 'FAILED'}`);
        for (const c of report.checks) console.log(`  ${c.ok ? 'ok    ' : 'FAILED'}  ${c.check}: ${c.detail}`);
      }
      if (!report.ok) process.exitCode = 1;
    });

  const actions = program.command('actions').description('the action catalogue: parameters, defaults, outputs');
  actions
    .command('list')
    .description('every action with its summary')
    .option('--json', 'print a JSON array (each action as `actions show --json` prints it)')
    .action((opts: { json?: boolean }) => {
      const all = listActions();
      if (opts.json) console.log(JSON.stringify(all, null, 2));
      else {
        const width = Math.max(...all.map((a) => a.action.length));
        for (const a of all) console.log(`${a.action.padEnd(width)}  ${a.summary}`);
      }
    });
  actions
    .command('show')
    .description("an action's parameters (types, defaults, required), connection, retry policy and outputs")
    .argument('<action>')
    .option('--json', 'print as JSON')
    .action((name: string, opts: { json?: boolean }) => {
      const info = actionInfo(name);
      if (opts.json) console.log(JSON.stringify(info, null, 2));
      else for (const line of formatAction(info)) console.log(line);
    });
}

