// The chain interpreter: runs each step of a chain as activities, once or per result, in one durable workflow.
import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  CATALOGUE,
  ChainValidationError,
  SEARCH_ATTRIBUTES,
  TemplateError,
  durationMs,
  prepareStep,
  stepContext,
  validateChain,
  type ActionActivities,
  type ActionName,
  type ActionOutputs,
  type ActionRequest,
  type ActionSpec,
  type BaseContext,
  type EngineActivities,
  type ResultRow,
  type RunInput,
  type RunOutcome,
  type RunStatus,
  type Step,
  type StepRecord,
  type StepStatus,
} from '../dsl';

/** The `status` query: current step and outputs so far. */
export const statusQuery = defineQuery<RunStatus>('status');

const engine = proxyActivities<EngineActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '30s' },
  summary: 'response limiter',
});

/** The error types that are the user's to fix: retrying them cannot help. */
const NON_RETRYABLE = ['PeerRejectedError', 'ActionInputError', 'ConnectionConfigError', 'ChainValidationError'];

function activityOptions(step: Step, spec: ActionSpec): ActivityOptions {
  const retry = { ...spec.retry, ...step.retry };
  return {
    startToCloseTimeout: step.timeout ?? spec.timeout,
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: retry.initialInterval,
      backoffCoefficient: retry.backoff,
      maximumInterval: retry.maxInterval,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
    summary: `${step.id}: ${step.action}`,
    ...(step.host ? { taskQueue: `riposte-host-${step.host}` } : {}),
  };
}

function callAction<A extends ActionName>(activities: ActionActivities, action: A, request: ActionRequest<A>): Promise<ActionOutputs[A]> {
  const fn = activities[action] as (r: ActionRequest<A>) => Promise<ActionOutputs[A]>;
  return fn(request);
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  if (err instanceof ChainValidationError) return err.message.replace(/\n/g, '; ');
  if (err instanceof Error) return err.message;
  return String(err);
}

type Attempt = { status: StepStatus; output?: unknown; error?: string; missing: string[] };

/** Runs a chain for one trigger. Returns every step's record; a failed run carries them in its failure details. */
export async function runChain(input: RunInput): Promise<RunOutcome> {
  const validation = validateChain(input.chain);
  if (!validation.ok) {
    throw ApplicationFailure.create({
      type: 'ChainValidationError',
      nonRetryable: true,
      message: `chain "${String((input.chain as { name?: unknown })?.name)}" is invalid: ${validation.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    });
  }
  const chain = validation.chain;
  const info = workflowInfo();
  const results: ResultRow[] = input.results ?? [];
  const steps: Record<string, StepRecord> = {};
  let currentStep: string | null = null;
  let progress: RunStatus['progress'];
  setHandler(statusQuery, () => ({ currentStep, progress, steps }));

  const incidentIds: string[] = [];
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.job, value: chain.name },
    { key: SEARCH_ATTRIBUTES.chain, value: chainVersion(input.chain) },
    { key: SEARCH_ATTRIBUTES.trigger, value: input.trigger?.type ?? 'manual' },
  ]);

  const startedAt = info.startTime.toISOString();
  const timeframe = input.timeframe ?? (chain.timeframe ? { from: new Date(info.startTime.getTime() - durationMs(chain.timeframe)).toISOString(), to: startedAt } : undefined);
  const uiUrl = input.uiUrl ? `${input.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(info.namespace)}/workflows/${encodeURIComponent(info.workflowId)}/${info.runId}/history` : undefined;
  const base: BaseContext = {
    results,
    params: { ...chain.params, ...(input.params ?? {}) },
    globals: input.globals ?? {},
    job: { name: chain.name, timeframe },
    run: { id: info.workflowId, runId: info.runId, startedAt, url: uiUrl },
    trigger: input.trigger ?? { type: 'manual' },
  };

  const inheritedIncident = (index: number | null): string | undefined => {
    const earlier = chain.steps.filter((s) => s.action === 'incident.create' && steps[s.id]?.status === 'completed');
    for (const s of earlier.reverse()) {
      const record = steps[s.id];
      const output = (record.mode === 'each' ? record.outputs?.[index ?? 0] : record.output) as { incident_id?: string } | null | undefined;
      if (output?.incident_id) return output.incident_id;
    }
    return undefined;
  };

  const attempt = async (step: Step, stepIndex: number, index: number | null, activities: ActionActivities): Promise<Attempt> => {
    const action = step.action as ActionName;
    const spec: ActionSpec = CATALOGUE[action];
    const context = stepContext(base, steps, index);
    let missing: string[] = [];
    try {
      const prepared = prepareStep(chain, step, stepIndex, context);
      missing = prepared.missing;
      if (prepared.skip) return { status: 'skipped', missing };
      const params = prepared.params;

      if (step.throttle && prepared.throttleKey !== undefined) {
        const key = prepared.throttleKey;
        const claim = await engine.acquireThrottle({
          key: `${chain.name}/${step.id}/${key}`,
          windowMs: durationMs(step.throttle.window),
          holder: `${info.workflowId}/${step.id}/${index ?? 'once'}`,
        });
        if (!claim.acquired) return { status: 'throttled', output: { throttledUntil: claim.until, key }, missing };
      }

      const request = {
        action,
        stepId: step.id,
        params,
        connection: step.connection,
        idempotencyKey: `${info.workflowId}/${step.id}/${index ?? 'once'}`,
        index,
        job: { name: chain.name, timeframe },
        run: { id: info.workflowId, startedAt },
        ...(spec.rows === 'result' ? { result: context.result as ResultRow } : {}),
        ...(spec.rows === 'results' ? { results: index === null ? results : [results[index]] } : {}),
        ...(spec.inheritsIncident ? { incidentId: inheritedIncident(index) } : {}),
      } as ActionRequest;
      const output: object = await callAction(activities, action, request);
      return { status: 'completed', output: missing.length > 0 ? { ...output, missingTokens: missing } : output, missing };
    } catch (err) {
      if (err instanceof TemplateError || err instanceof ChainValidationError || err instanceof ActivityFailure) {
        return { status: 'failed', error: failureMessage(err), missing };
      }
      throw err;
    }
  };

  for (const [stepIndex, step] of chain.steps.entries()) {
    currentStep = step.id;
    const activities = proxyActivities<ActionActivities>(activityOptions(step, CATALOGUE[step.action as ActionName]));
    let record: StepRecord;
    if (step.mode === 'once') {
      progress = undefined;
      const a = await attempt(step, stepIndex, null, activities);
      record = { status: a.status, action: step.action, mode: 'once', output: a.output ?? null, ...(a.error ? { error: a.error } : {}), ...(a.missing.length ? { missingTokens: a.missing } : {}) };
    } else {
      const total = results.length;
      const outputs: unknown[] = new Array(total).fill(null);
      const statuses: StepStatus[] = new Array(total).fill('skipped');
      const errors: string[] = [];
      const missing = new Set<string>();
      let next = 0;
      let done = 0;
      let stop = false;
      progress = { done, total };
      const lane = async () => {
        while (!stop && next < total) {
          const index = next++;
          const a = await attempt(step, stepIndex, index, activities);
          outputs[index] = a.output ?? null;
          statuses[index] = a.status;
          a.missing.forEach((m) => missing.add(m));
          if (a.status === 'failed') {
            errors.push(`result ${index}: ${a.error}`);
            if (step.onError === 'fail') stop = true;
          }
          progress = { done: ++done, total };
        }
      };
      await Promise.all(Array.from({ length: Math.min(step.concurrency ?? 20, total) }, lane));
      const failed = statuses.filter((s) => s === 'failed').length;
      const status: StepStatus = failed > 0 ? 'failed' : total === 0 || statuses.every((s) => s === 'skipped') ? 'skipped' : statuses.every((s) => s === 'throttled' || s === 'skipped') ? 'throttled' : 'completed';
      record = {
        status,
        action: step.action,
        mode: 'each',
        outputs,
        statuses,
        ...(failed > 0 ? { error: `${failed} of ${total} results failed; ${errors[0]}` } : {}),
        ...(missing.size ? { missingTokens: [...missing] } : {}),
      };
    }
    steps[step.id] = record;

    if (step.action === 'incident.create' && record.status === 'completed') {
      const outs = record.mode === 'each' ? record.outputs ?? [] : [record.output];
      for (const o of outs) {
        const id = (o as { incident_id?: string } | null)?.incident_id;
        if (id && !incidentIds.includes(id)) incidentIds.push(id);
      }
      const severity = (step.with as { severity?: unknown }).severity;
      upsertSearchAttributes([
        { key: SEARCH_ATTRIBUTES.incidentIds, value: incidentIds.slice(0, 100) },
        ...(typeof severity === 'string' && !severity.includes('{{') ? [{ key: SEARCH_ATTRIBUTES.severity, value: severity }] : []),
      ]);
    }

    if (record.status === 'failed' && step.onError === 'fail') {
      currentStep = null;
      throw ApplicationFailure.create({
        type: 'StepFailedError',
        nonRetryable: true,
        message: `step "${step.id}" (${step.action}) failed: ${record.error}`,
        details: [{ steps }],
      });
    }
  }
  currentStep = null;
  return { steps };
}

/** A short, stable fingerprint of the chain that ran, to tell chain versions apart in the UI. */
function chainVersion(chain: unknown): string {
  const text = JSON.stringify(chain);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const name = (chain as { name?: string })?.name ?? 'chain';
  return `${name}@${(h2 >>> 0).toString(16).padStart(8, '0')}${(h1 >>> 0).toString(16).padStart(8, '0')}`;
}
