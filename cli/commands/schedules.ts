// `riposte schedules sync`: Temporal Schedules matched to the jobs directory.
import type { Command } from 'commander';
import { connectClient } from '../../control/client';
import { CliError } from '../cli-error';
import { runningDev } from '../environment';
import { syncAndPrint } from '../services';
import type { CliContext } from '../context';

export function registerSchedules(program: Command, ctx: CliContext): void {
  const { config } = ctx;
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
}
