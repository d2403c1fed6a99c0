// POST /v1/runs (start an inline chain) and GET /v1/runs/{id} (a run's report and live progress).
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemsError, formatPath, isSecretReference, validateChain, type Problem } from '../../dsl';
import { handleUrl, readRun, type RunReport } from '../../control/client';
import { installationContext, loadJobs } from '../../config/jobs';
import { queryProgress, type RunProgress } from '../../control/progress';
import { ApiError, parse, triggerIdOf } from '../errors';
import { errorResponse, idempotencyHeader, inlineRunBodySchema, jsonSchema, problemsResponse, startedResponse } from '../schemas';
import type { RouteDeps } from './deps';
import { startApiRun } from './start';

/** A run's report with its live progress while it runs. */
export type ApiRunReport = RunReport & { progress?: RunProgress };

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

/** The run routes (a Fastify plugin). */
export async function runRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { config, client, store } = deps;
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
      return startApiRun(deps, { chain: validation.chain, results: body.results, params: body.params, triggerId, inline: true }, reply);
    },
  );

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
}
