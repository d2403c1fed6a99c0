// GET /v1/incidents: the store's incidents, newest first.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parse } from '../errors';
import type { RouteDeps } from './deps';

const incidentsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(50), job: z.string().min(1).optional() }).strict();

/** The incident routes (a Fastify plugin). */
export async function incidentRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { store } = deps;
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
      const query = parse(incidentsQuerySchema, request.query);
      return store.listIncidents({ limit: query.limit, ...(query.job ? { job: query.job } : {}) });
    },
  );
}
