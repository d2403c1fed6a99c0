// `riposte worker`: a worker for a real cluster, or with --host a script executor.
import type { Command } from 'commander';
import type { LogFormat } from '../../config/log';
import { Store } from '../../store/store';
import { connectWorker, createWorker, quietRuntime } from '../../worker/worker';
import { createScriptHostWorker } from '../../worker/script-host';
import { startConfiguredRetention } from '../../worker/retention';
import { CliError } from '../cli-error';
import { logFormatOption, serviceLogger } from '../services';
import type { CliContext } from '../context';

export function registerWorker(program: Command, ctx: CliContext): void {
  const { config, waitForSignal } = ctx;
  program
    .command('worker')
    .description('a worker only, for a real cluster (TEMPORAL_ADDRESS)')
  .option('--task-queue <name>', 'task queue to poll (default from configuration)')
    .option('--host <name>', 'run as the script executor for steps with this "host": poll its task queue and run only script.run')
    .addOption(logFormatOption())
    .action(async (opts: { taskQueue?: string; host?: string; logFormat?: LogFormat }) => {
      const cfg = config();
      const logger = serviceLogger(cfg, 'worker', opts.logFormat);
      if (!cfg.temporal.address) throw new CliError('set TEMPORAL_ADDRESS (or temporal.address in riposte.config.json, or TEMPORAL_PROFILE for a Temporal profile) to the cluster to poll; `riposte dev` runs an embedded one');
      quietRuntime({ metricsAddress: cfg.metricsAddress, logLevel: cfg.logLevel });
      if (opts.host) {
        if (opts.taskQueue) throw new CliError('give --host or --task-queue, not both');
        const connection = await connectWorker(cfg, cfg.temporal.address);
        const hostWorker = await createScriptHostWorker({ config: cfg, connection, host: opts.host });
        logger.info({ event: 'worker.started', host: opts.host, taskQueue: hostWorker.options.taskQueue, address: cfg.temporal.address }, `script executor "${opts.host}" polling "${hostWorker.options.taskQueue}" on ${cfg.temporal.address}; scripts in ${cfg.scripts.dir}`);
        const hostRunning = hostWorker.run();
        await Promise.race([waitForSignal(), hostRunning]);
        // The SDK already starts draining on SIGINT/SIGTERM; a second shutdown would throw.
        if (hostWorker.getState() === 'RUNNING') hostWorker.shutdown();
        await hostRunning;
        await connection.close();
        return;
      }
      if (cfg.metricsAddress) logger.info({ event: 'metrics.listening', address: cfg.metricsAddress }, `Prometheus metrics on http://${cfg.metricsAddress}/metrics`);
      const store = await Store.open(cfg.storeUrl);
      const connection = await connectWorker(cfg, cfg.temporal.address);
      const worker = await createWorker({ config: cfg, connection, store, taskQueue: opts.taskQueue });
      const taskQueue = opts.taskQueue ?? cfg.temporal.taskQueue;
      logger.info({ event: 'worker.started', taskQueue, namespace: cfg.temporal.namespace, address: cfg.temporal.address }, `worker polling "${taskQueue}" on ${cfg.temporal.address} (namespace ${cfg.temporal.namespace}); Ctrl-C to stop`);
      const running = worker.run();
      const retention = await startConfiguredRetention(cfg, store, connection, logger);
      await Promise.race([waitForSignal(), running]);
      await retention.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await store.close();
      await connection.close();
    });
}
