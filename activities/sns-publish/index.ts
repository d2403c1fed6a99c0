// sns.publish: the Insight JSON published to an SNS topic through the AWS SDK, with access keys or an assumed role.
import crypto from 'node:crypto';
import type { PublishCommandInput, SNSClientConfig } from '@aws-sdk/client-sns';
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { actionFailure } from '../shared/errors';
import { withStoredEnrichments } from '../shared/insight/enrichments';
import { originOf, type ActivityDeps } from '../shared/deps';
import { retryAfterMs } from '../shared/http';
import { connectionOf, insightJson, insightOf, vendorInsightOf, type AwsConnection } from '../shared/insight/insight';
import { defaultCredentialsRefusal } from '../shared/aws-credentials';
import { destinationRefused, policyAgents, refusalIn, type NetworkPolicy } from '../shared/network';
import { maskSecrets, resolveSecret } from '../shared/secrets';

/** The AWS SDK loads with the first SNS step or connection test, not with every worker (about 5 MB of a worker's heap). */
const awsSns = () => import('@aws-sdk/client-sns');
export const awsSts = () => import('@aws-sdk/client-sts');

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

/**
 * The access keys an aws connection holds, resolved, or undefined when it names none (the SDK's
 * default chain then signs). The secret parts are added to `secrets` for masking.
 */
export function connectionKeys(name: string, c: AwsConnection, secrets: string[]): Credentials | undefined {
  const where = `connections.${name}`;
  if (!c.accessKeyId || !c.secretAccessKey) return undefined;
  const keys: Credentials = {
    accessKeyId: resolveSecret(c.accessKeyId, `${where}.accessKeyId`),
    secretAccessKey: resolveSecret(c.secretAccessKey, `${where}.secretAccessKey`),
    ...(c.sessionToken ? { sessionToken: resolveSecret(c.sessionToken, `${where}.sessionToken`) } : {}),
  };
  secrets.push(keys.secretAccessKey, ...(keys.sessionToken ? [keys.sessionToken] : []));
  return keys;
}

async function credentialsFor(request: ActionRequest<'sns.publish'>, c: AwsConnection, region: string, secrets: string[], network: NetworkPolicy): Promise<Credentials | undefined> {
  const origin = originOf(request);
  const where = `connections.${request.connection}`;
  const keys = connectionKeys(request.connection ?? '', c, secrets);
  const roleArn = request.params.roleArn ?? c.roleArn;
  // Without keys the SDK's default chain (environment, shared files, container or instance profile) signs: its endpoint is checked first.
  const refused = keys ? undefined : defaultCredentialsRefusal(network);
  if (refused) throw destinationRefused(origin, refused);
  if (!roleArn) return keys;
  const { AssumeRoleCommand, STSClient } = await awsSts();
  // Without keys the SDK's default chain is the caller of AssumeRole.
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

/** The Publish call for the step: what the SDK serializes, the topic's region and the client's settings besides credentials. */
export async function snsPublishCall(deps: ActivityDeps, request: ActionRequest<'sns.publish'>): Promise<{ input: PublishCommandInput; region: string; client: SNSClientConfig; connection: AwsConnection }> {
  const origin = originOf(request);
  const insight = await withStoredEnrichments(deps, origin, vendorInsightOf(request));
  const view = insightOf(request);
  const c = connectionOf(deps, request, 'aws');
  const p = request.params;
  const region = p.region ?? c.region ?? p.topicArn.split(':')[3];
  const message = JSON.stringify(insightJson(insight, { signals: true, records: true }));
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
    throw actionFailure('ActionInputError', `${origin}: the Insight JSON is ${Buffer.byteLength(message)} bytes, above SNS's 256 KiB limit; use http.post with selected Record fields instead`);
  }
  const fifo = p.topicArn.endsWith('.fifo');
  const input: PublishCommandInput = {
    TopicArn: p.topicArn,
    Message: message,
    ...(p.subject ? { Subject: p.subject } : {}),
    MessageAttributes: {
      insightId: { DataType: 'String', StringValue: insight.id },
      severity: { DataType: 'String', StringValue: view.severity },
    },
    ...(fifo ? { MessageGroupId: insight.id, MessageDeduplicationId: crypto.createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 64) } : {}),
  };
  return { input, region, client: { region, maxAttempts: 1, ...(c.endpoint ? { endpoint: c.endpoint } : {}) }, connection: c };
}

/** What the SDK would put on the wire for the Publish call, signed, captured instead of sent. */
export interface CapturedAwsRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Set when the step assumes a role: the dry run signs with stand-in credentials instead of calling STS. */
  note?: string;
}

/**
 * The Publish request as the SDK builds and signs it, taken from the SDK's request handler, so
 * the dry run shows the SDK's own bytes. A role is not assumed (that would call STS): the request
 * is then signed with stand-in credentials, and says so.
 */
export async function captureSnsPublish(deps: ActivityDeps, request: ActionRequest<'sns.publish'>): Promise<CapturedAwsRequest> {
  const call = await snsPublishCall(deps, request);
  const c = call.connection;
  const where = `connections.${request.connection}`;
  const roleArn = request.params.roleArn ?? c.roleArn;
  const keys =
    !roleArn && c.accessKeyId && c.secretAccessKey
      ? { accessKeyId: resolveSecret(c.accessKeyId, `${where}.accessKeyId`), secretAccessKey: resolveSecret(c.secretAccessKey, `${where}.secretAccessKey`), ...(c.sessionToken ? { sessionToken: resolveSecret(c.sessionToken, `${where}.sessionToken`) } : {}) }
      : { accessKeyId: 'ASSUMED-ROLE-KEY', secretAccessKey: 'dry-run-stand-in', sessionToken: 'dry-run-stand-in' };
  let captured: CapturedAwsRequest | undefined;
  const sentinel = new Error('captured');
  const { PublishCommand, SNSClient } = await awsSns();
  const sns = new SNSClient({
    ...call.client,
    credentials: keys,
    requestHandler: {
      handle: async (http: { method: string; protocol: string; hostname: string; port?: number; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }) => {
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(http.query ?? {})) for (const one of Array.isArray(v) ? v : [v]) query.append(k, one ?? '');
        const q = query.toString();
        captured = { method: http.method, url: `${http.protocol}//${http.hostname}${http.port ? `:${http.port}` : ''}${http.path}${q ? `?${q}` : ''}`, headers: { ...http.headers }, body: typeof http.body === 'string' ? http.body : String(http.body ?? '') };
        throw sentinel;
      },
    } as unknown as SNSClientConfig['requestHandler'],
  });
  try {
    await sns.send(new PublishCommand(call.input));
  } catch (err) {
    if (err !== sentinel && !captured) throw err;
  } finally {
    sns.destroy();
  }
  if (!captured) throw new Error('the SDK built no request');
  return roleArn ? { ...captured, note: `the role ${roleArn} is assumed at run time (STS AssumeRole); this request is signed with stand-in credentials` } : captured;
}

/** Publishes the Insight; on a FIFO topic the deduplication id makes a retried publish a no-op. */
export function publishSnsAction(deps: ActivityDeps) {
  return async function publishSns(request: ActionRequest<'sns.publish'>): Promise<ActionOutputs['sns.publish']> {
    const origin = originOf(request);
    const call = await snsPublishCall(deps, request);
    const secrets: string[] = [];
    const credentials = await credentialsFor(request, call.connection, call.region, secrets, deps.config.network);
    // Every connection the SDK opens goes through agents that apply the network policy.
    const { PublishCommand, SNSClient } = await awsSns();
    const sns = new SNSClient({ ...call.client, requestHandler: policyAgents(deps.config.network), ...(credentials ? { credentials } : {}) });

    try {
      const answer = await sns.send(new PublishCommand(call.input));
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
