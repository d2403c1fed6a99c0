// `riposte run`: start a run of a chain, and with --wait follow it to its end.
import type { Command } from 'commander';
import { Store } from '../../store/store';
import { connectClient, readRun, runUrl, startRun, type RunReport } from '../../control/client';
import { watchProgress } from '../../control/progress';
import { databaseTableProblems } from '../../activities';
import { formatProblem, locateProblems } from '../../api/problem-positions';
import { CliError } from '../cli-error';
import { temporalEnvironment } from '../environment';
import { printReport } from '../output';
import { loadChain, loadResults, parseParams, readText } from '../inputs';
import type { CliContext } from '../context';

export function registerRun(program: Command, ctx: CliContext): void {
  const { config, log } = ctx;
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
          const report = { ...(await readRun(handle, { wait: true, store }).finally(() => progress.stop())), ...(url ? { url } : {}) };
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
}
