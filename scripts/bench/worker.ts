// A benchmark worker in a process of its own: riposte's worker settings and activities, a given workflow bundle.
// argv: <task queue> <bundle file>; env: TEMPORAL_ADDRESS, RIPOSTE_STORE_URL, RIPOSTE_DATA_DIR.
// Tells its parent (IPC) "ready" once polling, and when each run's first action began (epoch ms).
import { performance } from 'node:perf_hooks';
import { createActivities } from '../../activities';
import { Store } from '../../store/store';
import type { ActionRequest } from '../../dsl';
import { loadConfig } from '../../config/config';
import { connectWorker, createWorker, quietRuntime } from '../../worker/worker';

async function main() {
  const [taskQueue, bundle] = process.argv.slice(2);
  quietRuntime();
  const config = loadConfig({ ...process.env, RIPOSTE_NETWORK_ALLOW: '127.0.0.1' }, process.env.RIPOSTE_DATA_DIR!);
  const store = await Store.open(config.storeUrl);
  const activities = createActivities({ config, store });
  const firstCalls: [string, number][] = [];
  const seen = new Set<string>();
  const createIncident = activities['incident.create'];
  const timed = {
    ...activities,
    'incident.create': (req: ActionRequest<'incident.create'>) => {
      if (!seen.has(req.run.id)) {
        seen.add(req.run.id);
        firstCalls.push([req.run.id, performance.timeOrigin + performance.now()]);
      }
      return createIncident(req);
    },
  };
  const connection = await connectWorker(config, process.env.TEMPORAL_ADDRESS!);
  const worker = await createWorker({ config, connection, store, taskQueue, workflowBundle: { codePath: bundle }, overrides: { activities: timed } });
  const flush = setInterval(() => {
    if (firstCalls.length) process.send?.({ first: firstCalls.splice(0) });
  }, 100);
  const running = worker.run();
  process.send?.({ ready: true });
  process.on('disconnect', () => worker.shutdown());
  await running;
  clearInterval(flush);
  await connection.close();
  await store.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
