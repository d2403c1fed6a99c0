// `riposte dev`: embedded Temporal server, a worker and the intake API, until Ctrl-C.
import type { Command } from 'commander';
import type { LogFormat } from '../../config/log';
import { Store } from '../../store/store';
import { connectClient } from '../../control/client';
import { CliError } from '../cli-error';
import { temporalEnvironment } from '../environment';
import { logFormatOption, serveApi, serviceLogger, syncAndPrint } from '../services';
import type { CliContext } from '../context';

export function registerDev(program: Command, ctx: CliContext): void {
  const { config } = ctx;
  program
    .command('dev')
    .description('embedded Temporal server with its UI, a worker and the intake API, until Ctrl-C; syncs the schedules at start; state kept under .riposte/')
    .addOption(logFormatOption())
    .action(async (opts: { logFormat?: LogFormat }) => {
      const cfg = config();
      const logger = serviceLogger(cfg, 'dev', opts.logFormat);
      const say = (line: string) => logger.info(line);
      if (cfg.temporal.address) throw new CliError(`riposte dev runs its own server, and a Temporal address is configured (${cfg.temporal.address}: TEMPORAL_ADDRESS, temporal.address or a Temporal profile); unset it, or use \`riposte worker\` against your cluster`);
      const env = await temporalEnvironment(cfg, { log: say, announce: true });
      if (!env.embedded) throw new CliError(`\`riposte dev\` already runs for this data directory (Temporal at ${env.address}); stop it first or use \`riposte worker\``);
      logger.info({ event: 'temporal.started', address: env.address, uiUrl: env.uiUrl }, `Temporal server ${env.address}, UI ${env.uiUrl}`);
      logger.info({ event: 'worker.started', taskQueue: cfg.temporal.taskQueue, namespace: cfg.temporal.namespace }, `worker polling task queue "${cfg.temporal.taskQueue}"`);
      // On the worker's connection, so the intake API's runs start eagerly on this process's worker.
      const client = await connectClient(cfg, env.address, env.workerConnection);
      const store = await Store.open(cfg.storeUrl);
      try {
        await syncAndPrint(client, cfg, env.uiUrl, false, { logger });
        await serveApi(cfg, client, store, env.uiUrl, logger, (address) => {
          logger.info({ event: 'api.listening', address }, `intake API on ${address} (OpenAPI at ${address}/openapi.json)`);
          if (cfg.api.tokens.length === 0) logger.warn({ event: 'api.no_tokens' }, 'no tokens configured (api.tokens), so every call is refused');
          logger.info({ event: 'console.listening', address: `${address}/console` }, `chain console on ${address}/console (a token with the "console" scope)`);
          logger.info('Ctrl-C to stop');
        });
      } finally {
        if (!env.workerConnection) await client.connection.close();
        await store.close();
        await env.close();
      }
    });
}
