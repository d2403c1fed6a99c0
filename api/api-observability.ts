// The intake API's own observability: Prometheus metrics (prom-client) at /metrics, /healthz and /readyz, one log event per request.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/store';
import type { Logger } from '../config/log';

/** What the probes and the request log need. */
export interface ObservedApiDeps {
  client: Client;
  store: Store;
  logger: Logger;
}

/** How long a readiness check waits for Temporal or the store before calling it unreachable. */
const READY_TIMEOUT_MS = 3_000;
/**
 * The Temporal check's gRPC deadline, a little after the answer's: the client retries an
 * unreachable server's call with backoff and does not stop when its caller gives up, so the
 * deadline is what ends those retries.
 */
const READY_DEADLINE_MS = READY_TIMEOUT_MS + 500;

async function within<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000}s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Adds to the API: request metrics by method, route (the route's pattern, never the path a caller
 * sent, so no secret in a hook URL becomes a label) and status; the process's default metrics;
 * `/metrics`, `/healthz` (the process answers) and `/readyz` (Temporal and the store answer), all
 * three without a token, as probes and scrapers call them; and one log event per request.
 */
export function observeApi(app: FastifyInstance, deps: ObservedApiDeps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'riposte_api_requests_total', help: 'intake API requests by method, route and status', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'riposte_api_request_duration_seconds',
    help: 'intake API request latency by method, route and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    // The route's pattern and the token's name only: never the URL (a hook secret may ride in it), a header or a body.
    const event = { event: 'http.request', ...labels, status: reply.statusCode, durationMs: Math.round(reply.elapsedTime), ...(request.tokenName ? { tokenName: request.tokenName } : {}) };
    const line = `${request.method} ${route} ${reply.statusCode}${request.tokenName ? ` token=${request.tokenName}` : ''}`;
    if (reply.statusCode >= 500) deps.logger.error(event, line);
    else deps.logger.info(event, line);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the process answers', response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } } } },
    async () => ({ status: 'ok' }),
  );

  // Checks still running after their answer: the API's close waits for them, since a retry of the
  // client's that fires once the connection is closed throws outside any caller.
  const checking = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...checking]);
  });
  const tracked = (work: () => Promise<unknown>) => () => {
    const running = work();
    checking.add(running);
    const done = () => checking.delete(running);
    running.then(done, done);
    return running;
  };

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: Temporal and the store answer',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } },
          503: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } },
        },
      },
    },
    async (_request, reply) => {
      const check = async (what: string, work: () => Promise<unknown>) => {
        try {
          await within(READY_TIMEOUT_MS, what, work);
          return 'ok';
        } catch (err) {
          deps.logger.warn({ event: 'readiness.failed', check: what, error: (err as Error).message }, `${what} is not reachable`);
          return `unreachable: ${(err as Error).message}`;
        }
      };
      const [temporal, store] = await Promise.all([
        check(
          'temporal',
          tracked(() => deps.client.connection.withDeadline(Date.now() + READY_DEADLINE_MS, () => deps.client.workflowService.getSystemInfo({}))),
        ),
        check('store', () => deps.store.ping()),
      ]);
      const ready = temporal === 'ok' && store === 'ok';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: { temporal, store } });
    },
  );
  return registry;
}
