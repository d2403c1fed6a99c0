// Where the AWS SDK's default credential chain connects when a connection names no keys: checked against the network policy before the SDK runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalHost } from '../../config/network-policy';
import { checkDestination, NetworkPolicyRefusal, type NetworkPolicy } from './network';

/** A remote credentials endpoint of the default chain. */
export interface CredentialEndpoint {
  host: string;
  port: number;
  /** What it is, for messages. */
  what: string;
}

function endpointOf(url: string, what: string): CredentialEndpoint | undefined {
  try {
    const u = new URL(url);
    return { host: normalHost(u.hostname), port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80), what };
  } catch {
    return undefined;
  }
}

/**
 * The endpoint the SDK's default chain (`defaultProvider` of @aws-sdk/credential-provider-node)
 * calls for credentials when nothing on the machine holds them. The chain reads the environment
 * variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), then the shared `config` and
 * `credentials` files, then a web identity token file, and only then the network: the container
 * credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, or 169.254.170.2 with
 * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`), else the instance metadata service
 * (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, else 169.254.169.254, or fd00:ec2::254 with
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`) unless `AWS_EC2_METADATA_DISABLED`. These are
 * the names and defaults of @smithy/credential-provider-imds and of the AWS SDKs and Tools
 * reference guide ("Container credential provider", "IMDS credential provider"). Undefined when
 * something local comes first: the SDK then reads credentials without connecting anywhere.
 */
export function defaultChainEndpoint(env: NodeJS.ProcessEnv = process.env): CredentialEndpoint | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && !env.AWS_PROFILE) return undefined;
  const home = env.HOME ?? os.homedir();
  const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials'), env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config')];
  if (files.some((f) => fs.existsSync(f)) || env.AWS_WEB_IDENTITY_TOKEN_FILE) return undefined;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return { host: '169.254.170.2', port: 80, what: 'the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)' };
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return endpointOf(env.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)');
  if (env.AWS_EC2_METADATA_DISABLED && env.AWS_EC2_METADATA_DISABLED !== 'false') return undefined;
  if (env.AWS_EC2_METADATA_SERVICE_ENDPOINT) return endpointOf(env.AWS_EC2_METADATA_SERVICE_ENDPOINT, 'the instance metadata service (AWS_EC2_METADATA_SERVICE_ENDPOINT)');
  const ipv6 = env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.toLowerCase() === 'ipv6';
  return { host: ipv6 ? 'fd00:ec2::254' : '169.254.169.254', port: 80, what: 'the instance metadata service' };
}

/**
 * The network policy's refusal when the SDK's default chain would fetch credentials from an
 * endpoint the policy refuses (the metadata addresses are link-local: refused unless
 * `network.allow` lists them); undefined when it may. The SDK's credential providers connect
 * without riposte's agents, so the decision is taken here, before it runs.
 */
export function defaultCredentialsRefusal(policy: NetworkPolicy, env: NodeJS.ProcessEnv = process.env): NetworkPolicyRefusal | undefined {
  const endpoint = defaultChainEndpoint(env);
  if (!endpoint) return undefined;
  const decision = checkDestination(policy, { host: endpoint.host, port: endpoint.port });
  if (decision.allowed) return undefined;
  return new NetworkPolicyRefusal({ ...decision.refusal, message: `the connection names no keys, so the AWS SDK would fetch credentials from ${endpoint.what}: ${decision.refusal.message}; or give the connection accessKeyId and secretAccessKey` });
}
