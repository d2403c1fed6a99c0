// Sensor heartbeats: each starts or signals the sensor's watcher workflow; the watchers' state is read by query.
import type { Client } from '@temporalio/client';
import { ProblemsError, SENSOR_WORKFLOW, durationMs, sensorWorkflowId, type Heartbeat, type SensorState } from '../dsl';
import { queryWatcher } from './client';
import type { Config } from '../config/config';

/** The silence window of a sensor in milliseconds: its own from `sensors.windows`, else the default. */
export function sensorWindowMs(config: Config, sensorId: string): number {
  return durationMs(config.sensors.windows[sensorId] ?? config.sensors.defaultWindow);
}

/** A sensor id riposte accepts: it becomes part of a workflow id. */
const SENSOR_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/** A sensor id that cannot be used. */
export class SensorIdError extends ProblemsError {
  constructor(id: string) {
    const message = `sensor id ${JSON.stringify(id)}: use letters, digits, ".", "_", ":" and "-" (at most 200 characters)`;
    super([{ path: 'sensorId', message }], { type: 'SensorIdError', message });
  }
}

/**
 * Records a heartbeat of a sensor: signal-with-start of its watcher (`sensor/<id>`), which resets
 * the sensor's silence timer, or records its recovery when it was offline.
 */
export async function recordHeartbeat(client: Client, config: Config, sensorId: string, options: { name?: string; taskQueue?: string; at?: Date } = {}): Promise<void> {
  if (!SENSOR_ID.test(sensorId)) throw new SensorIdError(sensorId);
  const windowMs = sensorWindowMs(config, sensorId);
  const beat: Heartbeat = { at: (options.at ?? new Date()).toISOString(), windowMs, ...(options.name ? { name: options.name } : {}) };
  const initial: SensorState = { id: sensorId, status: 'online', windowMs, heartbeats: 0, outages: [], ...(options.name ? { name: options.name } : {}) };
  await client.workflow.signalWithStart(SENSOR_WORKFLOW, {
    workflowId: sensorWorkflowId(sensorId),
    taskQueue: options.taskQueue ?? config.temporal.taskQueue,
    args: [initial],
    signal: 'heartbeat',
    signalArgs: [beat],
    staticSummary: `watches sensor ${sensorId}`,
  });
}

/** A sensor's state, or undefined when it never sent a heartbeat. */
export function sensorStatus(client: Client, sensorId: string): Promise<SensorState | undefined> {
  return queryWatcher<SensorState>(client, sensorWorkflowId(sensorId), 'sensorStatus');
}

/**
 * Every watched sensor's state, by sensor id; with `taskQueue`, only the watchers of that
 * installation, since a query to a watcher no worker serves waits until it times out.
 */
export async function listSensors(client: Client, taskQueue?: string): Promise<SensorState[]> {
  const states: SensorState[] = [];
  const onQueue = taskQueue ? ` AND TaskQueue = '${taskQueue.replace(/'/g, "''")}'` : '';
  for await (const info of client.workflow.list({ query: `WorkflowType = '${SENSOR_WORKFLOW}' AND ExecutionStatus = 'Running'${onQueue}` })) {
    const state = await client.workflow.getHandle(info.workflowId).query<SensorState>('sensorStatus').catch(() => undefined);
    if (state) states.push(state);
  }
  return states.sort((a, b) => a.id.localeCompare(b.id));
}
