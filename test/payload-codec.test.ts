// End-to-end payload encryption: the server stores ciphertext; the codec server decodes it for the UI's origin and token only.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assertValidChain } from '../dsl';
import { Store } from '../store/store';
import { connectClient, readRun, startRun } from '../control/client';
import { loadConfig, type Config } from '../config/config';
import { startConfiguredCodecServer } from '../api/codec-server';
import { createWorker, quietRuntime } from '../worker/worker';
import { fetchHistoryText } from './history-text';
import { recordTestSecret } from './secrets-ledger';

const MARKER = `analyst-${crypto.randomUUID()}`;
const CODEC_TOKEN = `codec-${crypto.randomUUID()}`;
let config: Config;
let worker: Worker;
let running: Promise<void>;
let native: NativeConnection;
let store: Store;
let client: Client;
let plain: Client;
let codec: Awaited<ReturnType<typeof startConfiguredCodecServer>>;

beforeAll(async () => {
  quietRuntime();
  // Payload contents are only readable through the codec, so the marker counts as a secret too.
  recordTestSecret('analyst marker in encoded payloads', MARKER);
  recordTestSecret('payload codec token', CODEC_TOKEN);
  process.env.RIPOSTE_MASTER_KEY = crypto.randomBytes(32).toString('base64');
  process.env.RIPOSTE_TEST_CODEC_TOKEN = CODEC_TOKEN;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-codec-'));
  config = loadConfig({ RIPOSTE_DATA_DIR: dataDir, RIPOSTE_CONFIG: '', RIPOSTE_ENCRYPT_PAYLOADS: 'true' }, dataDir);
  config.temporal.taskQueue = `codec-${crypto.randomUUID()}`;
  config.temporal.codecServer = { port: 0, origins: ['http://127.0.0.1:8233'], token: 'env:RIPOSTE_TEST_CODEC_TOKEN', open: false };
  store = await Store.open(`sqlite:${path.join(dataDir, 'store.db')}`);
  const address = inject('temporalAddress');
  native = await NativeConnection.connect({ address });
  worker = await createWorker({ config, connection: native, store, workflowBundle: { codePath: inject('workflowBundlePath') } });
  running = worker.run();
  client = await connectClient(config, address);
  plain = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
  codec = await startConfiguredCodecServer(config);
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await native?.close();
  await client?.connection.close();
  await plain?.connection.close();
  await store?.close();
  await codec?.close();
});

async function post(route: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${codec.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('payload encryption', () => {
  it('keeps results and outputs out of the server in clear while the run works as usual', async () => {
    const chain = assertValidChain({ name: 'codec', steps: [{ id: 'say', action: 'script.run', with: { interpreter: 'bash', inline: 'echo "hello $1"', args: [{ property: 'user' }] } }] });
    const handle = await startRun(client, { chain, results: [{ user: MARKER }], taskQueue: config.temporal.taskQueue });
    const report = await readRun(handle, { wait: true });
    expect(report.steps.say.output).toMatchObject({ stdout: `hello ${MARKER}\n` });

    const stored = await fetchHistoryText(plain.workflow.getHandle(handle.workflowId));
    expect(stored.includes(MARKER)).toBe(false);
    const encodings = (await plain.workflow.getHandle(handle.workflowId).fetchHistory()).events!.flatMap((e) =>
      [e.workflowExecutionStartedEventAttributes?.input, e.activityTaskScheduledEventAttributes?.input, e.activityTaskCompletedEventAttributes?.result, e.workflowExecutionCompletedEventAttributes?.result]
        .flatMap((p) => p?.payloads ?? [])
        .map((p) => Buffer.from(p.metadata!.encoding!).toString()),
    );
    expect(encodings.length).toBeGreaterThanOrEqual(4);
    expect(new Set(encodings)).toEqual(new Set(['binary/encrypted']));

    // What the Temporal UI does with an encrypted payload: POST it to /decode.
    const history = await plain.workflow.getHandle(handle.workflowId).fetchHistory();
    const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    const payload = {
      metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(input.data!).toString('base64'),
    };
    const answer = await post('/decode', { payloads: [payload] }, { authorization: `Bearer ${CODEC_TOKEN}`, origin: 'http://127.0.0.1:8233', 'x-namespace': 'default' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    const [out] = (JSON.parse(answer.text) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(Buffer.from(out.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(out.data, 'base64').toString())).toMatchObject({ results: [{ user: MARKER }] });
  });

  it('turns away codec requests without the bearer token, and gives other origins no CORS grant', async () => {
    const payload = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"x"').toString('base64') };
    expect((await post('/decode', { payloads: [payload] }, {})).status).toBe(401);
    expect((await post('/decode', { payloads: [payload] }, { authorization: 'Bearer wrong-token-of-same-size-abcdefghijklmnopqrstu' })).status).toBe(401);
    const other = await post('/encode', { payloads: [payload] }, { authorization: `Bearer ${CODEC_TOKEN}`, origin: 'http://evil.example' });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${codec.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:8233', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');
  });
});
