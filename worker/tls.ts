// TLS settings for a Temporal cluster or Temporal Cloud, from files named in the configuration.
import fs from 'node:fs';
import type { Config } from './config';

/** The SDK's TLS options, or undefined when no TLS is configured. */
export function readTls(tls: Config['temporal']['tls']) {
  if (!tls) return undefined;
  return {
    ...(tls.servername ? { serverNameOverride: tls.servername } : {}),
    ...(tls.caFile ? { serverRootCACertificate: fs.readFileSync(tls.caFile) } : {}),
    ...(tls.certFile && tls.keyFile ? { clientCertPair: { crt: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) } } : {}),
  };
}
