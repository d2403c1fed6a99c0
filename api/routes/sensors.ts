// GET /v1/sensors and /v1/sensors/{id}: the watched sensors' state.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listSensors, sensorStatus } from '../../control/sensors';
import { ApiError } from '../errors';
import { errorResponse, sensorResponse } from '../schemas';
import type { RouteDeps } from './deps';

/** The sensor routes (a Fastify plugin). */
export async function sensorRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { config, client } = deps;
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
}
