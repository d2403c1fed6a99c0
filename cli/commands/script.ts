// `riposte script add|test`: registered scripts for script.run.
import type { Command } from 'commander';
import { CliError } from '../cli-error';
import { addScript, testScript } from '../script';
import type { CliContext } from '../context';

export function registerScript(program: Command, ctx: CliContext): void {
  const { config, log } = ctx;
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
}
