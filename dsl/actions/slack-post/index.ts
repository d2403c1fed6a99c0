// slack.post: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { slackPostParams } from '../shared/insight-params';
import { policy } from './policy';

export type { SlackPostOutput as Output } from '../shared/insight-params';
export { policy } from './policy';

/** slack.post, defined once. */
export const definition = defineAction({
  policy,
  params: slackPostParams,
});
