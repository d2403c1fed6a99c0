// What every command is registered with: the configuration, the standard error log, the signal wait and the package's directory.
import { loadConfig, type Config } from '../config/config';

export interface CliContext {
  /** Loads the configuration (riposte.config.json, environment); each command loads it when it runs. */
  config: () => Config;
  /** One line to standard error. */
  log: (line: string) => void;
  /** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
  waitForSignal: () => Promise<void>;
  /** The package's directory, where package.json and examples/ are. */
  packageRoot: string;
}

/** One line to standard error. */
export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export function cliContext(packageRoot: string): CliContext {
  return { config: () => loadConfig(), log, waitForSignal, packageRoot };
}
