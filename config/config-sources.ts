// Where configuration comes from besides its schema: the JSONC file (with positions), the environment's overrides, the Temporal profile.
import fs from 'node:fs';
import path from 'node:path';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { findNodeAtLocation, parse as parseJsonc, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { UserError } from './user-error';

/** A configuration file or environment variable that does not validate. */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** A parsed configuration file, and where each of its values stands in it. */
export interface ConfigFile {
  raw: Record<string, unknown>;
  /** `FILE:LINE:COLUMN` of the value at `at` (or of its nearest written parent). */
  position(at: readonly PropertyKey[]): string;
}

/**
 * Reads a configuration file as JSON with comments (JSONC: `//` and `/* *\/` comments, trailing
 * commas). Syntax errors come back as `FILE:LINE:COLUMN: message`, as editors and compilers print them.
 */
export function readConfigFile(file: string, text: string): ConfigFile {
  const errors: ParseError[] = [];
  const raw = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true }) as unknown;
  if (errors.length > 0) {
    throw new ConfigError(
      errors
        .slice(0, 5)
        .map((e) => {
          const at = lineColumn(text, e.offset);
          return `${file}:${at.line}:${at.column}: malformed JSON: ${printParseErrorCode(e.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`;
        })
        .join('\n'),
    );
  }
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) throw new ConfigError(`${file}:1:1: the configuration is a JSON object ({ ... })`);
  const tree = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  return {
    raw: (raw ?? {}) as Record<string, unknown>,
    position(at) {
      let node: Node | undefined;
      for (let n = at.length; n >= 0 && !node; n--) node = tree ? findNodeAtLocation(tree, at.slice(0, n) as (string | number)[]) : undefined;
      const { line, column } = lineColumn(text, node?.offset ?? 0);
      return `${file}:${line}:${column}`;
    },
  };
}

type Parse = (text: string, name: string) => unknown;

const text: Parse = (value) => value;
const bool: Parse = (value, name) => {
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new ConfigError(`${name}: write true or false`);
};
const wholeNumber: Parse = (value, name) => {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new ConfigError(`${name}: write a whole number, e.g. 500`);
  return Number(value);
};
const ports: Parse = (value, name) => {
  const list = value.split(',').map((p) => p.trim());
  if (list.some((p) => !/^\d+$/.test(p))) throw new ConfigError(`${name}: write port numbers separated by commas, e.g. 9443,8081`);
  return list.map(Number);
};
const jsonObject: Parse = (value, name) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(`${name}: not a JSON object; write e.g. {"soc":"soc@example.org"}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${name}: not a JSON object; write e.g. {"soc":"soc@example.org"}`);
  return parsed;
};

/**
 * Every environment variable that overrides a configuration key, the key, and how its text is read.
 * The value is then checked by the configuration's schema like the file's own, and a problem names
 * the variable. `merge` merges an object into the file's instead of replacing it.
 */
export const ENVIRONMENT_OVERRIDES: readonly { name: string; path: readonly string[]; parse: Parse; merge?: boolean }[] = [
  { name: 'RIPOSTE_DATA_DIR', path: ['dataDir'], parse: text },
  { name: 'RIPOSTE_JOBS_DIR', path: ['jobsDir'], parse: text },
  { name: 'RIPOSTE_STORE_URL', path: ['store', 'url'], parse: text },
  { name: 'TEMPORAL_UI_URL', path: ['temporal', 'uiUrl'], parse: text },
  { name: 'RIPOSTE_TASK_QUEUE', path: ['temporal', 'taskQueue'], parse: text },
  { name: 'RIPOSTE_ENCRYPT_PAYLOADS', path: ['temporal', 'encryptPayloads'], parse: bool },
  { name: 'RIPOSTE_METRICS_ADDRESS', path: ['metricsAddress'], parse: text },
  { name: 'RIPOSTE_MAX_CACHED_WORKFLOWS', path: ['maxCachedWorkflows'], parse: wholeNumber },
  { name: 'RIPOSTE_API_LISTEN', path: ['api', 'listen'], parse: text },
  { name: 'RIPOSTE_PUBLIC_URL', path: ['api', 'publicUrl'], parse: text },
  { name: 'RIPOSTE_ALLOWED_PORTS', path: ['allowedPorts'], parse: ports },
  { name: 'RIPOSTE_GLOBALS', path: ['globals'], parse: jsonObject, merge: true },
  { name: 'RIPOSTE_SCRIPTS_DIR', path: ['scripts', 'dir'], parse: text },
  { name: 'RIPOSTE_ALLOW_UNSANDBOXED', path: ['scripts', 'allowUnsandboxed'], parse: bool },
  { name: 'RIPOSTE_LOG_LEVEL', path: ['logLevel'], parse: (value) => value.trim().toLowerCase() },
  { name: 'RIPOSTE_RETENTION', path: ['retention', 'period'], parse: (value) => value.trim() },
  { name: 'RIPOSTE_CLOUD_SIEM_URL', path: ['cloudSiem', 'url'], parse: text },
];

function setAt(root: Record<string, unknown>, at: readonly string[], value: unknown, merge = false): void {
  let node = root;
  for (const key of at.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = at[at.length - 1];
  const current = node[last];
  node[last] = merge && typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...current, ...(value as object) } : value;
}

/**
 * Writes the environment's overrides into the raw configuration, before it is checked. Returns the
 * variable behind each overridden key (`a.b`), so a problem with the value names the variable.
 */
export function applyEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
  const origins = new Map<string, string>();
  for (const o of ENVIRONMENT_OVERRIDES) {
    const value = env[o.name];
    if (value === undefined || value === '') continue;
    setAt(raw, o.path, o.parse(value, o.name), o.merge);
    origins.set(o.path.join('.'), o.name);
  }
  return origins;
}

/** The environment variable behind a problem's path, if an override set the key or one above it. */
export function overriddenBy(origins: Map<string, string>, at: readonly PropertyKey[]): string | undefined {
  for (let n = at.length; n > 0; n--) {
    const found = origins.get(at.slice(0, n).join('.'));
    if (found) return found;
  }
  return undefined;
}

function resolvePath(value: unknown, base: string): unknown {
  return typeof value === 'string' && value !== '' ? path.resolve(base, value) : value;
}

/** A TLS block's file names resolved against `base` (the configuration file's folder). */
export function resolveTlsFiles<T extends Record<string, unknown> | undefined>(tls: T, base: string): T {
  if (!tls || typeof tls !== 'object') return tls;
  const out: Record<string, unknown> = { ...tls };
  for (const key of ['caFile', 'certFile', 'keyFile']) if (key in out) out[key] = resolvePath(out[key], base);
  return out as T;
}

/** Temporal's TLS settings from a profile or the `TEMPORAL_TLS_*` variables, in the configuration's shape. */
function profileTls(tls: ClientConfigProfile['tls'], cwd: string): Record<string, unknown> | undefined {
  if (!tls) return undefined;
  const out: Record<string, unknown> = {};
  const source = (s: ConfigDataSource | undefined, file: string, data: string) => {
    if (!s) return;
    // The SDK reads these paths as given, from the working directory; riposte does the same.
    if ('path' in s) out[file] = path.resolve(cwd, s.path);
    else out[data] = typeof s.data === 'string' ? s.data : Buffer.from(s.data).toString('utf8');
  };
  if (tls.disabled !== undefined) out.disabled = tls.disabled;
  if (tls.serverName) out.servername = tls.serverName;
  source(tls.serverCACert, 'caFile', 'caData');
  source(tls.clientCert, 'certFile', 'certData');
  source(tls.clientKey, 'keyFile', 'keyData');
  return out;
}

function loadProfile(options: Parameters<typeof loadClientConfigProfile>[0], what: string): ClientConfigProfile {
  try {
    return loadClientConfigProfile(options);
  } catch (err) {
    throw new ConfigError(`${what}: ${(err as Error).message}`);
  }
}

/**
 * Layers the Temporal connection as the SDK's environment configuration reads it
 * (`@temporalio/envconfig`): the profile of the Temporal configuration file (`TEMPORAL_CONFIG_FILE`,
 * else `~/.config/temporalio/temporal.toml`; `TEMPORAL_PROFILE` or `temporal.profile` names it,
 * `default` otherwise), then riposte.config.json's `temporal` block, then the `TEMPORAL_*`
 * variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
 * TEMPORAL_TLS_*, TEMPORAL_GRPC_META_*). Paths in riposte.config.json are relative to its folder.
 */
export function layerTemporal(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, cwd: string, configDir: string): void {
  for (const name of ['TEMPORAL_TLS', 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION']) {
    if (env[name] !== undefined && env[name] !== '' && !/^(true|false|1|0)$/i.test(env[name]!)) throw new ConfigError(`${name}: write true or false`);
  }
  const own = (typeof raw.temporal === 'object' && raw.temporal !== null && !Array.isArray(raw.temporal) ? raw.temporal : {}) as Record<string, unknown>;
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const profileName = env.TEMPORAL_PROFILE || (typeof own.profile === 'string' ? own.profile : undefined);
  const where = env.TEMPORAL_CONFIG_FILE ? `TEMPORAL_CONFIG_FILE (${env.TEMPORAL_CONFIG_FILE})` : 'the Temporal configuration file';
  const file = loadProfile({ ...(profileName ? { profile: profileName } : {}), disableEnv: true, overrideEnvVars: vars }, profileName ? `${where}, profile "${profileName}"` : where);
  const fromEnv = loadProfile({ disableFile: true, overrideEnvVars: vars }, 'TEMPORAL_* environment');
  const layered: Record<string, unknown> = { ...own };
  delete layered.profile;
  const pick = <K extends 'address' | 'namespace'>(key: K) => fromEnv[key] ?? (own[key] as string | undefined) ?? file[key];
  if (pick('address') !== undefined) layered.address = pick('address');
  if (pick('namespace') !== undefined) layered.namespace = pick('namespace');
  // The key stays a reference in the configuration; it is read from the environment when connecting.
  const apiKey = env.TEMPORAL_API_KEY ? 'env:TEMPORAL_API_KEY' : (own.apiKey ?? file.apiKey);
  if (apiKey !== undefined) layered.apiKey = apiKey;
  const ownTls = typeof own.tls === 'object' && own.tls !== null ? resolveTlsFiles(own.tls as Record<string, unknown>, configDir) : undefined;
  const tls = { ...profileTls(file.tls, cwd), ...ownTls, ...profileTls(fromEnv.tls, cwd) };
  if (Object.keys(tls).length > 0 || own.tls !== undefined) layered.tls = own.tls !== undefined && typeof own.tls !== 'object' ? own.tls : tls;
  const grpcMeta = { ...file.grpcMeta, ...(own.grpcMeta as Record<string, string> | undefined), ...fromEnv.grpcMeta };
  if (Object.keys(grpcMeta).length > 0 || own.grpcMeta !== undefined) layered.grpcMeta = own.grpcMeta !== undefined && typeof own.grpcMeta !== 'object' ? own.grpcMeta : grpcMeta;
  if (profileName) layered.profile = profileName;
  raw.temporal = layered;
}

/** The file's text, or undefined when there is no such file (fine unless RIPOSTE_CONFIG names it). */
export function configText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
