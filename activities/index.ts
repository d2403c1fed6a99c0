// The activities a worker registers: one connector per action, under the action's name, plus the engine's own.
import type { ActionActivities, EngineActivities } from '../dsl';
import type { ActivityDeps } from './deps';
import { logEventsAction } from './events-log';
import { createIncidentAction } from './incident-create';
import { tagMitreAction } from './mitre-tag';
import { withStore } from './deps';
import { sendWebhookAction } from './webhook-send';

export type { ActivityDeps } from './deps';
export { Store } from './store/store';

/** Builds every activity with its dependencies. Adding an action adds one line here. */
export function createActivities(deps: ActivityDeps): ActionActivities & EngineActivities {
  return {
    'incident.create': createIncidentAction(deps),
    'mitre.tag': tagMitreAction(deps),
    'events.log': logEventsAction(deps),
    'webhook.send': sendWebhookAction(deps),
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
  };
}
