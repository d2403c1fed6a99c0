// The request an action's activity receives, built from a prepared step: one builder for the workflow and the dry run.
import { POLICIES, type ActionName, type ActivityActionName } from './action-policies';
import type { ActionPolicy } from './actions/policy';
import type { Step } from './chain';
import type { BaseContext, MergeRequest } from './prepare';
import type { ActionRequest, ResultRow, ResultsRef } from './run';

/** The key of one execution of a step: run, step and result (`once` in once mode). Idempotency keys and throttle holders use it. */
export function executionKey(runId: string, stepId: string, index: number | null): string {
  return `${runId}/${stepId}/${index ?? 'once'}`;
}

/** What the requests of a run share. */
export interface RequestScope {
  /** The workflow id of the run (not of a fan-out child). */
  runId: string;
  /** The run whose idempotency keys a retried run reuses (`riposte runs retry`), so effects are not repeated. */
  keyBase?: string;
  startedAt: string;
  base: BaseContext;
  resultsRef?: ResultsRef;
}

/**
 * The activity request for one execution: rendered parameters, the rows the action receives
 * (spec `rows`), the idempotency key and, where the spec says, the inherited incident and the trigger.
 */
export function actionRequest(
  scope: RequestScope,
  step: Step,
  stepIndex: number,
  index: number | null,
  result: ResultRow,
  prepared: { params: unknown; secretPaths: (string | number)[][]; merge?: MergeRequest },
  incidentId?: string,
): ActionRequest<ActivityActionName> {
  const action = step.action as ActionName;
  const spec: ActionPolicy = POLICIES[action];
  const rows =
    spec.rows === 'result'
      ? { result }
      : spec.rows === 'results'
        ? index !== null
          ? { results: [result] }
          : scope.resultsRef
            ? { resultsRef: scope.resultsRef }
            : { results: scope.base.results }
        : {};
  return {
    action,
    stepId: step.id,
    stepIndex,
    params: prepared.params,
    ...(prepared.secretPaths.length > 0 ? { secretPaths: prepared.secretPaths } : {}),
    ...(prepared.merge ? { merge: prepared.merge } : {}),
    connection: step.connection,
    idempotencyKey: executionKey(scope.keyBase ?? scope.runId, step.id, index),
    index,
    job: scope.base.job,
    run: { id: scope.runId, startedAt: scope.startedAt, ...(scope.base.run.url ? { url: scope.base.run.url } : {}) },

    ...rows,
    ...(spec.inheritsIncident ? { incidentId } : {}),
    ...(spec.receivesTrigger ? { trigger: scope.base.trigger } : {}),
  } as ActionRequest<ActivityActionName>;
}
