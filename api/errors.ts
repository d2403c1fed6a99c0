// The intake API's refusals (ProblemsError, from dsl, for every validation-like one) and the one error handler that turns every thrown error into an answer.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ProblemsError, formatPath } from '../dsl';
import type { Logger } from '../config/log';
import { JobNotSubscribedError } from '../control/events';
import { TRIGGER_ID_PATTERN } from '../control/job-runs';

/** A refusal with a status and one message. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a body or query with a zod schema; every issue becomes a problem by path. */
export function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new ProblemsError(parsed.error.issues.map((i) => ({ path: formatPath(i.path as (string | number)[]), message: i.message })));
}

/** The trigger id of a start: the Idempotency-Key header, else the body's triggerId; both given must agree. */
export function triggerIdOf(request: FastifyRequest, fromBody: string | undefined): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return fromBody;
  const key = Array.isArray(header) ? header[0] : header;
  if (!TRIGGER_ID_PATTERN.test(key)) throw new ProblemsError([{ path: 'Idempotency-Key', message: 'use 1-200 letters, digits, ".", "_", ":", "@" and "-", starting with a letter or digit' }]);
  if (fromBody !== undefined && fromBody !== key) throw new ProblemsError([{ path: 'triggerId', message: 'differs from the Idempotency-Key header; give one of them' }]);
  return key;
}

/** What the error handler needs. */
export interface ErrorHandlerDeps {
  bodyLimit: number;
  logger: Logger;
}

/** Sets the one error handler of the API (every route plugin inherits it): each refusal's status and body. */
export function handleApiErrors(app: FastifyInstance, deps: ErrorHandlerDeps): void {
  const { bodyLimit, logger: log } = deps;
  app.setErrorHandler((err: FastifyError, request, reply) => {
    // Every validation-like refusal (a request, a chain, an event, a hook body, a sensor or rule id).
    if (err instanceof ProblemsError) return reply.code(400).send({ problems: err.problems });
    if (err instanceof ApiError) return reply.code(err.statusCode).send({ error: err.message });
    if (err instanceof JobNotSubscribedError) return reply.code(409).send({ error: err.message });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ error: `the request body is larger than ${bodyLimit} bytes (api.bodyLimit)` });
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send({ error: 'send the body as application/json' });
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return reply.code(400).send({ problems: [{ path: '', message: 'the body is empty; send a JSON object ({} at least)' }] });
    if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return reply.code(400).send({ problems: [{ path: '', message: `malformed JSON: ${err.message}` }] });
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    // Anything else may carry upstream details: the caller gets a generic answer, the log only the message.
    log.error({ event: 'http.error', route: request.routeOptions.url ?? 'unmatched', error: err.message }, `internal error: ${err.message}`);
    return reply.code(500).send({ error: 'internal error; see the riposte log' });
  });
}
