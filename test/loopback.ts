// What both test tiers share: the worker configuration tests run with, and recording HTTP peers on 127.0.0.1.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../config/config';

/** A configuration in a fresh data directory, without a config file; `configure` adjusts it (connections, globals). */
export function testConfig(configure: (config: Config) => void = () => undefined): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-test-'));
  // Test peers listen on 127.0.0.1 only: exactly that loopback address is allowed, nothing else.
  const config = loadConfig({ RIPOSTE_DATA_DIR: dataDir, RIPOSTE_CONFIG: '', RIPOSTE_NETWORK_ALLOW: '127.0.0.1' }, dataDir);
  configure(config);
  return config;
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

/** A peer started with {@link startPeer}. */
export type Peer = Awaited<ReturnType<typeof startPeer>>;
