// `riposte api`: the intake API only.
import type { Command } from 'commander';
import type { LogFormat } from '../../config/log';
import { Store } from '../../store/store';
import { connectClient } from '../../control/client';
import { temporalEnvironment } from '../environment';
import { logFormatOption, serveApi, serviceLogger } from '../services';
import type { CliContext } from '../context';

export function registerApi(program: Command, ctx: CliContext): void {
  const { config } = ctx;
  program
    .command('api')
    .description('the intake API only (port from api.listen, default 127.0.0.1:8088), against TEMPORAL_ADDRESS or a running `riposte dev`')
    .addOption(logFormatOption())
    .action(async (opts: { logFormat?: LogFormat }) => {
      const cfg = config();
      const logger = serviceLogger(cfg, 'api', opts.logFormat);
      const env = await temporalEnvironment(cfg, { log: (line) => logger.info(line) });
      // With its own embedded server and worker, on the worker's connection (eager starts).
      const client = await connectClient(cfg, env.address, env.workerConnection);
      const store = await Store.open(cfg.storeUrl);
      try {
        await serveApi(cfg, client, store, env.uiUrl, logger, (address) => {
          logger.info({ event: 'api.listening', address, temporal: env.address }, `intake API on ${address} (OpenAPI at ${address}/openapi.json), Temporal at ${env.address}; Ctrl-C to stop`);
          if (cfg.api.tokens.length === 0) logger.warn({ event: 'api.no_tokens' }, 'no tokens configured (api.tokens in riposte.config.json): every call is refused');
        });
      } finally {
        if (!env.workerConnection) await client.connection.close();
        await store.close();
        await env.close();
      }
    });
}
