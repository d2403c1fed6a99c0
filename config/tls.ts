// How riposte connects to Temporal: address, TLS, API key and gRPC metadata, as the SDK's environment configuration would.
import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Config } from './config';
import { rememberSecret, resolveSecret } from './secrets';

/**
 * The SDK's TLS options: undefined for none, `true` for TLS with the system's CAs. As the SDK's
 * `toClientOptions` does, an API key turns TLS on unless the configuration turns it off.
 */
export function readTls(tls: Config['temporal']['tls'], apiKey?: string): TLSConfig | boolean | undefined {
  if (tls?.disabled) return undefined;
  const pem = (data: string | undefined, file: string | undefined) => (data !== undefined ? Buffer.from(data) : file ? fs.readFileSync(file) : undefined);
  const ca = pem(tls?.caData, tls?.caFile);
  const crt = pem(tls?.certData, tls?.certFile);
  const key = pem(tls?.keyData, tls?.keyFile);
  const options: TLSConfig = {
    ...(tls?.servername ? { serverNameOverride: tls.servername } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
  if (Object.keys(options).length > 0) return options;
  return tls !== undefined || apiKey !== undefined ? true : undefined;
}

/**
 * The API key: TEMPORAL_API_KEY (riposte's own variable, which no `env:` reference may read), a
 * secret reference, or the literal of a Temporal profile. Whatever it is joins the mask set.
 */
export function temporalApiKey(config: Config, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = config.temporal.apiKey;
  if (value === undefined) return undefined;
  const key = value === 'env:TEMPORAL_API_KEY' ? env.TEMPORAL_API_KEY : resolveSecret(value, 'temporal.apiKey', env);
  rememberSecret(key);
  return key || undefined;
}

/** The options of `Connection.connect` and `NativeConnection.connect` for the configured server at `address`. */
export function temporalConnectionOptions(config: Config, address: string) {
  const apiKey = temporalApiKey(config);
  const tls = readTls(config.temporal.tls, apiKey);
  return {
    address,
    ...(tls ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(config.temporal.grpcMeta && Object.keys(config.temporal.grpcMeta).length ? { metadata: config.temporal.grpcMeta } : {}),
  };
}
