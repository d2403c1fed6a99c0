// Secret references (`env:NAME`, `enc:v1:...`): resolved where they are used, never logged; the worker-wide mask set.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { isSecretReference } from '../dsl/secret-refs';

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
export const isSecretRef = isSecretReference;

/**
 * Every secret this process has resolved, and the values derived from them (Basic credentials,
 * secret URL parts). Kept for the life of the worker so that whatever caches a secret (an SMTP
 * transport, a database pool, an AWS client), later failures and outputs are still masked.
 */
const known = new Set<string>();
let knownByLength: string[] = [];

/** Adds values to the worker-wide mask set; values shorter than 4 characters are not masked (they would mask everything). */
export function rememberSecret(...values: (string | undefined)[]): void {
  let added = false;
  for (const v of values) {
    if (v === undefined || v.length < 4 || known.has(v)) continue;
    known.add(v);
    added = true;
    // A secret also travels percent-encoded (URL parts) and base64-encoded (Basic credentials).
    const encoded = encodeURIComponent(v);
    if (encoded !== v) known.add(encoded);
  }
  if (added) knownByLength = [...known].sort((a, b) => b.length - a.length);
}

/** Remembers the parts of a secret URL (path and every query value) that a peer might echo. */
export function rememberSecretUrl(url: URL): void {
  if (url.pathname.length > 1) rememberSecret(url.pathname, ...url.pathname.split('/').filter((part) => part.length >= 8));
  for (const value of url.searchParams.values()) rememberSecret(value);
  if (url.password) rememberSecret(url.password, decodeURIComponent(url.password));
}

/** Replaces every secret this process has resolved, longest first, with `***`. */
export function maskKnownSecrets(text: string): string {
  let out = text;
  for (const s of knownByLength) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

/** True when the text holds a secret this process has resolved. */
export function holdsKnownSecret(text: string): boolean {
  for (const s of knownByLength) if (text.includes(s)) return true;
  return false;
}

/**
 * Environment variables that hold riposte's own keys. No `env:` reference may read them: a chain
 * could otherwise send the master key (and with it every `enc:v1:` value) to a peer it names.
 */
const ENGINE_KEYS: ReadonlySet<string> = new Set(['RIPOSTE_MASTER_KEY', 'RIPOSTE_MASTER_KEY_FILE', 'TEMPORAL_API_KEY']);

/** A secret reference that cannot be resolved: unset, riposte's own key, or not decryptable. The message never holds the secret. */
export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

/**
 * Resolves a value that may be a secret reference; literals pass through. `where` names the
 * field for the error message, which never holds the secret itself. Throws {@link SecretError}.
 */
export function resolveSecret(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    if (ENGINE_KEYS.has(name)) throw new SecretError(`${where}: env:${name} is riposte's own key and cannot be used as a secret; put the secret in its own variable`);
    const found = env[name];
    if (found === undefined) throw new SecretError(`${where}: environment variable ${name} is not set`);
    rememberSecret(found);
    return found;
  }
  if (value.startsWith(PREFIX)) {
    try {
      const plain = decryptSecret(value, masterKey(env));
      rememberSecret(plain);
      return plain;
    } catch (err) {
      throw new SecretError(`${where}: cannot decrypt the enc:v1 value (${(err as Error).message.includes('master key') ? (err as Error).message : 'wrong master key or damaged value'})`);
    }
  }
  return value;
}

/** Replaces every occurrence of the given secrets, and of every secret this process has resolved, in a text. */
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  rememberSecret(...secrets);
  return maskKnownSecrets(text);
}
