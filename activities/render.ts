// Renders a step in the activity that executes it: `when`, local params, `with` and the throttle key, with the step's tokens.
import { ApplicationFailure } from '@temporalio/activity';
import { ChainValidationError, TemplateError, durationMs, prepareStep, type ActionRequest, type Step, type StepTemplates } from '../dsl';
import type { ActivityDeps } from './shared/deps';
import { withStore } from './shared/deps';

/** How many results of a by-reference set the `results` token holds (the rest of the array is empty, its length the count). */
const PREVIEW = 100;

/** A step that rendered, or why it does not act: its `when` rendered false, or its throttle key is held. */
export type Rendered<A extends ActionRequest> = { status: 'ready'; request: A; missing: string[] } | { status: 'skipped'; missing: string[] } | { status: 'throttled'; output: { throttledUntil: string; key: string }; missing: string[] };

/** The failure of a step whose templates cannot render: not retried, the message names the field and its position. */
function templateFailure(err: TemplateError | ChainValidationError): ApplicationFailure {
  const message = err instanceof ChainValidationError ? err.message.replace(/\n/g, '; ') : err.message;
  return ApplicationFailure.create({ type: err instanceof TemplateError ? 'TemplateError' : 'ChainValidationError', message, nonRetryable: true });
}

async function tokensOf(deps: ActivityDeps, templates: StepTemplates): Promise<Record<string, unknown>> {
  if (!templates.results) return templates.context;
  const ref = templates.results;
  const first = await withStore('result loader', () => deps.store.loadResultSet(ref.id, 0, PREVIEW));
  // As the workflow saw it: the first page, and `results.length` the full count.
  return { ...templates.context, results: Object.assign(new Array<unknown>(ref.count), first) };
}

/**
 * Renders the request's templates into its parameters (the secret paths read from the chain's
 * literal text, as before), then evaluates `when` and claims the throttle key under the request's
 * idempotency key, so a retried execution finds its own claim. Throws the step's template failure.
 */
export async function renderStep<A extends ActionRequest>(deps: ActivityDeps, request: A): Promise<Rendered<A>> {
  const templates = request.templates;
  if (!templates) return { status: 'ready', request, missing: [] };
  const step = (templates.decide ? templates.step : { ...templates.step, when: undefined, throttle: undefined }) as Step;
  const context = await tokensOf(deps, templates);
  let prepared: ReturnType<typeof prepareStep>;
  try {
    prepared = prepareStep({ strict: templates.strict }, step, request.stepIndex ?? 0, context, { parse: false });
  } catch (err) {
    if (err instanceof TemplateError || err instanceof ChainValidationError) throw templateFailure(err);
    throw err;
  }
  if (prepared.skip) return { status: 'skipped', missing: prepared.missing };
  if (step.throttle && prepared.throttleKey !== undefined) {
    const key = prepared.throttleKey;
    const window = durationMs(step.throttle.window);
    const claim = await withStore('response limiter', () => deps.store.acquireThrottle(`${templates.chain}/${step.id}/${key}`, request.idempotencyKey, window));
    if (!claim.acquired) return { status: 'throttled', output: { throttledUntil: new Date(claim.until).toISOString(), key }, missing: prepared.missing };
  }
  const rendered = {
    ...request,
    templates: undefined,
    params: prepared.params,
    ...(prepared.secretPaths.length > 0 ? { secretPaths: prepared.secretPaths } : {}),
    ...(prepared.merge ? { merge: prepared.merge } : {}),
  } as A;
  return { status: 'ready', request: rendered, missing: prepared.missing };
}
