// `riposte incidents list`: incidents of the store.
import type { Command } from 'commander';
import { Store } from '../../store/store';
import { intFlag } from '../cli-error';
import type { CliContext } from '../context';

export function registerIncidents(program: Command, ctx: CliContext): void {
  const { config } = ctx;
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
}
