// Test harness: a worker on the shared dev server with its own task queue and store, and recording HTTP peers.
import crypto from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { assertValidChain, type ResultRow } from '../dsl';
import { Store } from '../store/store';
import type { Config } from '../config/config';
import { createWorker, quietRuntime } from '../worker/worker';
import { readRun, startRun, type RunReport } from '../control/client';
import { testConfig } from './loopback';
import { expectNoTestSecrets } from './secrets-ledger';

export { startPeer, type Received } from './loopback';

/** A worker on its own task queue with a fresh SQLite store. */
export interface Harness {
  client: Client;
  store: Store;
  config: Config;
  taskQueue: string;
  dataDir: string;
  worker: Worker;
  /** Validates the chain, runs it to the end and returns the CLI report. */
  run(chain: object, results?: ResultRow[], options?: { params?: Record<string, unknown>; workflowId?: string }): Promise<RunReport>;
  close(): Promise<void>;
}

/** Starts a harness; `configure` adjusts the configuration (connections, globals); `address` names another Temporal server than the suite's. */
export async function startHarness(configure: (config: Config) => void = () => undefined, storeUrl?: string, address: string = inject('temporalAddress')): Promise<Harness> {
  quietRuntime();
  const config = testConfig(configure);
  const dataDir = config.dataDir;
  const store = await Store.open(storeUrl ?? `sqlite:${path.join(dataDir, 'store.db')}`);
  const taskQueue = `test-${crypto.randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({ config, connection: nativeConnection, store, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') } });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  return {
    client,
    store,
    config,
    taskQueue,
    dataDir,
    worker,
    async run(chain, results = [], options = {}) {
      const valid = assertValidChain(chain);
      const handle = await startRun(client, { chain: valid, results, params: options.params, taskQueue, workflowId: options.workflowId, store });
      const report = await readRun(handle, { wait: true, store });
      expectNoTestSecrets(`the report of run ${handle.workflowId}`, report);
      return report;
    },
    async close() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await store.close();
    },
  };
}
