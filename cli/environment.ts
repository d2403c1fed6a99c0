// Where the CLI finds Temporal: TEMPORAL_ADDRESS, a `riposte dev` already running, or an embedded server it starts.
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { Store } from '../activities';
import type { Config } from '../worker/config';
import { startDevServer, temporalAnswers, type DevServer } from '../worker/temporal-server';
import { connectWorker, createWorker, quietRuntime } from '../worker/worker';
import { startConfiguredCodecServer } from '../worker/codec-server';

/** The embedded server's fixed ports, so the UI link stays the same between runs. */
export const EMBEDDED_PORT = 7233;
export const EMBEDDED_UI_PORT = 8233;

/** A Temporal server to talk to, with a worker when riposte started one itself. */
export interface TemporalEnvironment {
  address: string;
  uiUrl?: string;
  /** True when this process started the server and must keep running for the run to go on. */
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Uses TEMPORAL_ADDRESS when set; otherwise a dev server already answering on 127.0.0.1:7233
 * (`riposte dev`); otherwise starts the embedded server with its state under the data directory,
 * and a worker in this process.
 */
export async function temporalEnvironment(config: Config, options: { log: (line: string) => void; worker?: boolean }): Promise<TemporalEnvironment> {
  if (config.temporal.address) {
    return { address: config.temporal.address, uiUrl: config.temporal.uiUrl, embedded: false, close: async () => undefined };
  }
  const local = `127.0.0.1:${EMBEDDED_PORT}`;
  if (await temporalAnswers(local)) {
    return { address: local, uiUrl: config.temporal.uiUrl ?? `http://127.0.0.1:${EMBEDDED_UI_PORT}`, embedded: false, close: async () => undefined };
  }
  options.log(`Starting the embedded Temporal server (state in ${path.join(config.dataDir, 'temporal.db')})...`);
  // With encrypted payloads the UI asks the codec server to show them decrypted.
  const codec = config.temporal.encryptPayloads ? await startConfiguredCodecServer(config) : undefined;
  if (codec) options.log(`Codec server:    ${codec.url} (the UI decodes payloads through it)`);
  const server: DevServer = await startDevServer({
    dbFile: path.join(config.dataDir, 'temporal.db'),
    port: EMBEDDED_PORT,
    uiPort: EMBEDDED_UI_PORT,
    log: options.log,
    ...(codec ? { codecEndpoint: codec.url } : {}),
  });
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let store: Store | undefined;
  if (options.worker !== false) {
    quietRuntime({ metricsAddress: config.metricsAddress });
    store = await Store.open(config.storeUrl);
    const connection = await connectWorker(config, server.address);
    worker = await createWorker({ config, connection, store });
    running = worker.run();
  }
  return {
    address: server.address,
    uiUrl: server.uiUrl,
    embedded: true,
    async close() {
      if (worker) {
        // The SDK already starts draining on SIGINT/SIGTERM; a second shutdown would throw.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      }
      await store?.close();
      await server.stop();
      await codec?.close();
    },
  };
}
