// What the long-running commands share: --log-format, their logger, the intake API until Ctrl-C, the schedules sync.
import { Option } from 'commander';
import type { Config } from '../config/config';
import { loadJobs } from '../config/jobs';
import { configureLogging, type LogFormat, type Logger } from '../config/log';
import type { Store } from '../store/store';
import type { connectClient } from '../control/client';
import { formatChanges, syncSchedules } from '../control/schedules';
import { createApi, listenApi } from '../api/api';
import { log, waitForSignal } from './context';

/** Serves the intake API until Ctrl-C; `announce` gets the address it listens on. */
export async function serveApi(cfg: Config, client: Awaited<ReturnType<typeof connectClient>>, store: Store, uiUrl: string | undefined, logger: Logger, announce: (address: string) => void): Promise<void> {
  const app = await createApi({ config: cfg, client, store, uiUrl, logger });
  announce(await listenApi(app, cfg.api.listen));
  await waitForSignal();
  await app.close();
}

/** `--log-format` of the long-running commands. */
export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'json (one JSON line per event) or pretty (readable); default: pretty on a terminal, json otherwise').choices(['json', 'pretty']);
}

/** The logger of a long-running command, at the configured logLevel, writing to standard error. */
export function serviceLogger(cfg: Config, command: string, format: LogFormat | undefined): Logger {
  return configureLogging({ level: cfg.logLevel, format, command });
}

/**
 * Syncs the schedules, printing each change (as log events for `riposte dev`); false when some job
 * file does not validate or a schedule was skipped.
 */
export async function syncAndPrint(client: Awaited<ReturnType<typeof connectClient>>, cfg: Config, uiUrl: string | undefined, dryRun: boolean, out: { json?: boolean; logger?: Logger } = {}): Promise<boolean> {
  const catalog = loadJobs(cfg);
  for (const bad of catalog.invalid) {
    for (const p of bad.problems) {
      if (out.logger) out.logger.warn({ event: 'job.invalid', file: bad.file, path: p.path }, `${bad.file}: ${p.path || '(root)'}: ${p.message}`);
      else log(`${bad.file}: ${p.path || '(root)'}: ${p.message}`);
    }
  }
  const changes = await syncSchedules(client, cfg, catalog, { dryRun, uiUrl });
  if (out.json) console.log(JSON.stringify(changes, null, 2));
  else {
    for (const line of formatChanges(changes, dryRun)) {
      if (out.logger) out.logger.info({ event: 'schedule.synced' }, line);
      else console.log(line);
    }
  }
  return catalog.invalid.length === 0 && !changes.some((c) => c.change === 'skipped');
}
