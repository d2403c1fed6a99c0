// The rendered parameters of a step, checked against its action's schema, with the literal secret references resolved.
import { ChainValidationError, parseRenderedParams, type ActionName, type ActionRequest } from '../../dsl';
import { originOf } from './deps';
import { actionFailure } from './errors';
import { resolveLiteralSecrets } from './secrets';

/**
 * Checks the rendered parameters against the action's schema and applies its defaults. This runs
 * here rather than in the workflow: the workflow sandbox evaluates its modules afresh for every run,
 * and keeping zod out of it saves megabytes and milliseconds per run. The dry run checks with it too.
 */
export function checked<A extends ActionName>(request: ActionRequest<A>): ActionRequest<A> {
  let params: ActionRequest<A>['params'];
  try {
    params = parseRenderedParams(request.action, request.params, ['steps', request.stepIndex ?? 0, 'with']) as ActionRequest<A>['params'];
  } catch (err) {
    if (err instanceof ChainValidationError) throw actionFailure('ActionInputError', err.message.replace(/\n/g, '; '));
    throw err;
  }
  // The trust rule in one place: only values the chain wrote literally as secret references are resolved.
  return { ...request, params: resolveLiteralSecrets(params, request.secretPaths, originOf(request)) };
}
