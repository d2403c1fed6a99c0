// `riposte schema`: the chain or configuration JSON Schema.
import type { Command } from 'commander';
import { chainJsonSchema } from '../../dsl';
import { configJsonSchema } from '../../config/config-schema';
import type { CliContext } from '../context';

export function registerSchema(program: Command, _ctx: CliContext): void {
  program
    .command('schema')
    .description('print the chain JSON Schema (schema/chain.schema.json), or with --config the riposte.config.json one')
    .option('--config', 'the JSON Schema of riposte.config.json (schema/config.schema.json)')
    .action((opts: { config?: boolean }) => {
      console.log(JSON.stringify(opts.config ? configJsonSchema() : chainJsonSchema(), null, 2));
    });
}
