// `riposte graph`: a chain as a Mermaid flowchart.
import type { Command } from 'commander';
import fs from 'node:fs';
import { validateChainText } from '../../dsl';
import { loadJobs } from '../../config/jobs';
import { chainGraph } from '../../api/chain-graph';
import { formatProblem, locateProblems } from '../../api/problem-positions';
import { CliError } from '../cli-error';
import { readText } from '../inputs';
import type { CliContext } from '../context';

export function registerGraph(program: Command, ctx: CliContext): void {
  const { config } = ctx;
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
}
