// `riposte validate`: every problem of each chain file, with its position.
import type { Command } from 'commander';
import { validateChainText } from '../../dsl';
import { installationContext } from '../../config/jobs';
import { databaseTableProblems } from '../../activities';
import { formatProblem, locateProblems } from '../../api/problem-positions';
import { readText } from '../inputs';
import type { CliContext } from '../context';

export function registerValidate(program: Command, ctx: CliContext): void {
  const { config, log } = ctx;
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
}
