// The engine's own activities as the workflow calls them, and the rule for a cancellation reaching a step.
import { CancellationScope, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { EngineActivities } from '../dsl/model';

/** The engine's own activities: rendering of workflow-executed steps, response limiter, result loading, output keeping. */
export const engine = proxyActivities<EngineActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['TemplateError', 'ChainValidationError'] },
  summary: 'riposte engine',
});

/**
 * True when the run was cancelled (`riposte runs cancel`) and `err` is that cancellation reaching a
 * step: it must end the run `cancelled` rather than become a failed step. Runs cancelled before this
 * rule replay as they ran (a failed step), hence the patch.
 */
export function endsCancelled(err: unknown): boolean {
  return isCancellation(err) && CancellationScope.current().consideredCancelled && patched('cancelled-run-ends-cancelled');
}
