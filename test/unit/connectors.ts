// The fast tier's harness: the activities a worker registers, built as the worker builds them, each run in Temporal's MockActivityEnvironment on a SQLite store, with no server.
import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { ActionOutputs, ActionRequest, ActivityActionName } from '../../dsl';
import { createActivities } from '../../activities';
import { Store } from '../../store/store';
import type { Config } from '../../config/config';
import { testConfig } from '../loopback';

/**
 * The SDK's activity log (a failed attempt is a warning with its stack), kept off the terminal: the
 * tests assert the failures themselves. Entries still reach DefaultLogger.prototype.log, where the
 * end-to-end suite's log capture reads them.
 */
const quiet = () => new DefaultLogger('WARN', () => undefined);

/** The activities of one worker configuration, on a fresh SQLite store in its data directory. */
export interface Connectors {
  config: Config;
  store: Store;
  activities: ReturnType<typeof createActivities>;
  /**
   * Runs the request's action as attempt `attempt` of a worker's activity task: parameters checked,
   * secrets resolved and masked, the failure thrown as the worker would report it.
   */
  run<A extends ActivityActionName>(request: ActionRequest<A>, options?: { attempt?: number }): Promise<ActionOutputs[A]>;
  /** Runs any activity function (an engine activity such as runSearch) in an activity context. */
  inActivity<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R>;
  close(): Promise<void>;
}

/** Builds the worker's activities for a test configuration; `configure` adds connections and settings. */
export async function startConnectors(configure: (config: Config) => void = () => undefined): Promise<Connectors> {
  const config = testConfig(configure);
  const store = await Store.open(`sqlite:${path.join(config.dataDir, 'store.db')}`);
  const activities = createActivities({ config, store });
  return {
    config,
    store,
    activities,
    run(request, options = {}) {
      const env = new MockActivityEnvironment({ attempt: options.attempt ?? 1, activityType: request.action }, { logger: quiet() });
      const fn = activities[request.action] as unknown as (r: typeof request) => Promise<ActionOutputs[typeof request.action]>;
      return env.run(fn, request);
    },
    inActivity(fn, ...args) {
      return new MockActivityEnvironment(undefined, { logger: quiet() }).run(fn, ...args);
    },
    async close() {
      await store.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

/** The activities of a worker whose store is gone: every store call fails as it does when the database is lost. */
export async function startWithLostStore(): Promise<Connectors> {
  const connectors = await startConnectors();
  await connectors.store.close();
  return connectors;
}
