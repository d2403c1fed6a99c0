// sns.publish in MockActivityEnvironment against a loopback SNS endpoint that checks every SigV4 signature: the Publish call, its answer, and failures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsXmlError, snsPublishAnswer, verifySigV4, type Verified } from '../aws-peer';
import { insightTrigger, sampleInsight } from '../insight-fixtures';
import { startPeer, type Peer } from '../loopback';
import { preparedRequest } from '../prepared-request';
import { startConnectors, type Connectors } from './connectors';

const KEYS = { accessKeyId: 'AKIDRIPOSTEUNIT00001', secretAccessKey: 'unit/s3cr3t/key/for+tests/000000000000' };
const WRONG = 'unit/wrong/s3cr3t/key/for+tests/99999999';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cse-insights';
const accepted: Verified[] = [];
let throttle = false;
let peer: Peer;
let c: Connectors;

beforeAll(async () => {
  process.env.RIPOSTE_UNIT_AWS_SECRET = KEYS.secretAccessKey;
  process.env.RIPOSTE_UNIT_AWS_WRONG = WRONG;
  peer = await startPeer((req) => {
    const checked = verifySigV4(req, [KEYS]);
    if (typeof checked === 'string') return awsXmlError(403, 'SignatureDoesNotMatch', `The request signature we calculated does not match: ${checked}`);
    if (throttle) return awsXmlError(400, 'Throttling', 'Rate exceeded');
    accepted.push(checked);
    return snsPublishAnswer(checked.form, `msg-${accepted.length}`);
  });
  c = await startConnectors((config) => {
    config.connections.aws = { type: 'aws', accessKeyId: KEYS.accessKeyId, secretAccessKey: 'env:RIPOSTE_UNIT_AWS_SECRET', endpoint: peer.url };
    config.connections['aws-wrong'] = { type: 'aws', accessKeyId: KEYS.accessKeyId, secretAccessKey: 'env:RIPOSTE_UNIT_AWS_WRONG', endpoint: peer.url };
    config.connections['aws-nokeys'] = { type: 'aws', endpoint: peer.url };
  });
});
afterAll(async () => {
  await c?.close();
  await peer?.close();
});

const publish = (connection: string, extra: Record<string, unknown> = {}) =>
  preparedRequest<'sns.publish'>({ name: 'sns-job', steps: [{ id: 'sns', action: 'sns.publish', connection, with: { topicArn: TOPIC, ...extra } }] }, [], null, { trigger: insightTrigger(sampleInsight()) });

describe('sns.publish', () => {
  it('refuses to let the SDK fetch credentials from a metadata endpoint the network policy refuses, before anything is sent', async () => {
    // The chain's metadata endpoint pointed at a loopback address the policy refuses (only 127.0.0.1 is allowed): no request leaves loopback, whatever happens.
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    process.env.HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-aws-home-'));
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.2:9';
    accepted.length = 0;
    try {
      const refused = await c.run(publish('aws-nokeys')).catch((err: Error) => err);
      expect(refused).toMatchObject({ type: 'DestinationRefusedError', nonRetryable: true });
      expect((refused as Error).message).toMatch(/the connection names no keys, so the AWS SDK would fetch credentials from the instance metadata service \(AWS_EC2_METADATA_SERVICE_ENDPOINT\): .*127\.0\.0\.2.*network\.allow.*accessKeyId and secretAccessKey/);
      expect(accepted).toEqual([]);
    } finally {
      process.env = saved;
    }
  });

  it('publishes the Insight as Cloud SIEM sent it, signed with the connection\'s keys for the topic\'s region, and outputs SNS\'s MessageId', async () => {
    accepted.length = 0;
    await expect(c.run(publish('aws', { subject: 'CSE Insight' }))).resolves.toEqual({ messageId: 'msg-1' });
    const [got] = accepted;
    expect(got).toMatchObject({ service: 'sns', region: 'eu-west-1', accessKeyId: KEYS.accessKeyId });
    expect(Object.fromEntries(got.form)).toMatchObject({
      Action: 'Publish',
      TopicArn: TOPIC,
      Subject: 'CSE Insight',
      Message: JSON.stringify(sampleInsight()),
      'MessageAttributes.entry.1.Name': 'insightId',
      'MessageAttributes.entry.1.Value.StringValue': sampleInsight().id,
      'MessageAttributes.entry.2.Name': 'severity',
      'MessageAttributes.entry.2.Value.StringValue': 'HIGH',
    });
  });

  it('fails a signature SNS refuses as a ConnectionConfigError, not retried and without the key; throttling is retried', async () => {
    const refused = await c.run(publish('aws-wrong')).catch((err: Error) => err);
    expect(refused).toMatchObject({ type: 'ConnectionConfigError', nonRetryable: true, message: expect.stringContaining('step "sns" (sns.publish): SNS Publish answered 403 SignatureDoesNotMatch') });
    expect(JSON.stringify(refused)).not.toContain(WRONG);
    throttle = true;
    try {
      await expect(c.run(publish('aws'))).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false, message: expect.stringContaining('SNS Publish answered 400 Throttling: Rate exceeded') });
    } finally {
      throttle = false;
    }
  });
});
