// sns.publish: the Insight JSON published to an SNS topic through the AWS SDK, with access keys or an assumed role.
import crypto from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { actionFailure } from '../errors';
import { withStoredEnrichments } from '../insight/enrichments';
import { originOf, type ActivityDeps } from '../deps';
import { retryAfterMs } from '../http';
import { connectionOf, insightJson, insightOf, vendorInsightOf, type AwsConnection } from '../insight/insight';
import { destinationRefused, policyAgents, refusalIn, type NetworkPolicy } from '../network';
import { maskSecrets, resolveSecret } from '../secrets';

/** SNS refuses messages above 256 KiB. */
const MAX_MESSAGE_BYTES = 262_144;

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Classifies an AWS SDK failure the way `callPeer` classifies HTTP answers: throttling, 408, 429
 * and 5xx are retried; other 4xx are the request's or the account's fault; no answer at all is
 * an unreachable peer. Only the service's error code and message are kept, never the raw error.
 */
function awsFailure(origin: string, call: string, err: unknown, secrets: string[]) {
  const e = err as { name?: string; message?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
  const status = e.$metadata?.httpStatusCode;
  const say = (text: string) => maskSecrets(text, secrets);
  if (status === undefined) {
    return actionFailure('PeerUnreachableError', say(`${origin}: ${call}: ${e.code ?? e.name ?? 'network error'}: ${e.message ?? String(err)}`));
  }
  const answer = say(`${origin}: ${call} answered ${status} ${e.name ?? ''}: ${e.message ?? ''}`.trim());
  const throttled = /Throttl|TooManyRequests|RequestLimitExceeded/i.test(e.name ?? '');
  if (status === 408 || status === 429 || status >= 500 || throttled) {
    return actionFailure('PeerUnavailableError', answer, { nextRetryDelayMs: retryAfterMs(e.$response?.headers?.['retry-after']) });
  }
  if (/InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|ExpiredToken|AccessDenied|AuthorizationError/i.test(e.name ?? '')) {
    return actionFailure('ConnectionConfigError', `${answer} (check the aws connection's keys, role and the topic's access policy)`);
  }
  return actionFailure('PeerRejectedError', answer);
}

async function credentialsFor(request: ActionRequest<'sns.publish'>, c: AwsConnection, region: string, secrets: string[], network: NetworkPolicy): Promise<Credentials | undefined> {
  const origin = originOf(request);
  const where = `connections.${request.connection}`;
  const keys: Credentials | undefined =
    c.accessKeyId && c.secretAccessKey
      ? {
          accessKeyId: resolveSecret(c.accessKeyId, `${where}.accessKeyId`),
          secretAccessKey: resolveSecret(c.secretAccessKey, `${where}.secretAccessKey`),
          ...(c.sessionToken ? { sessionToken: resolveSecret(c.sessionToken, `${where}.sessionToken`) } : {}),
        }
      : undefined;
  if (keys) secrets.push(keys.secretAccessKey, ...(keys.sessionToken ? [keys.sessionToken] : []));
  const roleArn = request.params.roleArn ?? c.roleArn;
  if (!roleArn) return keys;
  // Without keys the SDK's default chain (environment, instance profile) is the caller of AssumeRole.
  const sts = new STSClient({ region, maxAttempts: 1, requestHandler: policyAgents(network), ...(c.stsEndpoint ? { endpoint: c.stsEndpoint } : {}), ...(keys ? { credentials: keys } : {}) });
  try {
    const answer = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: `riposte-${request.stepId}`.slice(0, 64),
        DurationSeconds: 900,
        ...(c.externalId ? { ExternalId: resolveSecret(c.externalId, `${where}.externalId`) } : {}),
      }),
    );
    const got = answer.Credentials;
    if (!got?.AccessKeyId || !got.SecretAccessKey) throw actionFailure('PeerRejectedError', `${origin}: STS AssumeRole answered without credentials`);
    secrets.push(got.SecretAccessKey, ...(got.SessionToken ? [got.SessionToken] : []));
    return { accessKeyId: got.AccessKeyId, secretAccessKey: got.SecretAccessKey, sessionToken: got.SessionToken };
  } catch (err) {
    if ((err as { type?: string }).type === 'PeerRejectedError') throw err;
    const refusal = refusalIn(err);
    if (refusal) throw destinationRefused(origin, refusal);
    throw awsFailure(origin, 'STS AssumeRole', err, secrets);
  } finally {
    sts.destroy();
  }
}

/** Publishes the Insight; on a FIFO topic the deduplication id makes a retried publish a no-op. */
export function publishSnsAction(deps: ActivityDeps) {
  return async function publishSns(request: ActionRequest<'sns.publish'>): Promise<ActionOutputs['sns.publish']> {
    const origin = originOf(request);
    const insight = await withStoredEnrichments(deps, origin, vendorInsightOf(request));
    const view = insightOf(request);
    const c = connectionOf(deps, request, 'aws');
    const p = request.params;
    const region = p.region ?? c.region ?? p.topicArn.split(':')[3];
    const secrets: string[] = [];
    const credentials = await credentialsFor(request, c, region, secrets, deps.config.network);
    const message = JSON.stringify(insightJson(insight, { signals: true, records: true }));
    if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
      throw actionFailure('ActionInputError', `${origin}: the Insight JSON is ${Buffer.byteLength(message)} bytes, above SNS's 256 KiB limit; use http.post with selected Record fields instead`);
    }
    const fifo = p.topicArn.endsWith('.fifo');
    // Every connection the SDK opens goes through agents that apply the network policy.
    const sns = new SNSClient({ region, maxAttempts: 1, requestHandler: policyAgents(deps.config.network), ...(c.endpoint ? { endpoint: c.endpoint } : {}), ...(credentials ? { credentials } : {}) });
    try {
      const answer = await sns.send(
        new PublishCommand({
          TopicArn: p.topicArn,
          Message: message,
          ...(p.subject ? { Subject: p.subject } : {}),
          MessageAttributes: {
            insightId: { DataType: 'String', StringValue: insight.id },
            severity: { DataType: 'String', StringValue: view.severity },
          },
          ...(fifo
            ? { MessageGroupId: insight.id, MessageDeduplicationId: crypto.createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 64) }
            : {}),
        }),
      );
      if (!answer.MessageId) throw actionFailure('PeerRejectedError', `${origin}: SNS Publish answered without a MessageId`);
      return { messageId: answer.MessageId };
    } catch (err) {
      if ((err as { type?: string }).type === 'PeerRejectedError') throw err;
      const refusal = refusalIn(err);
      if (refusal) throw destinationRefused(origin, refusal);
      throw awsFailure(origin, 'SNS Publish', err, secrets);
    } finally {
      sns.destroy();
    }
  };
}
