// The activities a worker registers: one connector per action, under the action's name, plus the engine's own.
import { performance } from 'node:perf_hooks';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { TemporalFailure } from '@temporalio/common';
import { type ActionActivities, type ApprovalActivities, type ActionName, type ActionOutputs, type ActionRequest, type EngineActivities, type StepResult, type TriggerActivities } from '../dsl';
import type { ActivityDeps } from './shared/deps';
import { sendEmailAction } from './email-send';
import { indexEventsAction } from './events-index';
import { logEventsAction } from './events-log';
import { scoreMitreRiskAction } from './mitre-risk';
import { assignRiskAction } from './risk-assign';
import { createIncidentAction } from './incident-create';
import { tagMitreAction } from './mitre-tag';
import { originOf, withStore } from './shared/deps';
import { holdsKnownSecret, maskKnownSecrets } from './shared/secrets';
import { checked } from './shared/checked';
import { sendWebhookAction } from './webhook-send';
import { insertRowsAction } from './db-insert';
import { loadJobAction } from './job-run';
import { runScriptAction, type ScriptDeps } from './script-run';
import { createTriggerActivities } from './triggers';
import { runSearchActivity } from './search';
import { publishSnsAction } from './sns-publish';
import { createXsoarIncidentAction } from './xsoar-incident';
import { postInsightAction } from './http-post';
import { notifyHipchatAction } from './hipchat-notify';
import { notifyTeamsAction, sendTeamsCard } from './teams-notify';
import { triggerPagerdutyAction } from './pagerduty-trigger';
import { postSlackAction, sendSlackMessage } from './slack-post';
import { postSlackWebhookAction } from './slack-webhook';
import { enrichRecordedFutureAction } from './recordedfuture-enrich';
import { logger } from '../config/log';
import { createApprovalActivities } from './approval-request';
import { renderStep } from './render';
import { sendSyslogAction } from './syslog-send';

export type { ActivityDeps } from './shared/deps';
export { checked } from './shared/checked';
// What the CLI and the console use besides the worker's activities.
export { databaseTableProblems } from './db-insert/tables';
export { dryRun, formatDryRun, type DryRunOptions, type DryStep } from './dry-run';
export { testConnection, type ConnectionReport } from './connection-test';
export { executeScript, registerScript } from './script-run';

/**
 * Masks every secret the worker has resolved in what a step produces: its output, and its failure's
 * message (the SDK puts both into workflow history, `riposte run --json` and the API).
 */
function masked<T>(output: T): T {
  const text = JSON.stringify(output);
  if (text === undefined || !holdsKnownSecret(text)) return output;
  return JSON.parse(maskKnownSecrets(text)) as T;
}

function maskedFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) {
    if (!holdsKnownSecret(err.message)) return err;
    return ApplicationFailure.create({ type: err.type ?? undefined, message: maskKnownSecrets(err.message), nonRetryable: err.nonRetryable ?? undefined, ...(err.nextRetryDelay !== undefined && err.nextRetryDelay !== null ? { nextRetryDelay: err.nextRetryDelay } : {}) });
  }
  if (err instanceof TemporalFailure) return err;
  // Anything else is a bug or a raw library error that may quote a peer: it crosses the boundary masked.
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: err instanceof Error ? err.name : 'Error', message: maskKnownSecrets(message) });
}

/** Histogram buckets of `riposte_action_duration_seconds`: from a store write (milliseconds) to a slow peer's timeout (minutes). */
export const ACTION_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Counts each execution by action, chain and outcome (the failure type when it fails), times it in
 * seconds, and logs it: one event when an attempt starts (debug) and one when it ends, with the
 * run, job, step, action, attempt and outcome. Parameters, results and outputs are never logged.
 */
function measured<A extends ActionName>(action: A, run: (request: ActionRequest<A>) => Promise<ActionOutputs[A]>, deps?: ActivityDeps) {
  const fn = async (request: ActionRequest<A>): Promise<ActionOutputs[A]> => {
    try {
      if (!request.templates || !deps) return masked(await run(checked(request)));
      // The step's templates are rendered here, not in the workflow (see BENCHMARKS.md, "Design: templates in the activity").
      const rendered = await renderStep(deps, request);
      if (rendered.status !== 'ready') return { kind: 'step', ...rendered } satisfies StepResult as unknown as ActionOutputs[A];
      const output = masked(await run(checked(rendered.request)));
      const result: StepResult = { kind: 'step', status: 'completed', output, sent: masked(rendered.request.params), missing: rendered.missing };
      return result as unknown as ActionOutputs[A];
    } catch (err) {
      throw maskedFailure(err);
    }
  };
  return async (request: ActionRequest<A>): Promise<ActionOutputs[A]> => {
    if (!inActivity()) return fn(request);
    const context = Context.current();
    const chain = request.job?.name ?? 'unknown';
    const fields = { runId: request.run?.id, job: chain, step: request.stepId, action, attempt: context.info.attempt, ...(request.index !== null && request.index !== undefined ? { index: request.index } : {}) };
    const log = logger();
    log.debug({ event: 'action.started', ...fields }, `${originOf(request)} started (attempt ${fields.attempt})`);
    const started = performance.now();
    let outcome = 'completed';
    let failure: string | undefined;
    try {
      return await fn(request);
    } catch (err) {
      outcome = err instanceof ApplicationFailure && err.type ? err.type : 'error';
      failure = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const labels = { action, chain, outcome };
      const meter = context.metricMeter;
      meter.createCounter('riposte_action_executions', '', 'action executions by action, chain and outcome').add(1, labels);
      meter.createHistogram('riposte_action_duration_seconds', 'float', '', 'time an action took, peer call included, by action, chain and outcome').record(seconds, labels);
      const event = { event: 'action.finished', ...fields, outcome, durationMs: Math.round(seconds * 1000), ...(failure !== undefined ? { error: failure } : {}) };
      if (failure === undefined) log.info(event, `${originOf(request)} completed`);
      else log.warn(event, `${originOf(request)} failed: ${outcome}`);
    }
  };
}

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}

/** Builds every activity with its dependencies. Adding an action adds one line here. */
export function createActivities(deps: ActivityDeps): ActionActivities & EngineActivities & TriggerActivities & ApprovalActivities {
  return {
    'incident.create': measured('incident.create', createIncidentAction(deps), deps),
    'mitre.tag': measured('mitre.tag', tagMitreAction(deps), deps),
    'events.log': measured('events.log', logEventsAction(deps), deps),
    'webhook.send': measured('webhook.send', sendWebhookAction(deps), deps),
    'email.send': measured('email.send', sendEmailAction(deps), deps),
    'events.index': measured('events.index', indexEventsAction(deps), deps),
    'mitre.risk': measured('mitre.risk', scoreMitreRiskAction(deps), deps),
    'risk.assign': measured('risk.assign', assignRiskAction(deps), deps),
    'db.insert': measured('db.insert', insertRowsAction(deps), deps),
    'script.run': measured('script.run', runScriptAction(deps), deps),
    'sns.publish': measured('sns.publish', publishSnsAction(deps), deps),
    'xsoar.incident': measured('xsoar.incident', createXsoarIncidentAction(deps), deps),
    'http.post': measured('http.post', postInsightAction(deps), deps),
    'hipchat.notify': measured('hipchat.notify', notifyHipchatAction(deps), deps),
    'teams.notify': measured('teams.notify', notifyTeamsAction(deps), deps),
    'pagerduty.trigger': measured('pagerduty.trigger', triggerPagerdutyAction(deps), deps),
    'slack.post': measured('slack.post', postSlackAction(deps), deps),
    'slack.webhook': measured('slack.webhook', postSlackWebhookAction(deps), deps),
    'recordedfuture.enrich': measured('recordedfuture.enrich', enrichRecordedFutureAction(deps), deps),
    'syslog.send': measured('syslog.send', sendSyslogAction(deps), deps),
    async acquireThrottle(request) {
      const claim = await withStore('response limiter', () => deps.store.acquireThrottle(request.key, request.holder, request.windowMs));
      return { acquired: claim.acquired, until: new Date(claim.until).toISOString() };
    },
    async loadResults({ ref, offset, limit }) {
      return withStore('result loader', () => deps.store.loadResultSet(ref.id, offset, limit));
    },
    async saveStepOutputs({ runId, stepId, offset, outputs }) {
      await withStore('output keeper', () => deps.store.saveStepOutputs(runId, stepId, offset, outputs));
    },
    async loadStepOutputs({ runId, stepId, offset, limit }) {
      return withStore('output reader', () => deps.store.loadStepOutputs(runId, stepId, offset, limit));
    },
    async renderStep(request) {
      try {
        const rendered = await renderStep(deps, request);
        if (rendered.status === 'ready') return { status: 'ready', params: masked(rendered.request.params), missing: rendered.missing };
        return rendered;
      } catch (err) {
        throw maskedFailure(err);
      }
    },
    loadJob: loadJobAction(deps),
    ...createTriggerActivities(deps),
    runSearch: runSearchActivity(deps),
    ...createApprovalActivities(deps, {
      email: (request) => sendEmailAction(deps)(request),
      slack: (request, body) => sendSlackMessage(deps, request, body),
      teams: (request, card) => sendTeamsCard(deps, request, card, false),
      webhook: (request) => sendWebhookAction(deps)(request),
    }),
  };
}

/** The activities of a remote script executor (`riposte worker --host NAME`): script.run only, no store. */
export function createScriptHostActivities(deps: ScriptDeps): Pick<ActionActivities, 'script.run'> {
  return { 'script.run': measured('script.run', runScriptAction(deps)) };
}
