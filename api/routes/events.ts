// POST /v1/events/{type}: fire an Insight event, record a sensor heartbeat or report a rule's signals.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadJobs } from '../../config/jobs';
import { fireEvent, insightEventBody } from '../../control/events';
import { reportRuleSignals } from '../../control/rule-guard';
import { recordHeartbeat, sensorWindowMs } from '../../control/sensors';
import { ApiError, parse, triggerIdOf } from '../errors';
import {
  API_EVENT_TYPES,
  INSIGHT_EVENTS,
  errorResponse,
  fireReportResponse,
  heartbeatBodySchema,
  heartbeatResponse,
  idempotencyHeader,
  insightEventBodySchema,
  jsonSchema,
  problemsResponse,
  signalsBodySchema,
  signalsResponse,
} from '../schemas';
import type { RouteDeps } from './deps';

/** The event routes (a Fastify plugin). */
export async function eventRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { config, client, store } = deps;
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
}
