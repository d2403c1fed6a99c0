// `riposte codec-server`: /encode and /decode for the Temporal UI.
import type { Command } from 'commander';
import { startConfiguredCodecServer } from '../../api/codec-server';
import { CliError, intFlag } from '../cli-error';
import type { CliContext } from '../context';

export function registerCodecServer(program: Command, ctx: CliContext): void {
  const { config, log, waitForSignal } = ctx;
  program
    .command('codec-server')
    .description('serve /encode and /decode for the Temporal UI, so it shows encrypted payloads decrypted')
    .option('--port <n>', 'port on 127.0.0.1 (default temporal.codecServer.port, 8234)')
    .action(async (opts: { port?: string }) => {
      const cfg = config();
      let server;
      try {
        server = await startConfiguredCodecServer(cfg, opts.port !== undefined ? intFlag('--port', opts.port, { min: 0, max: 65_535 }) : undefined);
      } catch (err) {
        throw new CliError(`codec server: ${(err as Error).message}`);
      }
      log(`Codec server on ${server.url} for ${cfg.temporal.codecServer.origins.join(', ')}${cfg.temporal.codecServer.token ? ' (bearer token required)' : ' (open: no token required)'}. Ctrl-C to stop.`);
      await waitForSignal();
      await server.close();
    });
}
