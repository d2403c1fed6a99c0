// The closed-Insight rule: a job on `insight.closed` may use only the actions whose policy allows it.
import { POLICIES, isActionName } from './action-policies';
import type { ActionPolicy } from './actions/policy';
import type { Problem } from './problems';

export { NOT_ON_CLOSE_ACTIONS } from './action-policies';

/** How a step that may not run on a closed Insight is named in the problem, or undefined when it may. */
function notOnClose(step: Record<string, unknown>): string | undefined {
  const action = step.action;
  if (typeof action !== 'string' || !isActionName(action)) return undefined;
  const rule = (POLICIES[action] as ActionPolicy).onClosedInsight;
  if (rule === undefined) return undefined;
  if (rule === false) return action;
  return (step.with as Record<string, unknown> | undefined)?.[rule.field] === rule.equals ? rule.describe : undefined;
}

/**
 * Checks a chain's event subscriptions: a job on `insight.closed` may only use actions Cloud SIEM
 * offers on close. Reports at `on[i]` and at each offending `steps[j].action`.
 */
export function checkEventSubscriptions(raw: Record<string, unknown>): Problem[] {
  const on = Array.isArray(raw.on) ? (raw.on as unknown[]) : [];
  const closedAt = on.indexOf('insight.closed');
  if (closedAt < 0) return [];
  const steps = Array.isArray(raw.steps) ? (raw.steps as unknown[]) : [];
  const offending: { index: number; action: string }[] = [];
  steps.forEach((s, index) => {
    const step = s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
    const action = notOnClose(step);
    if (action !== undefined) offending.push({ index, action });
  });
  if (offending.length === 0) return [];
  const names = [...new Set(offending.map((o) => o.action))].join(', ');
  return [
    { path: `on[${closedAt}]`, message: `"insight.closed" is offered only to http.post (HTTP POST v2) among the Cloud SIEM actions, and this job uses ${names}; remove "insight.closed" or move those steps to a job on "insight.created"` },
    ...offending.map((o) => ({
      path: `steps[${o.index}].action`,
      message: `${o.action} does not run when an Insight is closed (the job subscribes to "insight.closed"); use http.post, or put this step in a job on "insight.created"`,
    })),
  ];
}
