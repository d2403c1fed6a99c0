// `riposte test`: the dry run, what every step would send, byte for byte.
import type { Command } from 'commander';
import fs from 'node:fs';
import { insightView } from '../../dsl';
import { Store } from '../../store/store';
import { parseEvent } from '../../control/events';
import { dryRun, formatDryRun } from '../../activities';
import { CliError } from '../cli-error';
import { loadChain, loadResults, parseParams, readText } from '../inputs';
import type { CliContext } from '../context';

export function registerTest(program: Command, ctx: CliContext): void {
  const { config } = ctx;
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
}
