// A remote script executor: a worker that polls one host's task queue and runs only script.run.
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import { hostTaskQueue } from '../dsl';
import { createScriptHostActivities } from '../activities';
import { dataConverter } from '../control/codec';
import type { Config } from '../config/config';

/** Creates the executor worker for `host`: no workflows, no store, its own jail directory. */
export async function createScriptHostWorker(options: { config: Config; connection: NativeConnection; host: string }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.config.temporal.namespace,
    taskQueue: hostTaskQueue(options.host),
    activities: createScriptHostActivities({ config: options.config, host: options.host }),
    maxConcurrentActivityTaskExecutions: 20,
    ...(options.config.temporal.encryptPayloads ? { dataConverter: dataConverter(options.config) } : {}),
  });
}
