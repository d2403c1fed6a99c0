// Trigger activities: the watchers fire their events through the same code as the CLI; scheduled runs check their rule.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { disabledRuleMessage, type EngineActivities, type TriggerActivities } from '../dsl';
import { EventValidationError, fireEvent } from '../control/events';
import { disabledRuleOf } from '../control/rule-guard';
import type { ActivityDeps } from './shared/deps';

/** Builds the trigger activities; runs start on the task queue of the worker that fires them. */
export function createTriggerActivities(deps: ActivityDeps): TriggerActivities & Pick<EngineActivities, 'disabledRule'> {
  return {
    async fireEvent(event) {
      const context = Context.current();
      try {
        return await fireEvent(context.client, deps.config, event, { taskQueue: context.info.taskQueue, uiUrl: deps.config.temporal.uiUrl, store: deps.store });
      } catch (err) {
        // Only the message crosses into history: the jobs directory or the server may be briefly unavailable.
        const invalid = err instanceof EventValidationError;
        throw ApplicationFailure.create({ type: invalid ? 'EventValidationError' : 'EventFiringError', message: `firing ${event.type}: ${(err as Error).message}`, nonRetryable: invalid });
      }
    },
    async disabledRule({ rule }) {
      const state = await disabledRuleOf(Context.current().client, { rule });
      return state ? disabledRuleMessage(state) : null;
    },
  };
}
