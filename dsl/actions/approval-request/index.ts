// approval.request: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { approvalRequestParams, approvalRequestProblems } from './params';
import { policy } from './policy';

export * from './params';
export type { ApprovalOutput as Output } from './params';
export { policy } from './policy';

/** approval.request, defined once. */
export const definition = defineAction({
  policy,
  params: approvalRequestParams,
  check: ({ step, context, prefix, chain }) => approvalRequestProblems(step.with, context, [...prefix, 'with'], String(chain.name ?? '')),
});
