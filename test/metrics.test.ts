// The Prometheus endpoints, scraped over HTTP: the worker's (SDK and riposte metrics) and the intake API's own, by Prometheus conventions.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../store/store';
import { createApi, listenApi } from '../api/api';
import { freePort } from '../worker/temporal-server';
import { quietRuntime } from '../worker/worker';
import { startHarness, startPeer, type Harness } from './helpers';

/** One sample of the text exposition format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus' text format: the `# TYPE` of each metric family and every sample. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

async function scrape(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

const find = (samples: Sample[], name: string, labels: Record<string, string>) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let address: string;
let app: FastifyInstance;
let api: string;

beforeAll(async () => {
  address = `127.0.0.1:${await freePort()}`;
  quietRuntime({ metricsAddress: address });
  peer = await startPeer((_req, n) => (n === 1 ? { status: 503, body: 'busy' } : { status: 200, body: {} }));
  h = await startHarness();
  h.config.api.tokens = [{ name: 'siem', token: 'metrics-test-token-0123456789', scopes: ['runs:read'] }];
  app = await createApi({ config: h.config, client: h.client, store: h.store });
  api = await listenApi(app, '127.0.0.1:0');
});
afterAll(async () => {
  await app?.close();
  await h?.close();
  await peer?.close();
});

describe('the worker metrics', () => {
  it('count runs, steps and action executions by chain (not job), outcome and status, time actions in seconds, and carry the SDK metrics in seconds', async () => {
    const report = await h.run({
      name: 'metered',
      steps: [
        { id: 'incident', action: 'incident.create', with: { title: 't' } },
        { id: 'skip', action: 'events.log', when: 'false' },
        { id: 'hook', action: 'webhook.send', retry: { initialInterval: '100ms' }, with: { protocol: 'http', host: '127.0.0.1', port: peer.port } },
      ],
    });
    expect(report.status).toBe('completed');
    const { types, samples } = await scrape(`http://${address}/metrics`);

    expect(types.get('riposte_runs_total')).toBe('counter');
    expect(find(samples, 'riposte_runs_total', { chain: 'metered', outcome: 'completed' }).map((s) => s.value)).toEqual([1]);
    expect(types.get('riposte_steps_total')).toBe('counter');
    expect(find(samples, 'riposte_steps_total', { chain: 'metered', action: 'events.log', status: 'skipped' })).toHaveLength(1);

    expect(types.get('riposte_action_executions_total')).toBe('counter');
    expect(find(samples, 'riposte_action_executions_total', { chain: 'metered', action: 'webhook.send', outcome: 'PeerUnavailableError' }).map((s) => s.value)).toEqual([1]);
    expect(find(samples, 'riposte_action_executions_total', { chain: 'metered', action: 'webhook.send', outcome: 'completed' }).map((s) => s.value)).toEqual([1]);

    expect(types.get('riposte_action_duration_seconds')).toBe('histogram');
    const buckets = find(samples, 'riposte_action_duration_seconds_bucket', { chain: 'metered', action: 'incident.create', outcome: 'completed' });
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '120', '300', '+Inf']);
    expect(find(samples, 'riposte_action_duration_seconds_count', { chain: 'metered', action: 'incident.create' }).map((s) => s.value)).toEqual([1]);
    const [sum] = find(samples, 'riposte_action_duration_seconds_sum', { chain: 'metered', action: 'incident.create' });
    expect(sum.value).toBeGreaterThan(0);
    expect(sum.value).toBeLessThan(60);

    // Prometheus gives every target a `job` label; riposte's own metrics never carry one.
    expect(samples.filter((s) => s.name.startsWith('riposte_') && 'job' in s.labels)).toEqual([]);
    expect(types.get('temporal_workflow_completed_total')).toBe('counter');
    expect(types.get('temporal_activity_execution_latency_seconds')).toBe('histogram');
    expect([...types.keys()].filter((name) => /_(ms|milliseconds)$/.test(name))).toEqual([]);
  });
});

describe('the intake API', () => {
  it('exports its requests by method, route pattern and status, and their latency in seconds, at /metrics without a token', async () => {
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    expect((await fetch(`${api}/v1/runs/some-run`)).status).toBe(401);
    expect((await fetch(`${api}/v1/no-such-route/s3cr3t-in-a-path`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${api}/v1/hooks/no-such-hook/s3cr3t-hook-path`, { method: 'POST' })).status).toBe(404);
    const { types, samples } = await scrape(`${api}/metrics`);
    expect(types.get('riposte_api_requests_total')).toBe('counter');
    expect(find(samples, 'riposte_api_requests_total', { method: 'GET', route: '/healthz', status: '200' }).map((s) => s.value)).toEqual([1]);
    expect(find(samples, 'riposte_api_requests_total', { method: 'GET', route: '/v1/runs/:id', status: '401' }).map((s) => s.value)).toEqual([1]);
    // An unknown path becomes "unmatched": what a caller put in a URL never becomes a label.
    expect(find(samples, 'riposte_api_requests_total', { method: 'POST', route: 'unmatched', status: '404' }).map((s) => s.value)).toEqual([1]);
    expect(find(samples, 'riposte_api_requests_total', { method: 'POST', route: '/v1/hooks/:hook/:secret', status: '404' }).map((s) => s.value)).toEqual([1]);
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes('s3cr3t') || v.includes('some-run')))).toBe(false);
    expect(types.get('riposte_api_request_duration_seconds')).toBe('histogram');
    expect(find(samples, 'riposte_api_request_duration_seconds_bucket', { method: 'GET', route: '/healthz', status: '200', le: '+Inf' }).map((s) => s.value)).toEqual([1]);
    expect(find(samples, 'riposte_api_request_duration_seconds_count', { route: '/v1/runs/:id' })).toHaveLength(1);
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('answers /healthz while the process runs and /readyz while Temporal and the store answer', async () => {
    expect(await (await fetch(`${api}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${api}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { temporal: 'ok', store: 'ok' } });
  });

  it('answers /readyz with 503 and what is unreachable when Temporal or the store does not answer', async () => {
    const store = await Store.open(`sqlite:${path.join(h.dataDir, 'closed.db')}`);
    await store.close();
    // Nothing listens on port 1 of the loopback: the lazy connection fails when first used.
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 1_000 });
    const unreachable = await createApi({ config: h.config, client: new Client({ connection }), store });
    // The client retries the unanswered check with backoff: none of its retries may outlive the API's close.
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const base = await listenApi(unreachable, '127.0.0.1:0');
      const answer = await fetch(`${base}/readyz`);
      expect(answer.status).toBe(503);
      const body = (await answer.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not ready');
      expect(body.checks.temporal).toMatch(/^unreachable: /);
      expect(body.checks.store).toMatch(/^unreachable: /);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await unreachable.close();
      await connection.close().catch(() => undefined);
    }
    // Past the client's next retry (its backoff reaches 2.4 s by then): a retry on the closed connection would throw here.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    process.off('uncaughtException', onUncaught);
    expect(uncaught.map(String)).toEqual([]);
  });
});
