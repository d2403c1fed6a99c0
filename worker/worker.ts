// Builds riposte's Temporal worker: the chain workflow plus every connector.
import fs from 'node:fs';
import { NativeConnection, Runtime, Worker, type Logger, type WorkerOptions } from '@temporalio/worker';
import { ACTION_DURATION_BUCKETS, createActivities } from '../activities';
import { Store } from '../store/store';
import { levelGated, temporalLogger } from './sdk-log';
import type { Config } from '../config/config';
import { temporalConnectionOptions } from '../config/tls';
import { dataConverter } from '../control/codec';
import { PREBUILT_BUNDLE, workflowBundlerOptions, workflowsPath } from './bundle';

let runtimeInstalled = false;
/**
 * Installs the SDK runtime once per process: the SDK's logs (its own, workflows', activities' and
 * Core's from WARN up, or INFO up at a debug level) go through riposte's logger, and, with
 * `metricsAddress` (host:port), a Prometheus endpoint at /metrics carries the SDK's metrics and
 * riposte's own (riposte_runs_total, riposte_steps_total, riposte_action_executions_total,
 * riposte_action_duration_seconds), durations in seconds.
 */
export function quietRuntime(options: { metricsAddress?: string; logLevel?: string } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const verbose = options.logLevel === 'debug' || options.logLevel === 'trace';
  try {
    Runtime.install({
      logger: temporalLogger(),
      telemetryOptions: {
        logging: { filter: { core: verbose ? 'INFO' : 'WARN', other: 'WARN' }, forward: {} },
        ...(options.metricsAddress
          ? {
              metrics: {
                prometheus: {
                  bindAddress: options.metricsAddress,
                  countersTotalSuffix: true,
                  unitSuffix: true,
                  useSecondsForDurations: true,
                  histogramBucketOverrides: { riposte_action_duration_seconds: ACTION_DURATION_BUCKETS },
                },
              },
            }
          : {}),
      },
    });
  } catch {
    /* already installed */
    return;
  }
  // Every Worker takes the Runtime's logger when it is created, so the gate sits in front of them all.
  const runtime = Runtime.instance() as { logger: Logger };
  runtime.logger = levelGated(runtime.logger);
}

/** Connects a worker to the configured Temporal server. */
export async function connectWorker(config: Config, address: string): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config, address));
}

/** A given bundle, else the one the build wrote next to dist/workflows, else the sources (bundled at start). */
function workflowSource(bundle: WorkerOptions['workflowBundle']): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (bundle) return { workflowBundle: bundle };
  if (!workflowsPath().endsWith('.ts') && fs.existsSync(PREBUILT_BUNDLE)) return { workflowBundle: { codePath: PREBUILT_BUNDLE } };
  return { workflowsPath: workflowsPath(), bundlerOptions: workflowBundlerOptions() };
}

/** Options for {@link createWorker}. */
export interface RiposteWorkerOptions {
  config: Config;
  connection: NativeConnection;
  store: Store;
  taskQueue?: string;
  /** A prebuilt workflow bundle (tests build one per run). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  overrides?: Partial<WorkerOptions>;
}

/** Creates a worker polling the chain task queue. */
export async function createWorker(options: RiposteWorkerOptions): Promise<Worker> {
  const { config, connection, store } = options;
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: options.taskQueue ?? config.temporal.taskQueue,
    ...workflowSource(options.workflowBundle),
    activities: createActivities({ config, store }),
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 100,
    // The SDK sizes its cache from the heap limit (thousands of runs here); each cached run holds
    // its state in memory, so a bounded cache bounds memory. Evicted runs replay when they resume.
    maxCachedWorkflows: config.maxCachedWorkflows,
    ...(config.temporal.encryptPayloads ? { dataConverter: dataConverter(config) } : {}),
    ...options.overrides,
  });
}
