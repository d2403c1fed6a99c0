// The codec server as configuration describes it: port, allowed UI origins and bearer token.
import { resolveSecret } from '../activities/secrets';
import { AesGcmPayloadCodec, payloadKey, startCodecServer } from './codec';
import type { Config } from './config';

/** Starts the codec server with the configured key, port, origins and token. */
export function startConfiguredCodecServer(config: Config, port?: number): ReturnType<typeof startCodecServer> {
  const settings = config.temporal.codecServer;
  return startCodecServer({
    codec: new AesGcmPayloadCodec(payloadKey(config)),
    port: port ?? settings.port,
    origins: settings.origins,
    ...(settings.token ? { token: resolveSecret(settings.token, 'temporal.codecServer.token') } : {}),
  });
}
