// The plain model the workflows import: action policies, run shapes, constants and types. No zod, no schema.
export * from './action-policies';
export * from './actions/policy';
export * from './actions/approval-request/model';
export { MAX_JOB_DEPTH } from './actions/job-run/policy';
export * from './duration';
export * from './names';
export * from './prepare';
export * from './problems';
export * from './request';
export * from './run';
export { TemplateError } from './template';
export type { ApprovalChannel } from './actions/approval-request/params';
export type { JobRunOutput } from './actions/job-run/params';
export type { ActionOutputs } from './actions/definitions';
export type { ActionParams } from './catalogue';
export type { Chain, Step } from './chain';
export type { Heartbeat, Outage, RuleLimits, RuleOperation, RuleState, SensorState, TriggerActivities } from './triggers';
