// `riposte docs`: documents of an index of the store.
import type { Command } from 'commander';
import { Store } from '../../store/store';
import { intFlag } from '../cli-error';
import type { CliContext } from '../context';

export function registerDocs(program: Command, ctx: CliContext): void {
  const { config } = ctx;
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
}
