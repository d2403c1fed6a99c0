// A chaos worker that also starts runs, on its own connection, so they start eagerly on it (as in `riposte dev`).
// argv: <task queue>; env as `riposte worker`. IPC: receives { start: { workflowId, n } }, answers { started, eagerly } or { failed }.
import { Store } from '../store/store';
import { assertValidChain, type Chain } from '../dsl';
import { loadConfig } from '../config/config';
import { connectClient, startRun } from '../control/client';
import { connectWorker, createWorker, quietRuntime } from '../worker/worker';

async function main() {
  const [taskQueue, chainJson] = process.argv.slice(2);
  const chain: Chain = assertValidChain(JSON.parse(chainJson));
  quietRuntime();
  const config = loadConfig();
  const store = await Store.open(config.storeUrl);
  const connection = await connectWorker(config, config.temporal.address!);
  const worker = await createWorker({ config, connection, store, taskQueue });
  const client = await connectClient(config, config.temporal.address!, connection);
  process.on('message', (m: { start?: { workflowId: string; n: number } }) => {
    if (!m.start) return;
    const { workflowId, n } = m.start;
    startRun(client, { chain, results: [{ n }], taskQueue, workflowId }).then(
      (h) => process.send?.({ started: h.workflowId, eagerly: h.eagerlyStarted }),
      (err: unknown) => process.send?.({ failed: workflowId, error: String(err) }),
    );
  });
  const running = worker.run();
  process.send?.({ ready: true });
  await running;
  await connection.close();
  await store.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
