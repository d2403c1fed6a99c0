// syslog.send: RFC 5424 messages to a syslog collector over UDP (RFC 5426), TCP (RFC 6587) or TLS (RFC 5425), through the network policy.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import tls from 'node:tls';
import { isIP, type Socket } from 'node:net';
import type { ActionOutputs, ActionRequest } from '../../dsl';
import { DEFAULT_MAX_MESSAGE, DEFAULT_PORTS, HEADER_LIMITS, PRINTUSASCII, syslogConnection, type SyslogConnection } from '../../dsl/actions/syslog-send';
import { deliverOnce, originOf, type ActivityDeps } from '../shared/deps';
import { actionFailure } from '../shared/errors';
import { connectChecked, destinationRefused, refusalIn, resolveChecked } from '../shared/network';
import { formatMessage, octetCounted, syslogTimestamp } from './message';

const CONNECT_TIMEOUT_MS = 15_000;

/** The step's syslog connection, or a ConnectionConfigError naming what is wrong. */
function connectionFor(deps: ActivityDeps, request: ActionRequest<'syslog.send'>): SyslogConnection {
  const name = request.connection ?? '';
  const raw = (deps.config.connections as Record<string, { type?: string } | undefined>)[name];
  if (!raw || raw.type !== 'syslog') throw actionFailure('ConnectionConfigError', `${originOf(request)}: connection "${name}" is not a syslog connection configured on this worker`);
  return syslogConnection.parse(raw);
}

/** This worker's HOSTNAME as RFC 5424 wants it (printable US-ASCII, at most 255), or the NILVALUE. */
function localHostname(): string | undefined {
  const name = os.hostname();
  return PRINTUSASCII.test(name) && name.length <= HEADER_LIMITS.hostname ? name : undefined;
}

function tlsOptions(c: SyslogConnection): tls.ConnectionOptions {
  return {
    rejectUnauthorized: c.tls?.verify !== false,
    ...(c.tls?.caFile ? { ca: fs.readFileSync(c.tls.caFile) } : {}),
    ...(c.tls?.certFile ? { cert: fs.readFileSync(c.tls.certFile) } : {}),
    ...(c.tls?.keyFile ? { key: fs.readFileSync(c.tls.keyFile) } : {}),
    // The certificate is checked against the host (an IP address SAN for an address); SNI carries names only (RFC 6066).
    host: c.host,
    ...(c.tls?.servername || !isIP(c.host) ? { servername: c.tls?.servername ?? c.host } : {}),
  };
}

async function sendDatagram(address: string, port: number, message: Buffer): Promise<void> {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => socket.send(message, port, address, (err) => (err ? reject(err) : resolve())));
  } finally {
    socket.close();
  }
}

async function sendStream(socket: Socket | tls.TLSSocket, frame: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.end(frame, () => resolve());
  });
}

function startTls(socket: Socket, c: SyslogConnection): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket, ...tlsOptions(c) });
    secure.setTimeout(CONNECT_TIMEOUT_MS, () => secure.destroy(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' })));
    secure.once('error', reject);
    secure.once('secureConnect', () => {
      secure.setTimeout(0);
      secure.off('error', reject);
      resolve(secure);
    });
  });
}

function sendFailure(origin: string, target: string, err: unknown) {
  const refused = refusalIn(err);
  if (refused) return destinationRefused(origin, refused);
  const e = err as { code?: string; message?: string };
  if (e.code?.startsWith('ERR_TLS') || /certificate|self.signed|unable to verify/i.test(e.message ?? '')) {
    return actionFailure('ConnectionConfigError', `${origin}: TLS to ${target} failed: ${e.message ?? String(err)} (give the collector's CA as tls.caFile)`);
  }
  if (e.code === 'ENOENT' && /caFile|certFile|keyFile|open/.test(e.message ?? '')) return actionFailure('ConnectionConfigError', `${origin}: ${e.message}`);
  return actionFailure('PeerUnreachableError', `${origin}: ${target}: ${e.code ?? 'network error'}: ${e.message ?? String(err)}`);
}

/** The message one execution sends, built the same way for the connector and the dry run. */
export function buildSyslogMessage(deps: ActivityDeps, request: ActionRequest<'syslog.send'>, now: Date) {
  const c = connectionFor(deps, request);
  const port = c.port ?? DEFAULT_PORTS[c.transport];
  const p = request.params;
  const { bytes, truncated } = formatMessage(
    {
      facility: p.facility,
      severity: p.severity,
      timestamp: syslogTimestamp(now),
      hostname: p.hostname ?? c.hostname ?? localHostname(),
      appName: p.appName,
      procId: p.procId,
      msgId: p.msgId,
      structuredData: p.structuredData,
      message: p.message,
    },
    c.maxMessageBytes ?? DEFAULT_MAX_MESSAGE[c.transport],
  );
  return { connection: c, port, bytes, truncated, target: `${c.transport}://${c.host}:${port}`, frame: c.transport === 'udp' ? bytes : octetCounted(bytes) };
}

/** Builds the syslog.send activity. */
export function sendSyslogAction(deps: ActivityDeps) {
  return async (request: ActionRequest<'syslog.send'>): Promise<ActionOutputs['syslog.send']> => {
    const origin = originOf(request);
    const { connection: c, port, bytes, truncated, target, frame } = buildSyslogMessage(deps, request, new Date());
    const output = { transport: c.transport, octets: bytes.length, truncated };
    return deliverOnce(deps, request, async () => {
      try {
        // One message per datagram over UDP (RFC 5426 section 3.1); one octet-counted frame per connection otherwise.
        if (c.transport === 'udp') await sendDatagram(await resolveChecked(deps.config.network, c.host, port), port, frame);
        else {
          const socket = await connectChecked(deps.config.network, c.host, port, CONNECT_TIMEOUT_MS);
          await sendStream(c.transport === 'tls' ? await startTls(socket, c) : socket, frame);
        }
      } catch (err) {
        throw sendFailure(origin, target, err);
      }
      return output;
    });
  };
}
