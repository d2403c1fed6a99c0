// GET /v1/rules/{id}: a rule's guard state.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ruleStatus } from '../../control/rule-guard';
import { problemsResponse, ruleResponse } from '../schemas';
import type { RouteDeps } from './deps';

/** The rule routes (a Fastify plugin). */
export async function ruleRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { config, client } = deps;
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
}
