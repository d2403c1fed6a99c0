// The codec server as configuration describes it: port, allowed UI origins and bearer token.
import { resolveSecret } from '../config/secrets';
import { AesGcmPayloadCodec, payloadKey, startCodecServer } from '../control/codec';
import { ConfigError, type Config } from '../config/config';

/**
 * Starts the codec server with the configured key, port, origins and token. Without a token it
 * would decrypt every payload for any local process, so it refuses to start unless the
 * configuration opens it explicitly (`temporal.codecServer.open: true`).
 */
export function startConfiguredCodecServer(config: Config, port?: number): ReturnType<typeof startCodecServer> {
  const settings = config.temporal.codecServer;
  if (!settings.token && !settings.open) {
    throw new ConfigError('temporal.codecServer.token: the codec server decrypts payloads for whoever calls it; set a token (the Temporal UI sends it as a bearer token) or, for a one-person machine, set temporal.codecServer.open: true');
  }
  return startCodecServer({
    codec: new AesGcmPayloadCodec(payloadKey(config)),
    port: port ?? settings.port,
    origins: settings.origins,
    ...(settings.token ? { token: resolveSecret(settings.token, 'temporal.codecServer.token') } : {}),
  });
}
