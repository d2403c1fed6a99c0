// Test harness: a worker on the shared dev server with its own task queue and store, and recording HTTP peers.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { assertValidChain, type ResultRow } from '../dsl';
import { Store } from '../store/store';
import { loadConfig, type Config } from '../config/config';
import { createWorker, quietRuntime } from '../worker/worker';
import { readRun, startRun, type RunReport } from '../control/client';
import { expectNoTestSecrets } from './secrets-ledger';

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
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-test-'));
  // Test peers listen on 127.0.0.1 only: exactly that loopback address is allowed, nothing else.
  const config = loadConfig({ RIPOSTE_DATA_DIR: dataDir, RIPOSTE_CONFIG: '', RIPOSTE_NETWORK_ALLOW: '127.0.0.1' }, dataDir);
  configure(config);
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
      const report = await readRun(handle, true, store);
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

/** One request a test peer received. */
export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on 127.0.0.1 that records every request and answers with `respond`. */
export async function startPeer(respond: (req: Received, count: number) => { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      const answer = respond(entry, received.length);
      const send = () => {
        const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': typeof answer.body === 'object' ? 'application/json' : 'text/plain', ...answer.headers });
        res.end(body);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
