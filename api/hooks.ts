// Intake hooks: Splunk, Cloud SIEM, Alertmanager and any JSON sender post their own body to /v1/hooks/{hook}.
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ProblemsError, disabledRuleMessage, formatPath, isClosedInsight, readInsight, type ResultRow, type Trigger } from '../dsl';
import type { Store } from '../store/store';
import { resolveSecret } from '../config/secrets';
import { ConfigError, type Config, type HookConfig } from '../config/config';
import { EventValidationError, fireEvent } from '../control/events';
import { loadJobs } from '../config/jobs';
import { TRIGGER_ID_PATTERN, startJobRun } from '../control/job-runs';
import { disabledRuleOf } from '../control/rule-guard';

/** A problem with a hook's body, by path. */
export interface HookProblem {
  path: string;
  message: string;
}

/** What a job-starting hook format makes of a body: the run's results, its trigger id, and what `trigger` carries. */
export interface HookStart {
  results: ResultRow[];
  triggerId: string;
  trigger: Record<string, unknown>;
}

/** A body that does not fit its hook's format; answered 400 with every problem. */
export class HookBodyError extends ProblemsError {
  constructor(problems: HookProblem[]) {
    super(problems, { type: 'HookBodyError', message: problems.map((p) => `${p.path || '(body)'}: ${p.message}`).join('; ') });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * A trigger id from a value the sender chose: used as it is when it fits a trigger id (so that it
 * reads the same in run ids), otherwise replaced by a digest of it, which is just as stable.
 */
export function triggerIdFrom(prefix: string, value: string): string {
  return TRIGGER_ID_PATTERN.test(value) ? value : `${prefix}-${sha256(value).slice(0, 40)}`;
}

function problemsOf(error: z.ZodError): HookProblem[] {
  return error.issues.map((i) => {
    const missing = /^Invalid input: expected (\w+), received undefined$/.exec(i.message);
    return { path: formatPath(i.path as (string | number)[]), message: missing ? `missing; give ${missing[1] === 'object' || missing[1] === 'array' ? 'an' : 'a'} ${missing[1]}` : i.message };
  });
}

/**
 * Splunk's webhook alert action body (Splunk Enterprise Alerting Manual, "Use a webhook alert
 * action"): `result` (the first result row), `sid`, `results_link`, `search_name`, `owner`, `app`.
 */
const splunkBody = z
  .object({
    result: z.record(z.string(), z.unknown()).nullish(),
    sid: z.string().min(1, { message: 'give the search id (sid) of the alert' }),
    results_link: z.string().nullish(),
    search_name: z.string().nullish(),
    owner: z.string().nullish(),
    app: z.string().nullish(),
  })
  .loose();

/** `result` is the run's one result, `sid` its trigger id, the rest `trigger.splunk`. */
export function splunkStart(body: unknown): HookStart {
  const parsed = splunkBody.safeParse(body);
  if (!parsed.success) throw new HookBodyError(problemsOf(parsed.error));
  const { result, ...rest } = body as Record<string, unknown>;
  return { results: isObject(result) ? [result] : [], triggerId: triggerIdFrom('sid', parsed.data.sid), trigger: { splunk: rest } };
}

/**
 * Prometheus Alertmanager's webhook body (docs/configuration.md, `<webhook_config>`): version "4",
 * `groupKey`, `status`, `alerts[]` each with a `fingerprint`, the group's labels and annotations.
 */
const alertmanagerBody = z
  .object({
    version: z.string().nullish(),
    groupKey: z.string().min(1, { message: 'give the groupKey Alertmanager sends' }),
    status: z.string().nullish(),
    alerts: z.array(
      z
        .object({
          fingerprint: z.string().min(1, { message: 'each alert needs its fingerprint' }),
          status: z.string().nullish(),
          startsAt: z.string().nullish(),
        })
        .loose(),
    ),
  })
  .loose();

/**
 * Each alert is a result, the rest of the body `trigger.alertmanager`. The trigger id is made of
 * the `groupKey` and each alert's fingerprint, with its status and start: Alertmanager repeating a
 * notification starts nothing new, but an alert resolving, or firing again later, does.
 */
export function alertmanagerStart(body: unknown): HookStart {
  const parsed = alertmanagerBody.safeParse(body);
  if (!parsed.success) throw new HookBodyError(problemsOf(parsed.error));
  const { alerts, ...rest } = body as Record<string, unknown>;
  const key = JSON.stringify([parsed.data.groupKey, parsed.data.alerts.map((a) => [a.fingerprint, a.status ?? '', a.startsAt ?? ''])]);
  return { results: alerts as ResultRow[], triggerId: `am-${sha256(key).slice(0, 40)}`, trigger: { alertmanager: rest } };
}

/** Resolves a JSON Pointer (RFC 6901) in a parsed body; `found: false` when it names nothing. */
export function resolvePointer(document: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  if (pointer === '') return { found: true, value: document };
  let at: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at) && /^(0|[1-9]\d*)$/.test(token) && Number(token) < at.length) at = at[Number(token)];
    else if (isObject(at) && Object.prototype.hasOwnProperty.call(at, token)) at = at[token];
    else return { found: false };
  }
  return { found: true, value: at };
}

/**
 * Any JSON body: `resultsPath` names the array (or the one object) that becomes the results, the
 * whole body by default; `triggerIdPath` names the trigger id, a digest of the body by default.
 */
export function jsonStart(body: unknown, hook: Extract<HookConfig, { format: 'json' }>): HookStart {
  const resultsPath = hook.resultsPath ?? '';
  const at = resolvePointer(body, resultsPath);
  if (!at.found) throw new HookBodyError([{ path: resultsPath, message: `resultsPath "${resultsPath}" names nothing in the body; point it at the array of results (api.hooks.*.resultsPath)` }]);
  const list = Array.isArray(at.value) ? at.value : [at.value];
  const bad = list.findIndex((r) => !isObject(r));
  if (bad >= 0) throw new HookBodyError([{ path: `${resultsPath}/${bad}`, message: 'each result must be a JSON object; point resultsPath at an array of objects, or at one object' }]);
  let triggerId: string;
  if (hook.triggerIdPath !== undefined) {
    const id = resolvePointer(body, hook.triggerIdPath);
    const value = id.found ? id.value : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new HookBodyError([{ path: hook.triggerIdPath, message: `triggerIdPath "${hook.triggerIdPath}" names ${id.found ? 'no string or number' : 'nothing'} in the body; point it at the field that identifies the alert` }]);
    }
    triggerId = triggerIdFrom('id', String(value));
  } else {
    triggerId = `body-${sha256(JSON.stringify(body)).slice(0, 40)}`;
  }
  return { results: list as ResultRow[], triggerId, trigger: {} };
}

/** A hook with its secret resolved, kept only as a digest. */
interface ResolvedHook {
  name: string;
  hook: HookConfig;
  digest: Buffer;
}

/** Resolves every hook's secret once; a reference that cannot be resolved stops the API from starting. */
export function resolveHooks(config: Config): Map<string, ResolvedHook> {
  const out = new Map<string, ResolvedHook>();
  for (const [name, hook] of Object.entries(config.api.hooks)) {
    const where = `api.hooks.${name}.secret`;
    let value: string;
    try {
      value = resolveSecret(hook.secret, where);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    if (value.length < 16) throw new ConfigError(`${where}: use at least 16 characters (make one with \`openssl rand -hex 32\`)`);
    out.set(name, { name, hook, digest: crypto.createHash('sha256').update(value).digest() });
  }
  return out;
}

/** The secrets a request presents: the path segment, a Bearer token, the password of Basic auth. */
export function presentedSecrets(authorization: string | undefined, pathSecret: string | undefined): string[] {
  const out: string[] = [];
  if (pathSecret !== undefined) out.push(pathSecret);
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (bearer) out.push(bearer[1]);
  const basic = authorization ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) out.push(decoded.slice(colon + 1));
  }
  return out;
}

/** Compares every presented secret with the hook's, in constant time (digests of equal length), without stopping at a match. */
function authorized(hook: ResolvedHook, presented: string[]): boolean {
  let ok = false;
  for (const p of presented) ok = crypto.timingSafeEqual(crypto.createHash('sha256').update(p).digest(), hook.digest) || ok;
  return ok;
}

/** What the hook routes need. */
export interface HookRouteDeps {
  config: Config;
  client: Client;
  store: Store;
  uiUrl?: string;
}

const problemsResponse = { type: 'object', properties: { problems: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } } };
const errorResponse = { type: 'object', properties: { error: { type: 'string' } } };
// As POST /v1/jobs/{name}/runs and the event endpoints answer; the answer's serializer keeps only what a schema names.
const startedResponse = { type: 'object', properties: { runId: { type: 'string' }, job: { type: 'string' }, url: { type: 'string' }, created: { type: 'boolean', description: 'false when the same delivery had already started this run' } } };
const firedResponse = { type: 'object', description: 'what firing the Insight event did, as `riposte fire --json` prints it', additionalProperties: true };

/**
 * Adds `POST /v1/hooks/{hook}` (secret as Bearer token or Basic password) and
 * `POST /v1/hooks/{hook}/{secret}` (for senders that cannot set headers, such as Splunk). The
 * request log shows the route pattern, never the path's secret: anything else under /v1/hooks/
 * has a route of its own for that reason.
 */
export async function hookRoutes(app: FastifyInstance, deps: HookRouteDeps): Promise<void> {
  const { config, client, store } = deps;
  const hooks = resolveHooks(config);
  const starter = { client, config, store, uiUrl: deps.uiUrl };

  async function handle(request: FastifyRequest<{ Params: { hook: string; secret?: string } }>, reply: FastifyReply) {
    const found = hooks.get(request.params.hook);
    if (!found) return reply.code(404).send({ error: `no hook "${request.params.hook}" in api.hooks` });
    if (!authorized(found, presentedSecrets(request.headers.authorization, request.params.secret))) {
      reply.header('www-authenticate', 'Bearer realm="riposte", Basic realm="riposte"');
      return reply.code(401).send({ error: `give hook "${found.name}"'s secret: Authorization: Bearer <secret>, the password of Basic auth, or /v1/hooks/${found.name}/<secret>` });
    }
    const hook = found.hook;
    if (hook.format === 'sumo-insight') {
      const reading = readInsight(request.body);
      if (!reading.ok) throw new HookBodyError(reading.problems.map((p) => ({ path: formatPath(p.path), message: p.message })));
      // The Insight id is the event id: Cloud SIEM posting the same Insight again starts nothing new.
      const type = isClosedInsight(reading.insight) ? 'insight.closed' : 'insight.created';
      try {
        const report = await fireEvent(client, config, { type, insight: reading.insight }, { store, ...(deps.uiUrl ? { uiUrl: deps.uiUrl } : {}), ...(hook.job ? { job: hook.job } : {}) });
        return reply.code(202).send(report);
      } catch (err) {
        if (err instanceof EventValidationError && hook.job !== undefined && err.message.startsWith(`job "${hook.job}"`)) return reply.code(404).send({ error: err.message });
        throw err;
      }
    }
    const start = hook.format === 'splunk' ? splunkStart(request.body) : hook.format === 'alertmanager' ? alertmanagerStart(request.body) : jsonStart(request.body, hook);
    const catalog = loadJobs(config);
    const job = catalog.jobs.get(hook.job);
    if (!job) {
      const invalid = catalog.invalid.find((f) => f.file.endsWith(`${hook.job}.json`));
      return reply.code(404).send({ error: invalid ? `job "${hook.job}" does not validate: ${invalid.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` : `hook "${found.name}" names job "${hook.job}", which is not in the jobs directory` });
    }
    if (!job.chain.active) return reply.code(409).send({ error: `job "${job.chain.name}" is inactive ("active": false in ${job.file})` });
    const disabled = await disabledRuleOf(client, job.chain);
    if (disabled) return reply.code(409).send({ error: `job "${job.chain.name}" is not started: ${disabledRuleMessage(disabled)}; enable it with \`riposte rule enable ${disabled.id}\`` });
    const trigger: Trigger = { type: 'hook', hook: found.name, format: hook.format, ...start.trigger };
    const started = await startJobRun(starter, job.chain, { results: start.results, trigger, triggerId: start.triggerId });
    return reply.code(started.created ? 201 : 200).send(started);
  }

  const schema = (summary: string, withSecret: boolean) => ({
    summary,
    description: 'Formats (api.hooks.*.format): splunk (the webhook alert action body), sumo-insight (a Cloud SIEM Insight, bare or as { data, errors }), alertmanager (the webhook_config body), json (any body; resultsPath and triggerIdPath are JSON Pointers). The same body again starts nothing new.',
    params: { type: 'object', properties: { hook: { type: 'string' }, ...(withSecret ? { secret: { type: 'string' } } : {}) }, required: ['hook', ...(withSecret ? ['secret'] : [])] },
    security: withSecret ? [] : [{ bearer: [] }],
    response: { 200: startedResponse, 201: startedResponse, 202: firedResponse, 400: problemsResponse, 401: errorResponse, 404: errorResponse, 409: errorResponse },
  });
  app.post('/v1/hooks/:hook', { schema: schema("Start a job, or fire an Insight event, from a sender's own body; the hook's secret as Bearer token or Basic password", false) }, handle);
  app.post('/v1/hooks/:hook/:secret', { schema: schema("As POST /v1/hooks/{hook}, with the hook's secret as the last path segment (for senders that cannot set headers)", true) }, handle);
  // Anything else under /v1/hooks/ (a wrong method, an extra segment) answers here, so that its URL,
  // which may hold a secret, is logged as this pattern rather than as sent.
  app.all('/v1/hooks/*', { schema: { hide: true } }, async (request, reply) => {
    if (request.method !== 'POST') reply.header('allow', 'POST');
    return reply.code(request.method === 'POST' ? 404 : 405).send({ error: 'post to /v1/hooks/{hook} (secret as Bearer token or Basic password) or /v1/hooks/{hook}/{secret}' });
  });
}
