// The intake API the SIEM and schedulers call: start runs, fire events, read runs and incidents (Fastify).
import crypto from 'node:crypto';
import swagger from '@fastify/swagger';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { disabledRuleMessage, formatPath, insightInputSchema, isSecretReference, validateChain, type Chain, type Problem } from '../dsl';
import type { Store } from '../store/store';
import { resolveSecret } from '../config/secrets';
import { handleUrl, readRun, type RunReport } from '../control/client';
import { API_SCOPES, ConfigError, type Config } from '../config/config';
import { EventValidationError, JobNotSubscribedError, fireEvent, insightEventBody } from '../control/events';
import { installationContext, loadJobs } from '../config/jobs';
import { TRIGGER_ID_PATTERN, startJobRun, type RunStarterDeps } from '../control/job-runs';
import { queryProgress, type RunProgress } from '../control/progress';
import { RuleGuardInputError, disabledRuleOf, reportRuleSignals, ruleStatus } from '../control/rule-guard';
import { SensorIdError, listSensors, recordHeartbeat, sensorStatus, sensorWindowMs } from '../control/sensors';
import { observeApi } from './api-observability';
import { logger, type Logger } from '../config/log';
import { approvalsApi } from './approvals-api';
import { consoleApi } from './console-api';
import { registerHookRoutes } from './hooks';

/** A scope an API token may hold. */
export type ApiScope = (typeof API_SCOPES)[number];

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

/** A request the API refuses with 400 and every problem by path. */
class ProblemsError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

/** A refusal with a status and one message. */
class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const resultsSchema = z.array(z.record(z.string(), z.unknown(), { message: 'each result must be a JSON object' }), { message: 'give the results as a JSON array of objects' }).max(1_000_000).default([]);
const paramsSchema = z.record(z.string(), z.unknown(), { message: 'give the params as a JSON object' }).default({});
const triggerIdSchema = z.string().regex(TRIGGER_ID_PATTERN, { message: 'use 1-200 letters, digits, ".", "_", ":", "@" and "-", starting with a letter or digit' });

/** POST /v1/jobs/{name}/runs */
export const jobRunBodySchema = z
  .object({
    results: resultsSchema,
    params: paramsSchema,
    triggerId: triggerIdSchema.optional(),
  })
  .strict();

/** POST /v1/runs: the chain is checked by chain validation, not by this schema. */
export const inlineRunBodySchema = z
  .object({
    chain: z.record(z.string(), z.unknown(), { message: 'give the chain as a JSON object, as in a chain file' }),
    results: resultsSchema,
    params: paramsSchema,
    triggerId: triggerIdSchema.optional(),
  })
  .strict();

/** POST /v1/events/insight.created (also insight.closed, insight.on_demand); the body may also be the Insight itself, bare or in its API envelope. */
export const insightEventBodySchema = z
  .object({ insight: insightInputSchema, triggerId: triggerIdSchema.optional(), job: z.string().min(1, { message: 'name a job of the jobs directory' }).optional() })
  .strict();
/** POST /v1/events/sensor.heartbeat */
export const heartbeatBodySchema = z.object({ sensorId: z.string().min(1), name: z.string().optional(), at: z.iso.datetime({ offset: true }).optional() }).strict();
/** POST /v1/events/rule.signals */
export const signalsBodySchema = z
  .object({ ruleId: z.string().min(1), name: z.string().optional(), count: z.int().min(0), at: z.iso.datetime({ offset: true }).optional() })
  .strict();

/** The event types of POST /v1/events/{type}. */
/** The Insight events a job can subscribe to with `on`. */
const INSIGHT_EVENTS = ['insight.created', 'insight.closed', 'insight.on_demand'] as const;
export const API_EVENT_TYPES = [...INSIGHT_EVENTS, 'sensor.heartbeat', 'rule.signals'] as const;

const problemsResponse = {
  type: 'object',
  description: 'The body did not validate; every problem is named by its path.',
  properties: { problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } },
};
const errorResponse = { type: 'object', properties: { error: { type: 'string' } } };
const startedResponse = {
  type: 'object',
  properties: { runId: { type: 'string' }, job: { type: 'string' }, url: { type: 'string' }, created: { type: 'boolean', description: 'false when the trigger id had already started this run' } },
};
const fireReportResponse = {
  type: 'object',
  description: 'What firing the event did, as `riposte fire --json` prints it',
  properties: {
    event: { type: 'string' },
    eventId: { type: 'string', description: 'makes the starts idempotent: the Insight id for insight.created and insight.closed unless a trigger id is given' },
    runs: {
      type: 'array',
      items: { type: 'object', properties: { job: { type: 'string' }, runId: { type: 'string', description: 'event/<event>/<event id>/<job>' }, started: { type: 'boolean', description: 'false when the same event had already started this run' }, url: { type: 'string' } } },
    },
    skipped: { type: 'array', items: { type: 'object', properties: { job: { type: 'string' }, reason: { type: 'string' } } } },
  },
  required: ['event', 'eventId', 'runs', 'skipped'],
};
const heartbeatResponse = { type: 'object', properties: { sensorId: { type: 'string' }, windowMs: { type: 'integer', description: 'silence after which the sensor is offline' } }, required: ['sensorId', 'windowMs'] };
const signalsResponse = { type: 'object', properties: { ruleId: { type: 'string' }, count: { type: 'integer' } }, required: ['ruleId', 'count'] };
const sensorResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['online', 'offline'] },
    lastHeartbeat: { type: 'string' },
    windowMs: { type: 'integer' },
    heartbeats: { type: 'integer' },
    outages: { type: 'array', items: { type: 'object', properties: { offlineAt: { type: 'string' }, recoveredAt: { type: 'string' }, runs: { type: 'array', items: { type: 'string' } }, error: { type: 'string' } } } },
  },
};
const ruleResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    prototype: { type: 'boolean' },
    disabledBy: { type: 'string', enum: ['guard', 'manual'] },
    reason: { type: 'string' },
    disabledAt: { type: 'string' },
    signals: { type: 'object', properties: { hour: { type: 'integer' }, day: { type: 'integer' } } },
    limits: { type: 'object', properties: { hour: { type: 'integer' }, day: { type: 'integer' } } },
    autoDisables: { type: 'integer' },
    fireError: { type: 'string' },
  },
};
const idempotencyHeader = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', description: 'the trigger id: the same id twice starts one run (same as the body field triggerId)' } },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new ProblemsError(parsed.error.issues.map((i) => ({ path: formatPath(i.path as (string | number)[]), message: i.message })));
}

/** The trigger id of a start: the Idempotency-Key header, else the body's triggerId; both given must agree. */
function triggerIdOf(request: FastifyRequest, fromBody: string | undefined): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return fromBody;
  const key = Array.isArray(header) ? header[0] : header;
  if (!TRIGGER_ID_PATTERN.test(key)) throw new ProblemsError([{ path: 'Idempotency-Key', message: 'use 1-200 letters, digits, ".", "_", ":", "@" and "-", starting with a letter or digit' }]);
  if (fromBody !== undefined && fromBody !== key) throw new ProblemsError([{ path: 'triggerId', message: 'differs from the Idempotency-Key header; give one of them' }]);
  return key;
}

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value).digest();
}

interface ResolvedToken {
  name: string;
  digest: Buffer;
  scopes: ReadonlySet<ApiScope>;
}

/** Resolves the configured tokens once; a reference that cannot be resolved stops the API from starting. */
function resolveTokens(config: Config): ResolvedToken[] {
  return config.api.tokens.map((t, i) => {
    let value: string;
    try {
      value = resolveSecret(t.token, `api.tokens[${i}].token`);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    if (value.length < 16) throw new ConfigError(`api.tokens[${i}].token: use at least 16 characters (make one with \`openssl rand -hex 32\`)`);
    return { name: t.name, digest: digest(value), scopes: new Set(t.scopes) };
  });
}

/** Finds the token in constant time per configured token: every one is compared, digests of equal length. */
function findToken(tokens: ResolvedToken[], presented: string): ResolvedToken | undefined {
  const d = digest(presented);
  let found: ResolvedToken | undefined;
  for (const t of tokens) if (crypto.timingSafeEqual(t.digest, d) && !found) found = t;
  return found;
}

/**
 * Inline chains reach secrets only through the named connections of the configuration: a secret
 * reference written into the chain itself is refused, so an API token cannot read the worker's
 * environment or decrypt a connection's `enc:v1:` value by posting a chain that sends it elsewhere.
 */
function inlineSecretReferences(chain: unknown): Problem[] {
  const found: Problem[] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    if (typeof v === 'string') {
      if (isSecretReference(v)) found.push({ path: formatPath(['chain', ...at]), message: 'an inline chain cannot name a secret (env: or enc:v1:); put the secret in a connection in riposte.config.json and name the connection' });
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...at, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, item] of Object.entries(v)) walk(item, [...at, k]);
  };
  walk(chain, []);
  return found;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public. */
    scope?: ApiScope;
  }
  interface FastifyRequest {
    tokenName?: string;
  }
}

/** A run's report with its live progress while it runs. */
export type ApiRunReport = RunReport & { progress?: RunProgress };

/** Builds the intake API (not listening yet). */
export async function createApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, client, store } = deps;
  const tokens = resolveTokens(config);
  const starter: RunStarterDeps = { client, config, store, uiUrl: deps.uiUrl };

  /** Starts a run asked for through the API, refused while the rule the chain names is disabled by the rule guard or by hand. */
  async function startApiRun(chain: Chain, body: z.infer<typeof jobRunBodySchema>, triggerId: string | undefined, reply: FastifyReply, inline = false): Promise<FastifyReply> {
    const disabled = await disabledRuleOf(client, chain);
    if (disabled) throw new ApiError(409, `job "${chain.name}" is not started: ${disabledRuleMessage(disabled)}; enable it with \`riposte rule enable ${disabled.id}\``);
    const started = await startJobRun(starter, chain, { results: body.results, params: body.params, trigger: { type: 'api' }, triggerId, inline });
    return reply.code(started.created ? 201 : 200).send(started);
  }
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

  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match ? findToken(tokens, match[1]) : undefined;
    if (!token) {
      reply.header('www-authenticate', 'Bearer realm="riposte"');
      return reply.code(401).send({ error: match ? 'unknown token' : 'give a token: Authorization: Bearer <token>' });
    }
    request.tokenName = token.name;
    if (!token.scopes.has(scope)) return reply.code(403).send({ error: `token "${token.name}" lacks the scope "${scope}"` });
  });
  const log = deps.logger ?? logger();
  observeApi(app, { client, store, logger: log });

  app.setErrorHandler((err: FastifyError, _request, reply) => {
    if (err instanceof ProblemsError) return reply.code(400).send({ problems: err.problems });
    if (err instanceof SensorIdError) return reply.code(400).send({ problems: [{ path: 'sensorId', message: err.message }] });
    if (err instanceof RuleGuardInputError) return reply.code(400).send({ problems: [{ path: 'ruleId', message: err.message }] });
    if (err instanceof EventValidationError) return reply.code(400).send({ problems: err.message.split('\n').map((line) => ({ path: '', message: line })) });
    if (err instanceof ApiError) return reply.code(err.statusCode).send({ error: err.message });
    if (err instanceof JobNotSubscribedError) return reply.code(409).send({ error: err.message });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ error: `the request body is larger than ${config.api.bodyLimit} bytes (api.bodyLimit)` });
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send({ error: 'send the body as application/json' });
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return reply.code(400).send({ problems: [{ path: '', message: 'the body is empty; send a JSON object ({} at least)' }] });
    if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return reply.code(400).send({ problems: [{ path: '', message: `malformed JSON: ${err.message}` }] });
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    // Anything else may carry upstream details: the caller gets a generic answer, the log only the message.
    log.error({ event: 'http.error', route: _request.routeOptions.url ?? 'unmatched', error: err.message }, `internal error: ${err.message}`);
    return reply.code(500).send({ error: 'internal error; see the riposte log' });
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.post(
    '/v1/jobs/:name/runs',
    {
      config: { scope: 'runs:write' },
      schema: {
        summary: "Start a run of a job from the jobs directory with the SIEM's results",
        params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        headers: idempotencyHeader,
        body: jsonSchema(jobRunBodySchema),
        response: { 200: startedResponse, 201: startedResponse, 400: problemsResponse, 404: errorResponse, 409: errorResponse },
      },
    },
    async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
      const body = parse(jobRunBodySchema, request.body);
      const triggerId = triggerIdOf(request, body.triggerId);
      const catalog = loadJobs(config);
      const job = catalog.jobs.get(request.params.name);
      if (!job) {
        const invalid = catalog.invalid.find((f) => f.file.endsWith(`${request.params.name}.json`));
        throw new ApiError(404, invalid ? `job "${request.params.name}" does not validate: ${invalid.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` : `no job "${request.params.name}" in the jobs directory`);
      }
      if (!job.chain.active) throw new ApiError(409, `job "${job.chain.name}" is inactive ("active": false in ${job.file})`);
      return startApiRun(job.chain, body, triggerId, reply);
    },
  );

  app.post(
    '/v1/runs',
    {
      config: { scope: 'runs:write' },
      schema: {
        summary: 'Start a run of a chain given inline; it is validated as `riposte validate` does',
        headers: idempotencyHeader,
        body: jsonSchema(inlineRunBodySchema),
        response: { 200: startedResponse, 201: startedResponse, 400: problemsResponse, 409: errorResponse },
      },
    },
    async (request, reply) => {
      const body = parse(inlineRunBodySchema, request.body);
      const triggerId = triggerIdOf(request, body.triggerId);
      const validation = validateChain(body.chain, installationContext(config));
      if (!validation.ok) throw new ProblemsError(validation.problems.map((p) => ({ path: p.path ? `chain.${p.path}` : 'chain', message: p.message })));
      const secrets = inlineSecretReferences(body.chain);
      if (secrets.length > 0) throw new ProblemsError(secrets);
      const job = loadJobs(config).jobs.get(validation.chain.name);
      if (job) throw new ApiError(409, `"${validation.chain.name}" is a job of the jobs directory (${job.file}); start it with POST /v1/jobs/${validation.chain.name}/runs, or give the inline chain another name`);
      return startApiRun(validation.chain, body, triggerId, reply, true);
    },
  );

  app.post(
    '/v1/events/:type',
    {
      config: { scope: 'events:write' },
      schema: {
        summary: 'Fire an event: insight.created, insight.closed, insight.on_demand, sensor.heartbeat or rule.signals',
        params: { type: 'object', properties: { type: { type: 'string', enum: [...API_EVENT_TYPES] } }, required: ['type'] },
        headers: idempotencyHeader,
        body: { oneOf: [jsonSchema(insightEventBodySchema), jsonSchema(heartbeatBodySchema), jsonSchema(signalsBodySchema)] },
        response: { 202: { oneOf: [fireReportResponse, heartbeatResponse, signalsResponse] }, 400: problemsResponse, 404: errorResponse, 409: { ...errorResponse, description: 'the job named in "job" does not subscribe to this event' } },
      },
    },
    async (request: FastifyRequest<{ Params: { type: string } }>, reply: FastifyReply) => {
      const type = request.params.type;
      if ((INSIGHT_EVENTS as readonly string[]).includes(type)) {
        const body = parse(insightEventBodySchema, insightEventBody(request.body));
        if (body.job !== undefined && !loadJobs(config).jobs.has(body.job)) throw new ApiError(404, `no job "${body.job}" in the jobs directory`);
        // The trigger id is the event id; without one, fireEvent derives it as `riposte fire` does.
        const id = triggerIdOf(request, body.triggerId);
        const input = { type: type as (typeof INSIGHT_EVENTS)[number], insight: body.insight, ...(id ? { id } : {}) };
        return reply.code(202).send(await fireEvent(client, config, input, { store, ...(deps.uiUrl ? { uiUrl: deps.uiUrl } : {}), ...(body.job ? { job: body.job } : {}) }));
      }
      if (type === 'sensor.heartbeat') {
        const body = parse(heartbeatBodySchema, request.body);
        await recordHeartbeat(client, config, body.sensorId, { at: body.at ? new Date(body.at) : new Date(), ...(body.name ? { name: body.name } : {}) });
        return reply.code(202).send({ sensorId: body.sensorId, windowMs: sensorWindowMs(config, body.sensorId) });
      }
      if (type === 'rule.signals') {
        const body = parse(signalsBodySchema, request.body);
        await reportRuleSignals(client, config, body.ruleId, body.count, { at: body.at ? new Date(body.at) : new Date(), ...(body.name ? { name: body.name } : {}) });
        return reply.code(202).send({ ruleId: body.ruleId, count: body.count });
      }
      throw new ApiError(404, `unknown event type "${type}"; known: ${API_EVENT_TYPES.join(', ')}`);
    },
  );

  // Intake hooks: each checks its own secret, so they carry no scope.
  registerHookRoutes(app, { config, client, store, ...(deps.uiUrl ? { uiUrl: deps.uiUrl } : {}) });

  app.get(
    '/v1/runs/:id',
    {
      config: { scope: 'runs:read' },
      schema: {
        summary: "A run's status and step outputs (the `riposte run --json` shape), with live progress while it runs",
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 404: errorResponse },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const handle = client.workflow.getHandle(request.params.id);
      let report: ApiRunReport;
      try {
        report = await readRun(handle, { wait: false, store });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiError(404, `no run "${request.params.id}"`);
        throw err;
      }
      if (report.status === 'running') {
        const progress = await queryProgress(handle);
        if (progress) report = { ...report, progress };
      }
      const url = await handleUrl(handle, deps.uiUrl, config.temporal.namespace);
      return { ...report, ...(url ? { url } : {}) };
    },
  );

  app.get(
    '/v1/incidents',
    {
      config: { scope: 'incidents:read' },
      schema: {
        summary: 'Incidents, newest first',
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 }, job: { type: 'string' } } },
      },
    },
    async (request: FastifyRequest<{ Querystring: { limit?: string; job?: string } }>) => {
      const query = parse(
        z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(50), job: z.string().min(1).optional() }).strict(),
        request.query,
      );
      return store.listIncidents({ limit: query.limit, ...(query.job ? { job: query.job } : {}) });
    },
  );

  app.get(
    '/v1/sensors',
    {
      config: { scope: 'sensors:read' },
      schema: { summary: 'Every watched sensor: online or offline, last heartbeat, window, recent outages and the runs they started', response: { 200: { type: 'array', items: sensorResponse } } },
    },
    async () => listSensors(client, config.temporal.taskQueue),
  );

  app.get(
    '/v1/sensors/:id',
    {
      config: { scope: 'sensors:read' },
      schema: {
        summary: "One sensor's state (`riposte sensor status --json`)",
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: sensorResponse, 404: errorResponse },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const state = await sensorStatus(client, request.params.id);
      if (!state) throw new ApiError(404, `no sensor "${request.params.id}" has sent a heartbeat`);
      return state;
    },
  );

  app.get(
    '/v1/rules/:id',
    {
      config: { scope: 'rules:read' },
      schema: {
        summary: "A rule's guard state (`riposte rule status --json`): enabled, who disabled it and why, signals per window, limits",
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: ruleResponse, 400: problemsResponse },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => ruleStatus(client, config, request.params.id),
  );

  await app.register(approvalsApi, { config, client, store });
  await app.register(consoleApi, { config, client, store, ...(deps.uiUrl ? { uiUrl: deps.uiUrl } : {}) });
  return app;
}

/** Starts the API on `config.api.listen` (host:port) and returns the address it listens on. */
export async function listenApi(app: FastifyInstance, listen: string): Promise<string> {
  const at = listen.lastIndexOf(':');
  return app.listen({ host: listen.slice(0, at), port: Number(listen.slice(at + 1)) });
}
