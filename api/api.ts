// The intake API the SIEM and schedulers call: start runs, fire events, read runs and incidents (Fastify, one plugin per resource).
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Store } from '../store/store';
import type { Config } from '../config/config';
import { logger, type Logger } from '../config/log';
import { observeApi } from './api-observability';
import { approvalsApi } from './approvals-api';
import { authenticate } from './auth';
import { consoleApi } from './console-api';
import { handleApiErrors } from './errors';
import { hookRoutes } from './hooks';
import type { RouteDeps } from './routes/deps';
import { eventRoutes } from './routes/events';
import { incidentRoutes } from './routes/incidents';
import { jobRoutes } from './routes/jobs';
import { ruleRoutes } from './routes/rules';
import { runRoutes } from './routes/runs';
import { sensorRoutes } from './routes/sensors';

export type { ApiScope } from './auth';
export type { ApiRunReport } from './routes/runs';
export { API_EVENT_TYPES, heartbeatBodySchema, inlineRunBodySchema, insightEventBodySchema, jobRunBodySchema, signalsBodySchema } from './schemas';

/** What the API is built from. */
export interface ApiDeps {
  config: Config;
  client: Client;
  store: Store;
  /** The Temporal UI base URL, for run links. */
  uiUrl?: string;
  /** One event per request (method, route, status, token name; never a token, a URL or a body); the process's logger by default. */
  logger?: Logger;
}

/** Builds the intake API (not listening yet): auth, observability and the error handler first, so that every route plugin inherits them. */
export async function createApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, client, store } = deps;
  const routeDeps: RouteDeps = { config, client, store, ...(deps.uiUrl ? { uiUrl: deps.uiUrl } : {}) };
  const app = Fastify({ logger: false, bodyLimit: config.api.bodyLimit, return503OnClosing: true });
  // Bodies are checked with the zod schemas in the handlers, for path-named problems; the JSON Schemas only document.
  app.setValidatorCompiler(() => (data) => ({ value: data }));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'riposte intake API', version: '1', description: "Start runs of a security rule's active responses, fire events, and read runs and incidents." },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token from api.tokens in riposte.config.json' } } },
      security: [{ bearer: [] }],
    },
  });

  authenticate(app, config);
  const log = deps.logger ?? logger();
  observeApi(app, { client, store, logger: log });
  handleApiErrors(app, { bodyLimit: config.api.bodyLimit, logger: log });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(jobRoutes, routeDeps);
  await app.register(runRoutes, routeDeps);
  await app.register(eventRoutes, routeDeps);
  // Intake hooks: each checks its own secret, so they carry no scope.
  await app.register(hookRoutes, routeDeps);
  await app.register(incidentRoutes, routeDeps);
  await app.register(sensorRoutes, routeDeps);
  await app.register(ruleRoutes, routeDeps);
  await app.register(approvalsApi, { config, client, store });
  await app.register(consoleApi, routeDeps);
  return app;
}

/** Starts the API on `config.api.listen` (host:port) and returns the address it listens on. */
export async function listenApi(app: FastifyInstance, listen: string): Promise<string> {
  const at = listen.lastIndexOf(':');
  return app.listen({ host: listen.slice(0, at), port: Number(listen.slice(at + 1)) });
}
