// Secret references (`env:NAME`, `enc:v1:...`), resolved only inside activities and never logged.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { actionFailure } from './errors';

const PREFIX = 'enc:v1:';

/** The 32-byte master key from RIPOSTE_MASTER_KEY (base64) or the file named by RIPOSTE_MASTER_KEY_FILE. */
export function masterKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  const text = env.RIPOSTE_MASTER_KEY ?? (env.RIPOSTE_MASTER_KEY_FILE ? fs.readFileSync(env.RIPOSTE_MASTER_KEY_FILE, 'utf8').trim() : undefined);
  if (!text) throw new Error('no master key: set RIPOSTE_MASTER_KEY (base64 of 32 bytes) or RIPOSTE_MASTER_KEY_FILE');
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('the master key must be 32 bytes, base64-encoded (make one with `openssl rand -base64 32`)');
  return key;
}

/** Encrypts a secret with AES-256-GCM into an `enc:v1:` value. */
export function encryptSecret(plain: string, key: Buffer): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Decrypts an `enc:v1:` value. */
export function decryptSecret(value: string, key: Buffer): string {
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64url');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** True for values that are secret references rather than literals. */
export function isSecretRef(value: string): boolean {
  return value.startsWith('env:') || value.startsWith(PREFIX);
}

/**
 * Environment variables that hold riposte's own keys. No `env:` reference may read them: a chain
 * could otherwise send the master key (and with it every `enc:v1:` value) to a peer it names.
 */
const ENGINE_KEYS: ReadonlySet<string> = new Set(['RIPOSTE_MASTER_KEY', 'RIPOSTE_MASTER_KEY_FILE', 'TEMPORAL_API_KEY']);

/**
 * Resolves a value that may be a secret reference; literals pass through. `where` names the
 * field for the error message, which never holds the secret itself.
 */
export function resolveSecret(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    if (ENGINE_KEYS.has(name)) throw actionFailure('ConnectionConfigError', `${where}: env:${name} is riposte's own key and cannot be used as a secret; put the secret in its own variable`);
    const found = env[name];
    if (found === undefined) throw actionFailure('ConnectionConfigError', `${where}: environment variable ${name} is not set`);
    return found;
  }
  if (value.startsWith(PREFIX)) {
    try {
      return decryptSecret(value, masterKey(env));
    } catch (err) {
      throw actionFailure('ConnectionConfigError', `${where}: cannot decrypt the enc:v1 value (${(err as Error).message.includes('master key') ? (err as Error).message : 'wrong master key or damaged value'})`);
    }
  }
  return value;
}

/** Replaces every occurrence of the given secrets in a text. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}
