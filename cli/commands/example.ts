// `riposte example`: the example chain end to end on the embedded server.
import path from 'node:path';
import { Option, type Command } from 'commander';
import { runExample } from '../example';
import type { CliContext } from '../context';

export function registerExample(program: Command, ctx: CliContext): void {
  const { config, log, packageRoot, waitForSignal } = ctx;
  program
    .command('example')
    .description('run the example chain end to end on the embedded server (what `npm start` does)')
    .addOption(new Option('--exit', 'exit after the run instead of keeping the UI up'))
    .action(async (opts: { exit?: boolean }) => {
      const cfg = config();
      const keepUi = !opts.exit && process.stdout.isTTY === true;
      await runExample(cfg, path.join(packageRoot, 'examples'), { log, keepUi, waitForSignal });
    });
}
