// The interpreter's ports on Temporal: activities, children, patches, the status query, search attributes and metrics.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, executeChild, metricMeter, patched, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES, type ActionRequest, type RunStatus, type Step } from '../dsl/model';
import { requestApproval, waitingApprovals } from './approval';
import { engine, endsCancelled } from './engine';
import { activityOptions, localActivityOptions } from './execute';
import type { Ports, SegmentInput, SegmentOutput } from './ports';
import { runJob } from './run-job';

/** The `status` query: current step, progress of an `each` step, and outputs so far. */
export const statusQuery = defineQuery<RunStatus>('status');

/** Set by Temporal Schedules on the runs they start. */
const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

type StepActivity = (request: ActionRequest) => Promise<unknown>;

/** The ports of the running workflow. Activity proxies are made once per step. */
export function temporalPorts(): Ports {
  const proxies = new Map<Step, Record<string, StepActivity>>();
  const localProxies = new Map<Step, Record<string, StepActivity>>();
  const proxyOf = (step: Step, local: boolean) => {
    const cache = local ? localProxies : proxies;
    let proxy = cache.get(step);
    if (!proxy) {
      proxy = local ? proxyLocalActivities<Record<string, StepActivity>>(localActivityOptions(step)) : proxyActivities<Record<string, StepActivity>>(activityOptions(step));
      cache.set(step, proxy);
    }
    return proxy;
  };
  const counters = {
    riposte_runs: metricMeter.createCounter('riposte_runs', '', 'finished runs by chain and outcome'),
    riposte_steps: metricMeter.createCounter('riposte_steps', '', 'finished steps by chain, action and status'),
  };
  return {
    // Plain functions returning the SDK's promises: no extra microtask before a command (see attemptLegacy).
    action: (step, request, local = false) => proxyOf(step, local)[step.action](request),
    engine,
    runJob: (args) => runJob(args),
    requestApproval: (args) => requestApproval(args.scope, args.step, args.stepIndex, args.rendered, args.index, args.context),
    runSegment: (input: SegmentInput, options) => executeChild<(input: SegmentInput) => Promise<SegmentOutput>>('runSegment', { args: [input], workflowId: options.workflowId, staticSummary: options.summary }),
    patched,
    replaying: () => workflowInfo().unsafe.isReplaying,
    endsCancelled,
    identity() {
      const info = workflowInfo();
      const scheduled = info.typedSearchAttributes.get(SCHEDULED_START);
      const searchAttributes = Object.fromEntries([SEARCH_ATTRIBUTES.job, SEARCH_ATTRIBUTES.chain, SEARCH_ATTRIBUTES.trigger].map((key) => [key.name, info.typedSearchAttributes.get(key)]));
      return { workflowId: info.workflowId, runId: info.runId, namespace: info.namespace, startTime: info.startTime, searchAttributes, ...(scheduled instanceof Date ? { scheduledTime: scheduled } : {}) };
    },
    onStatus: (answer, scope) => setHandler(statusQuery, () => ({ ...answer(), ...waitingApprovals(scope) })),
    upsertSearchAttributes,
    count: (metric, labels) => counters[metric].add(1, labels),
  };
}
