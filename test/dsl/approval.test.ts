// approval.request validation and preparation: channels checked by their own rules, approval tokens only in channels, channels left to the activity.
import { describe, expect, it } from 'vitest';
import { prepareStep, stepContext, validateChain, type Chain, type Problem } from '../../dsl';

const connections = { slack: { type: 'apikey' }, smtp: { type: 'smtp' }, hook: { type: 'http' }, teams: { type: 'http' } };

function problems(steps: unknown[]): Problem[] {
  const result = validateChain({ name: 'approve-block', steps }, { connections });
  return result.ok ? [] : result.problems;
}

const ask = (w: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: 'ask', action: 'approval.request', with: { message: 'Block {{result.src_ip}}?', ...w }, ...extra });

describe('approval.request validation', () => {
  it('accepts an approval with its defaults and a channel of each kind', () => {
    const result = validateChain(
      {
        name: 'approve-block',
        params: { approvers: 'alice, bob' },
        steps: [
          ask({
            approvers: '{{params.approvers}}',
            channels: [
              { action: 'slack.post', connection: 'slack', with: { channel: '#soc', text: 'Block {{result.src_ip}}? <{{approval.approveUrl}}|Approve> <{{approval.rejectUrl}}|Reject> until {{approval.expiresAt}}' } },
              { action: 'email.send', connection: 'smtp', with: { to: 'soc@example.org', body: '{{approval.message}}: {{approval.approveUrl}}' } },
              { action: 'teams.notify', connection: 'teams', with: { title: 'Block?' } },
              { action: 'webhook.send', connection: 'hook', with: { path: '/approvals', body: { approve: '{{approval.approveUrl}}' } } },
            ],
          }),
          { id: 'block', action: 'webhook.send', connection: 'hook', when: "{{eq steps.ask.decision 'approved'}}", with: { path: '/block' } },
        ],
      },
      { connections },
    );
    expect(result.problems).toEqual([]);
    if (result.ok) expect(result.chain.steps[0].with).toMatchObject({ message: 'Block {{result.src_ip}}?' });
  });

  it('checks each channel by its own rules: connection, type and parameters', () => {
    expect(
      problems([
        ask({
          channels: [
            { action: 'slack.post', with: { channel: '#soc' } },
            { action: 'slack.post', connection: 'nowhere', with: { channel: '#soc' } },
            { action: 'email.send', connection: 'slack', with: { to: 'not-an-address', merge: true } },
            { action: 'teams.notify', connection: 'teams', with: { card: 'messagecard' } },
            { action: 'pagerduty.trigger', connection: 'slack', with: {} },
          ],
        }),
      ]),
    ).toEqual([
      { path: 'steps[0].with.channels[4].action', message: 'a channel is one of email.send, slack.post, teams.notify, webhook.send' },
      { path: 'steps[0].with.channels[0].connection', message: 'slack.post needs a connection; name one from riposte.config.json' },
      { path: 'steps[0].with.channels[1].connection', message: 'unknown connection "nowhere"; configured: slack, smtp, hook, teams' },
      { path: 'steps[0].with.channels[2].connection', message: 'connection "slack" is of type apikey; email.send needs one of type smtp' },
      { path: 'steps[0].with.channels[2].with.to', message: 'not an e-mail address' },
      { path: 'steps[0].with.channels[2].with.merge', message: 'an approval e-mail is one message per approval; remove merge' },
      { path: 'steps[0].with.channels[3].with', message: 'Unrecognized key: "card"' },
    ]);
  });

  it('lets only channels read the approval token, and only its known fields', () => {
    expect(
      problems([
        ask({ message: 'see {{approval.approveUrl}}', channels: [{ action: 'slack.post', connection: 'slack', with: { channel: '#soc', text: '{{approval.token}} {{approval}}' } }] }),
      ]).map((p) => `${p.path}: ${p.message}`),
    ).toEqual([
      'steps[0].with.channels[0].with.text: token "approval.token" (line 1, column 3): the approval token has approval.approveUrl, approval.rejectUrl, approval.expiresAt, approval.message',
      'steps[0].with.channels[0].with.text: token "approval" (line 1, column 22): the approval token has approval.approveUrl, approval.rejectUrl, approval.expiresAt, approval.message',
      'steps[0].with.message: token "approval.approveUrl" (line 1, column 7) starts with an unknown name; tokens start with result, results, index, steps, params, globals, job, run, trigger, local',
    ]);
  });

  it('refuses approvers a result could choose, a webhook channel whose destination holds tokens, and a bad timeout', () => {
    expect(
      problems([
        ask({
          approvers: ['alice', '{{result.user}}'],
          timeout: '0s',
          onTimeout: 'maybe',
          channels: [{ action: 'webhook.send', with: { protocol: 'http', host: '{{result.host}}', path: '/x' } }],
        }),
      ]).map((p) => p.path),
    ).toEqual(['steps[0].with.timeout', 'steps[0].with.onTimeout', 'steps[0].with.approvers[1]', 'steps[0].with.channels[0].with.host']);
  });

  it('leaves the channels unrendered for the activity and renders the rest', () => {
    const chain = validateChain({ name: 'x', steps: [ask({ channels: [{ action: 'slack.post', connection: 'slack', with: { channel: '#soc', text: '{{result.src_ip}} {{approval.approveUrl}}' } }] })] }, { connections });
    expect(chain.ok).toBe(true);
    const c = (chain as { chain: Chain }).chain;
    const base = { results: [{ src_ip: '10.0.0.5' }], params: {}, globals: {}, job: { name: 'x' }, run: { id: 'r', startedAt: '' }, trigger: { type: 'manual' } };
    const prepared = prepareStep(c, c.steps[0], 0, stepContext(base, {}, null), { parse: false });
    expect(prepared.skip).toBe(false);
    if (!prepared.skip) {
      expect(prepared.params).toMatchObject({ message: 'Block 10.0.0.5?', channels: [{ with: { text: '{{result.src_ip}} {{approval.approveUrl}}' } }] });
      expect(prepared.missing).toEqual([]);
    }
  });
});
