// Where the CLI finds Temporal: TEMPORAL_ADDRESS, a `riposte dev` already running, or an embedded server it starts.
import fs from 'node:fs';
import path from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { Store } from '../store/store';
import type { Config } from '../config/config';
import { freePort, startDevServer, temporalAnswers, type DevServer } from '../worker/temporal-server';
import { connectWorker, createWorker, quietRuntime } from '../worker/worker';
import { startConfiguredCodecServer } from '../api/codec-server';
import { logger } from '../config/log';
import { startConfiguredRetention, type Retention } from '../worker/retention';

/** The embedded server's fixed ports, so the UI link stays the same between runs. */
export const EMBEDDED_PORT = 7233;
export const EMBEDDED_UI_PORT = 8233;

/** A Temporal server to talk to, with a worker when riposte started one itself. */
export interface TemporalEnvironment {
  address: string;
  uiUrl?: string;
  /** True when this process started the server and must keep running for the run to go on. */
  embedded: boolean;
  /** The connection of the worker this process runs, when it runs one: a client on it starts runs eagerly. Closed by `close`. */
  workerConnection?: NativeConnection;
  close(): Promise<void>;
}

/** What `riposte dev` leaves in the data directory while it runs, so other commands can tell it is there. */
export interface DevMarker {
  pid: number;
  address: string;
  uiUrl?: string;
}

function markerFile(config: Config): string {
  return path.join(config.dataDir, 'dev-server.json');
}

/** The `riposte dev` of this data directory, when its marker names a live process whose server answers. */
export async function runningDev(config: Config): Promise<DevMarker | undefined> {
  let marker: DevMarker;
  try {
    marker = JSON.parse(fs.readFileSync(markerFile(config), 'utf8')) as DevMarker;
    process.kill(marker.pid, 0);
  } catch {
    return undefined;
  }
  return typeof marker.address === 'string' && (await temporalAnswers(marker.address)) ? marker : undefined;
}

/**
 * Uses TEMPORAL_ADDRESS when set; otherwise the `riposte dev` of this data directory when it runs
 * (told by its marker file, never by whatever answers on a port); otherwise starts the embedded
 * server with its state under the data directory, and a worker in this process. `announce` (for
 * `riposte dev`) leaves the marker for other commands.
 */
export async function temporalEnvironment(config: Config, options: { log: (line: string) => void; worker?: boolean; announce?: boolean }): Promise<TemporalEnvironment> {
  if (config.temporal.address) {
    return { address: config.temporal.address, uiUrl: config.temporal.uiUrl, embedded: false, close: async () => undefined };
  }
  const dev = await runningDev(config);
  if (dev) return { address: dev.address, uiUrl: config.temporal.uiUrl ?? dev.uiUrl, embedded: false, close: async () => undefined };
  // Another server on the usual port is not ours to use: it may belong to anyone. Ours goes elsewhere.
  const taken = await temporalAnswers(`127.0.0.1:${EMBEDDED_PORT}`);
  const port = taken ? await freePort() : EMBEDDED_PORT;
  const uiPort = taken ? await freePort() : EMBEDDED_UI_PORT;
  if (taken) options.log(`A Temporal server that is not this data directory's \`riposte dev\` answers on 127.0.0.1:${EMBEDDED_PORT}; starting riposte's own on port ${port}.`);
  options.log(`Starting the embedded Temporal server (state in ${path.join(config.dataDir, 'temporal.db')})...`);
  // With encrypted payloads the UI asks the codec server to show them decrypted.
  const codec = config.temporal.encryptPayloads ? await startConfiguredCodecServer(config) : undefined;
  if (codec) options.log(`Codec server:    ${codec.url} (the UI decodes payloads through it)`);
  const server: DevServer = await startDevServer({
    dbFile: path.join(config.dataDir, 'temporal.db'),
    port,
    uiPort,
    log: options.log,
    ...(codec ? { codecEndpoint: codec.url } : {}),
  });
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let store: Store | undefined;
  let retention: Retention | undefined;
  let connection: Awaited<ReturnType<typeof connectWorker>> | undefined;
  if (options.worker !== false) {
    quietRuntime({ metricsAddress: config.metricsAddress, logLevel: config.logLevel });
    store = await Store.open(config.storeUrl);
    connection = await connectWorker(config, server.address);
    worker = await createWorker({ config, connection, store });
    running = worker.run();
    // `riposte dev` lives as long as its state: it purges what its runs leave in the store, as a worker does.
    if (options.announce) retention = await startConfiguredRetention(config, store, connection, logger());
  }
  if (options.announce) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(markerFile(config), JSON.stringify({ pid: process.pid, address: server.address, uiUrl: server.uiUrl } satisfies DevMarker));
  }
  return {
    address: server.address,
    uiUrl: server.uiUrl,
    embedded: true,
    ...(connection ? { workerConnection: connection } : {}),
    async close() {
      if (options.announce) fs.rmSync(markerFile(config), { force: true });
      await retention?.stop();
      if (worker) {
        // The SDK already starts draining on SIGINT/SIGTERM; a second shutdown would throw.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      }
      // An open connection keeps the SDK's runtime, and so the process, alive.
      await connection?.close();
      await store?.close();
      await server.stop();
      await codec?.close();
    },
  };
}
