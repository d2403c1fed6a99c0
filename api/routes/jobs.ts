// POST /v1/jobs/{name}/runs: start a run of a job of the jobs directory.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadJobs } from '../../config/jobs';
import { ApiError, parse, triggerIdOf } from '../errors';
import { errorResponse, idempotencyHeader, jobRunBodySchema, jsonSchema, problemsResponse, startedResponse } from '../schemas';
import type { RouteDeps } from './deps';
import { startApiRun } from './start';

/** The job routes (a Fastify plugin). */
export async function jobRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { config } = deps;
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
      return startApiRun(deps, { chain: job.chain, results: body.results, params: body.params, triggerId }, reply);
    },
  );
}
