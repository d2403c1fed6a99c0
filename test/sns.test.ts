// sns.publish against an SNS + STS peer on 127.0.0.1 that recomputes every SigV4 signature independently (aws4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../dsl';
import { startHarness, startPeer, type Harness, type Received } from './helpers';
import { recordTestSecret } from './secrets-ledger';
import { quickRetry, runForInsight, sampleInsight } from './insight-fixtures';
import hostile from './fixtures/hostile-values.json';
import { awsXmlError, snsPublishAnswer, verifySigV4, type Verified } from './aws-peer';

const BASE = { accessKeyId: 'AKIDRIPOSTETEST0001', secretAccessKey: 'base/s3cr3t/key/for+tests/0000000000000' };
const ASSUMED = { accessKeyId: 'ASIARIPOSTEASSUMED01', secretAccessKey: 'assumed/s3cr3t/key/for+tests/111111111', sessionToken: 'FwoGZXIvYXdzEassumed-s3cr3t-session-token' };
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cse-insights';
const ROLE = 'arn:aws:iam::123456789012:role/riposte-publisher';

const accepted: Verified[] = [];
let throttleFirst = false;

const xmlError = awsXmlError;
const verify = (req: Received) => verifySigV4(req, [BASE, ASSUMED]);

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;

beforeAll(async () => {
  process.env.RIPOSTE_TEST_AWS_KEY_ID = BASE.accessKeyId;
  process.env.RIPOSTE_TEST_AWS_SECRET = BASE.secretAccessKey;
  process.env.RIPOSTE_TEST_AWS_BAD_SECRET = 'not-the-right-s3cr3t-key-000000000000000';
  recordTestSecret('AWS secret access key', BASE.secretAccessKey);
  recordTestSecret('assumed-role secret access key', ASSUMED.secretAccessKey);
  recordTestSecret('assumed-role session token', ASSUMED.sessionToken);
  recordTestSecret('wrong AWS secret access key', process.env.RIPOSTE_TEST_AWS_BAD_SECRET);
  peer = await startPeer((req, n) => {
    const checked = verify(req);
    if (typeof checked === 'string') return xmlError(403, 'SignatureDoesNotMatch', `The request signature we calculated does not match: ${checked}`);
    accepted.push(checked);
    const action = checked.form.get('Action');
    if (checked.service === 'sts' && action === 'AssumeRole') {
      if (checked.form.get('RoleArn') !== ROLE) return xmlError(403, 'AccessDenied', 'not authorized to assume this role');
      const expires = new Date(Date.now() + 900_000).toISOString();
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${ASSUMED.accessKeyId}</AccessKeyId><SecretAccessKey>${ASSUMED.secretAccessKey}</SecretAccessKey><SessionToken>${ASSUMED.sessionToken}</SessionToken><Expiration>${expires}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA1:riposte</AssumedRoleId><Arn>${ROLE}/riposte</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>req-sts</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      };
    }
    if (checked.service === 'sns' && action === 'Publish') {
      if (throttleFirst && n === 1) return xmlError(400, 'Throttling', 'Rate exceeded');
      return snsPublishAnswer(checked.form, `msg-${accepted.length}`);
    }
    return xmlError(400, 'InvalidAction', `unexpected ${checked.service} ${action}`);
  });
  h = await startHarness((config) => {
    config.connections['aws-keys'] = { type: 'aws', accessKeyId: 'env:RIPOSTE_TEST_AWS_KEY_ID', secretAccessKey: 'env:RIPOSTE_TEST_AWS_SECRET', endpoint: peer.url };
    config.connections['aws-role'] = { type: 'aws', accessKeyId: 'env:RIPOSTE_TEST_AWS_KEY_ID', secretAccessKey: 'env:RIPOSTE_TEST_AWS_SECRET', roleArn: ROLE, endpoint: peer.url, stsEndpoint: peer.url };
    config.connections['aws-wrong'] = { type: 'aws', accessKeyId: 'env:RIPOSTE_TEST_AWS_KEY_ID', secretAccessKey: 'env:RIPOSTE_TEST_AWS_BAD_SECRET', endpoint: peer.url };
  });
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

const publish = (connection: string, extra: Record<string, unknown> = {}) => ({
  name: 'sns',
  steps: [{ id: 'sns', action: 'sns.publish', connection, retry: quickRetry, with: { topicArn: TOPIC, ...extra } }],
});

function reset() {
  peer.received.length = 0;
  accepted.length = 0;
  throttleFirst = false;
}

describe('sns.publish', () => {
  it('publishes the whole Insight as Cloud SIEM sent it, Signals and Records included, with a SigV4 signature made with the access keys', async () => {
    reset();
    const report = await runForInsight(h, publish('aws-keys', { subject: 'CSE Insight' }));
    expect(report.status).toBe('completed');
    expect(report.steps.sns.output).toEqual({ messageId: 'msg-1' });
    expect(accepted).toHaveLength(1);
    const [got] = accepted;
    expect(got).toMatchObject({ service: 'sns', region: 'eu-west-1', accessKeyId: BASE.accessKeyId });
    expect(got.form.get('TopicArn')).toBe(TOPIC);
    expect(got.form.get('Subject')).toBe('CSE Insight');
    const message = JSON.parse(got.form.get('Message') ?? '{}') as Record<string, unknown>;
    expect(got.form.get('Message')).toBe(JSON.stringify(sampleInsight()));
    expect(message).toMatchObject({ readableId: 'INSIGHT-1042', status: { name: 'new' }, signals: [{ id: 'sig-1', allRecords: [{ uid: 'r1' }] }, { id: 'sig-2' }] });
  });

  it('assumes the role through STS first and signs the Publish with the temporary credentials', async () => {
    reset();
    const report = await runForInsight(h, publish('aws-role'));
    expect(report.status).toBe('completed');
    expect(accepted.map((a) => [a.service, a.form.get('Action'), a.accessKeyId])).toEqual([
      ['sts', 'AssumeRole', BASE.accessKeyId],
      ['sns', 'Publish', ASSUMED.accessKeyId],
    ]);
    expect(accepted[0].form.get('RoleArn')).toBe(ROLE);
    expect(accepted[0].form.get('RoleSessionName')).toBe('riposte-sns');
  });

  it('is refused by the peer when the secret key is wrong, and does not retry or show the secret', async () => {
    reset();
    const report = await runForInsight(h, publish('aws-wrong'));
    expect(report.status).toBe('failed');
    expect(peer.received).toHaveLength(1);
    expect(accepted).toHaveLength(0);
    expect(report.steps.sns.error).toContain('step "sns" (sns.publish): SNS Publish answered 403 SignatureDoesNotMatch');
    expect(report.steps.sns.error).toContain("check the aws connection's keys");
    expect(report.steps.sns.error).not.toContain(process.env.RIPOSTE_TEST_AWS_BAD_SECRET);
  });

  it('retries a throttled Publish', async () => {
    reset();
    throttleFirst = true;
    const report = await runForInsight(h, publish('aws-keys'));
    expect(report.status).toBe('completed');
    expect(peer.received).toHaveLength(2);
  });

  it('refuses, before publishing and without retrying, a rendered subject SNS would refuse, naming with.subject and the rule', async () => {
    const cases = [hostile.crlfHeader, hostile.nul, hostile.formulaTab, 'x'.repeat(100)];
    for (const value of cases) {
      reset();
      const chain = { name: 'sns', steps: [{ id: 'sns', action: 'sns.publish', connection: 'aws-keys', retry: quickRetry, with: { topicArn: TOPIC, subject: '{{trigger.insight.name}}' } }] };
      const report = await runForInsight(h, chain, sampleInsight({ name: value }));
      expect({ value, status: report.status, sent: accepted.length }).toEqual({ value, status: 'failed', sent: 0 });
      expect(report.steps.sns.error).toMatch(/^steps\[0\]\.with\.subject: SNS subjects must be 1 to 99 characters of text with no line breaks or control characters; this one (contains a line break|contains a control character|has 100 characters)/);
      expect(report.steps.sns.error).toContain(`(rendered value: ${JSON.stringify(value)})`);
    }
  });

  it('publishes every other hostile value as a subject, and non-ASCII text, which the Publish API takes as UTF-8', async () => {
    const values = [...Object.entries(hostile).filter(([k, v]) => k !== '$comment' && v.length < 100 && !/[\u0000-\u001f]/.test(v)).map(([, v]) => v), 'Angriff über SSH – Zugriff verweigert'];
    expect(values.length).toBeGreaterThan(20);
    for (const value of values) {
      reset();
      const chain = { name: 'sns', steps: [{ id: 'sns', action: 'sns.publish', connection: 'aws-keys', retry: quickRetry, with: { topicArn: TOPIC, subject: '{{trigger.insight.name}}' } }] };
      const report = await runForInsight(h, chain, sampleInsight({ name: value }));
      expect({ value, status: report.status }).toEqual({ value, status: 'completed' });
      expect(accepted[0].form.get('Subject')).toBe(value);
    }
  });

  it('refuses a literal subject with a line break at validation', () => {
    expect(validateChain(publish('aws-keys', { subject: 'CSE\nInsight' })).problems).toEqual([{ path: 'steps[0].with.subject', message: 'SNS subjects must be 1 to 99 characters of text with no line breaks or control characters; this one contains a line break (U+000A)' }]);
  });

  it('refuses a topic ARN that is not one at validation', () => {
    const result = validateChain(publish('aws-keys', { topicArn: 'cse-insights' }));
    expect(result.problems).toEqual([{ path: 'steps[0].with.topicArn', message: 'not an SNS topic ARN; write arn:aws:sns:REGION:ACCOUNT:TOPIC' }]);
  });
});
