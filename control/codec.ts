// End-to-end payload encryption: an AES-256-GCM payload codec and the codec server the Temporal UI calls.
import crypto from 'node:crypto';
import http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { masterKey, resolveSecret } from '../config/secrets';
import type { Config } from '../config/config';

const ENCODING = 'binary/encrypted';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Payloads as JSON carries them: metadata values and data in base64 (Temporal's codec server protocol). */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
  };
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    ...(p.data !== undefined ? { data: new Uint8Array(Buffer.from(p.data, 'base64')) } : {}),
  };
}

/**
 * Encrypts every payload (workflow input, activity arguments and results, failures' details) with
 * AES-256-GCM, so the Temporal server and its database hold only ciphertext. The key id in the
 * metadata lets a wrong key fail with a clear message instead of garbage.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keyId: string;
  constructor(private readonly key: Buffer) {
    this.keyId = crypto.createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
      const plain = Buffer.from(JSON.stringify(toJson(p)), 'utf8');
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return {
        metadata: { encoding: encoder.encode(ENCODING), 'encryption-key-id': encoder.encode(this.keyId) },
        data: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (!p.metadata?.encoding || decoder.decode(p.metadata.encoding) !== ENCODING) return p;
      const keyId = p.metadata['encryption-key-id'] ? decoder.decode(p.metadata['encryption-key-id']) : '';
      if (keyId !== this.keyId) throw new Error(`a payload was encrypted with key ${keyId || '(none)'}, not with the configured payload key ${this.keyId}`);
      const raw = Buffer.from(p.data ?? new Uint8Array());
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      return fromJson(JSON.parse(plain) as JsonPayload);
    });
  }
}

/**
 * The payload key: `temporal.payloadKey` (a secret reference to 32 bytes in base64) or, by
 * default, a key derived from the master key so one secret protects both.
 */
export function payloadKey(config: Config, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (config.temporal.payloadKey) {
    const key = Buffer.from(resolveSecret(config.temporal.payloadKey, 'temporal.payloadKey', env), 'base64');
    if (key.length !== 32) throw new Error('temporal.payloadKey must be 32 bytes, base64-encoded (make one with `openssl rand -base64 32`)');
    return key;
  }
  return Buffer.from(crypto.hkdfSync('sha256', masterKey(env), Buffer.alloc(0), 'riposte payload codec v1', 32));
}

/** The data converter option for clients and workers: the codec when `temporal.encryptPayloads` is on. */
export function dataConverter(config: Config): { payloadCodecs: PayloadCodec[] } | undefined {
  return config.temporal.encryptPayloads ? { payloadCodecs: [new AesGcmPayloadCodec(payloadKey(config))] } : undefined;
}

/** Options for {@link startCodecServer}. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  port: number;
  host?: string;
  /** Origins allowed to call from a browser (the Temporal UI's), e.g. http://127.0.0.1:8233. */
  origins: readonly string[];
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * Serves Temporal's codec server protocol: POST /encode and /decode with `{ payloads: [...] }`,
 * CORS for the UI's origin (credentials allowed, so the UI can pass its token along).
 */
export async function startCodecServer(options: CodecServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && options.origins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(origin && options.origins.includes(origin) ? 204 : 403).end();
      return;
    }
    const route = req.url?.split('?')[0];
    if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /encode or /decode\n');
      return;
    }
    if (expected) {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('a valid bearer token is required\n');
        return;
      }
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: JsonPayload[] };
          if (!Array.isArray(body.payloads)) throw new Error('the body must be { "payloads": [...] }');
          const payloads = body.payloads.map(fromJson);
          const out = route === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
        } catch (err) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
