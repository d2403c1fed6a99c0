// riposte.config.json: connections, store, globals and the Temporal address, each overridable from the environment.
import path from 'node:path';
import { z } from 'zod';
import { ACTION_CONNECTION_TYPES, DEFAULT_ALLOWED_PORTS, DEFAULT_TASK_QUEUE, DURATION_PATTERN, PROTOTYPE_NAMES, formatPath, parseDuration, tlsFiles } from '../dsl';
import { networkEntryProblem, type NetworkPolicy, type ProxyRoutes } from './network-policy';
import { ConfigError, applyEnvironment, configText, layerTemporal, overriddenBy, readConfigFile, resolveTlsFiles, type ConfigFile } from './config-sources';

export { ConfigError } from './config-sources';


const httpConnection = z
  .object({
    type: z.literal('http'),
    url: z.string().min(1),
    auth: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }).strict(),
        z.object({ type: z.literal('bearer'), token: z.string() }).strict(),
        z.object({ type: z.literal('header'), name: z.string(), value: z.string() }).strict(),
      ])
      .optional(),
    headers: z.record(z.string(), z.string()).optional(),
    tls: tlsFiles.optional(),
  })
  .strict();

const smtpConnection = z
  .object({
    type: z.literal('smtp'),
    host: z.string().min(1),
    port: z.int().min(1).max(65_535).default(587),
    /** Implicit TLS from the first byte (port 465); otherwise STARTTLS per `starttls`. */
    secure: z.boolean().default(false),
    starttls: z.enum(['required', 'opportunistic', 'never']).default('opportunistic'),
    auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).strict().optional(),
    from: z.string().min(3),
    tls: tlsFiles.optional(),
  })
  .strict();

const databaseUser = z.object({ user: z.string().min(1), password: z.string().optional() }).strict();

/**
 * A database for db.insert (Smart Monitor's JDBC connection) with its named users (its JDBC users).
 * PostgreSQL and MySQL/MariaDB need host and database; SQLite needs file (relative to the configuration file).
 */
const databaseConnection = z
  .object({
    type: z.literal('database'),
    driver: z.enum(['postgres', 'mysql', 'sqlite']),
    host: z.string().min(1).optional(),
    port: z.int().min(1).max(65_535).optional(),
    database: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    users: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), databaseUser).default({}),
    /**
     * The tables a db.insert step may write when a token gives the table name: bare names, `*`
     * matching any run of name characters (`audit_*`). Literal table names in chains are not limited by it.
     */
    tables: z.array(z.string().regex(/^[A-Za-z_*][A-Za-z0-9_$*]{0,62}$/, { message: 'a bare table name, "*" matching any characters: e.g. "alerts" or "audit_*"' })).optional(),
    tls: tlsFiles.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.driver === 'sqlite') {
      if (!c.file) ctx.addIssue({ code: 'custom', path: ['file'], message: 'a sqlite database needs "file", the path of the database file' });
      return;
    }
    if (!c.host) ctx.addIssue({ code: 'custom', path: ['host'], message: `a ${c.driver} database needs "host"` });
    if (!c.database) ctx.addIssue({ code: 'custom', path: ['database'], message: `a ${c.driver} database needs "database", the database name` });
    if (Object.keys(c.users).length === 0) ctx.addIssue({ code: 'custom', path: ['users'], message: 'name at least one user: "users": { "writer": { "user": "...", "password": "env:NAME" } }' });
  });
/**
 * An AWS account: access keys, or a role to assume (with the keys, or the SDK's default
 * credentials, as the caller). `endpoint` and `stsEndpoint` override the service URLs.
 */
const awsConnection = z
  .object({
    type: z.literal('aws'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'not an AWS region; write e.g. eu-west-1' }).optional(),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { message: 'not a role ARN; write arn:aws:iam::123456789012:role/NAME' }).optional(),
    externalId: z.string().min(1).optional(),
    endpoint: z.url().optional(),
    stsEndpoint: z.url().optional(),
  })
  .strict()
  .refine((c) => (c.accessKeyId === undefined) === (c.secretAccessKey === undefined), { message: 'give both accessKeyId and secretAccessKey, or neither (to use a role or the default credentials)', path: ['secretAccessKey'] });

/**
 * A vendor API reached with a key or token (XSOAR, HipChat, PagerDuty, Slack, Recorded Future):
 * `url` overrides the vendor's default base URL, `tls` carries a client certificate for mutual TLS.
 * For Cortex XSOAR 8, `version: 8` and `keyId` (the API key's ID, sent as `x-xdr-auth-id`).
 */
const apiKeyConnection = z
  .object({
    type: z.literal('apikey'),
    key: z.string().min(1),
    url: z.url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    tls: tlsFiles.optional(),
    version: z.union([z.literal(6), z.literal(8)], { message: 'the XSOAR version is 6 or 8' }).optional(),
    keyId: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => c.version !== 8 || c.keyId !== undefined, { message: 'XSOAR 8 needs the API key\'s ID: add "keyId" (shown next to the key under Settings > API Keys)', path: ['keyId'] });

/** A named endpoint with its credentials. Secret values may be `env:NAME` or `enc:v1:...` references. */
export const connectionSchema = z.discriminatedUnion('type', [
  httpConnection,
  smtpConnection,
  databaseConnection,
  awsConnection,
  apiKeyConnection,
  // Connection types an action brings with its definition (dsl/actions/<action>/), e.g. syslog for syslog.send.
  ...(ACTION_CONNECTION_TYPES.map((c) => c.schema) as unknown as [typeof apiKeyConnection]),
]);
export type Connection = z.infer<typeof connectionSchema>;
export type HttpConnection = z.infer<typeof httpConnection>;
export type SmtpConnection = z.infer<typeof smtpConnection>;
export type DatabaseConnection = z.infer<typeof databaseConnection>;

/** Where script.run finds scripts and interpreters, and how it sandboxes them. */
export const scriptsSchema = z
  .object({
    /** Registered scripts (`riposte script add`); relative to the data directory. */
    dir: z.string().default('scripts'),
    /** Per-run jail directories are made under this one; relative to the data directory. */
    jailDir: z.string().default('jails'),
    /** Interpreter name to absolute path. Only these may run scripts. */
    interpreters: z
      .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/), z.string().regex(/^\//, { message: 'give the absolute path of the interpreter' }))
      .default({ bash: '/usr/bin/bash', python3: '/usr/bin/python3', perl: '/usr/bin/perl' }),
    /** The bubblewrap executable; found on PATH when not given. */
    bwrap: z.string().optional(),
    /** Runs scripts without a sandbox when bubblewrap is missing or broken. Off unless you accept the risk. */
    allowUnsandboxed: z.boolean().default(false),
    /** Gives scripts the host's network (for calling a firewall's API); off by default. */
    network: z.boolean().default(false),
    /** Extra host paths mounted read-only at the same place in the sandbox (besides /usr). */
    readOnlyPaths: z.array(z.string().regex(/^\//, { message: 'give an absolute path' })).default([]),
    /** Bytes of stdout and of stderr kept; the rest is cut. */
    outputLimit: z.int().min(1024).max(16 * 1_048_576).default(65_536),
    /** Processes and threads a script may have at once, in its jail (RLIMIT_NPROC). */
    maxProcesses: z.int().min(1).max(65_536).default(64),
    /** Address space of each process of a script, in MiB (RLIMIT_AS). */
    memoryMb: z.int().min(16).max(1_048_576).default(1024),
    /** CPU seconds of each process of a script (RLIMIT_CPU); the wall-clock limit is the step's with.timeout. */
    cpuSeconds: z.int().min(1).max(86_400).default(60),
    /** Size of the jail's own files, in MiB: its root, /tmp and /home are one tmpfs held in memory. */
    jailMb: z.int().min(1).max(1_048_576).default(256),
  })
  .strict();

const networkEntry = z.string().superRefine((entry, ctx) => {
  const problem = networkEntryProblem(entry);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A proxy URL: http or https, a host, a port when not the scheme's own. */
function proxyProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL; write e.g. http://proxy.corp.example:3128`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${value}" is not an http:// or https:// proxy URL; write e.g. http://proxy.corp.example:3128`;
  return undefined;
}

/**
 * The outbound network policy. Without `allow`, connections to loopback, private,
 * link-local, CGNAT and other non-public addresses are refused; `allow` exempts addresses, CIDR
 * ranges and host names (`*.domain` too); `hosts`, when set, is the only set of reachable
 * destinations; `proxy` routes HTTP actions through a proxy.
 */
export const networkSchema = z
  .object({
    allow: z.array(networkEntry).default([]),
    hosts: z.array(networkEntry).optional(),
    proxy: z
      .string()
      .superRefine((value, ctx) => {
        const problem = proxyProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  })
  .strict();

/** Log levels, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A duration of at least a second. */
function retentionDuration(what: string) {
  return z
    .string()
    .regex(DURATION_PATTERN, { message: 'not a duration; write e.g. "12h", "7d" or "30d"' })
    .refine((text) => (parseDuration(text) ?? 1_000) >= 1_000, { message: `${what} is at least 1s` });
}

/** What an API token may do. */
export const API_SCOPES = ['runs:write', 'runs:read', 'events:write', 'incidents:read', 'sensors:read', 'rules:read', 'approvals:read', 'approvals:write', 'console'] as const;
/** Where the intake API listens unless configured. */
export const DEFAULT_API_LISTEN = '127.0.0.1:8088';
/** The largest request body the intake API accepts unless configured (bytes). */
export const DEFAULT_API_BODY_LIMIT = 5 * 1_048_576;

/** A JSON Pointer (RFC 6901): "" for the whole body, or "/a/0/b". */
const jsonPointer = z.string().regex(/^(\/([^~/]|~[01])*)*$/, { message: 'write a JSON Pointer such as "/context/alerts" ("" for the whole body); escape "~" as ~0 and "/" as ~1' });
const hookJob = z.string().min(1, { message: 'name the job of the jobs directory the hook starts' });
const hookSecret = z.string().min(1, { message: 'give the secret the sender presents (an env:NAME or enc:v1:... reference)' });

/**
 * An intake hook: a sender that cannot speak riposte's own API shape posts its own
 * body to `/v1/hooks/{name}`. `sumo-insight` fires Insight events (every subscribed job, or `job`
 * only); the other formats start `job`.
 */
export const hookSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('splunk'), job: hookJob, secret: hookSecret }).strict(),
  z.object({ format: z.literal('sumo-insight'), job: hookJob.optional(), secret: hookSecret }).strict(),
  z.object({ format: z.literal('alertmanager'), job: hookJob, secret: hookSecret }).strict(),
  z.object({ format: z.literal('json'), job: hookJob, secret: hookSecret, resultsPath: jsonPointer.optional(), triggerIdPath: jsonPointer.optional() }).strict(),
], { error: 'give "format": one of splunk, sumo-insight, alertmanager, json' });
/** A configured intake hook. */
export type HookConfig = z.output<typeof hookSchema>;

const apiSchema = z
  .object({
    listen: z.string().regex(/^[^:]+:\d+$/, { message: 'write host:port, e.g. 127.0.0.1:8088' }).default(DEFAULT_API_LISTEN),
    /** Bearer tokens; `token` may be an `env:NAME` or `enc:v1:...` reference. */
    tokens: z
      .array(
        z
          .object({
            name: z.string().min(1),
            token: z.string().min(1),
            scopes: z.array(z.enum(API_SCOPES)).min(1, { message: `give at least one scope: ${API_SCOPES.join(', ')}` }),
          })
          .strict(),
      )
      .default([]),
    bodyLimit: z.int().min(1_024).max(100 * 1_048_576).default(DEFAULT_API_BODY_LIMIT),
    /** The API's address as people reach it, for approval links (e.g. https://riposte.corp.example); default http://<listen>. */
    publicUrl: z.url({ protocol: /^https?$/, message: 'write the http(s) URL people open approval links at, e.g. https://riposte.corp.example' }).optional(),
    /** A name typed on an approval link's page is checked against the step's approvers (and required) instead of only recorded. */
    trustLinkNames: z.boolean().default(false),
    /** Intake hooks by name: `POST /v1/hooks/{name}`. */
    hooks: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { message: 'name a hook with letters, digits, ".", "_" and "-"' }), hookSchema).default({}),
  })
  .strict();
/** The intake API's settings. */
export type ApiConfig = z.output<typeof apiSchema>;
export type AwsConnection = z.infer<typeof awsConnection>;
export type ApiKeyConnection = z.infer<typeof apiKeyConnection>;

/** The configuration file's schema. */
export const configSchema = z
  .object({
    $schema: z.string().optional(),
    dataDir: z.string().default('.riposte'),
    store: z.object({ url: z.string().optional() }).strict().default({}),
    temporal: z
      .object({
        address: z.string().optional(),
        namespace: z.string().default('default'),
        taskQueue: z.string().default(DEFAULT_TASK_QUEUE),
        uiUrl: z.string().optional(),
        /** A profile of the Temporal configuration file (`temporal.toml`) to start from; TEMPORAL_PROFILE overrides it. */
        profile: z.string().min(1).optional(),
        apiKey: z.string().optional(),
        /** Files relative to this file's folder; `*Data` hold PEM text (from TEMPORAL_TLS_*_DATA or a profile); `disabled` turns TLS off. */
        tls: tlsFiles.extend({ caData: z.string().optional(), certData: z.string().optional(), keyData: z.string().optional(), disabled: z.boolean().optional() }).strict().optional(),
        /** gRPC metadata sent with every call (TEMPORAL_GRPC_META_*). */
        grpcMeta: z.record(z.string(), z.string()).optional(),
        /** Encrypts every payload end to end with AES-256-GCM (see control/codec.ts). */
        encryptPayloads: z.boolean().default(false),
        /** Secret reference to the payload key (32 bytes, base64); derived from the master key when absent. */
        payloadKey: z.string().optional(),
        /** The codec server the Temporal UI calls to show decrypted payloads. */
        codecServer: z
          .object({
            port: z.int().min(0).max(65_535).default(8234),
            /** Secret reference to a bearer token the UI must send. */
            token: z.string().optional(),
            /** Serves without a token: any local process may decrypt payloads. Only for a one-person machine. */
            open: z.boolean().default(false),
            /** Browser origins allowed to call it; the embedded UI's by default. */
            origins: z.array(z.string()).default(['http://127.0.0.1:8233', 'http://localhost:8233']),
          })
          .strict()
          .default({ port: 8234, origins: ['http://127.0.0.1:8233', 'http://localhost:8233'], open: false }),
      })
      .strict()
      .default({ namespace: 'default', taskQueue: DEFAULT_TASK_QUEUE, encryptPayloads: false, codecServer: { port: 8234, origins: ['http://127.0.0.1:8233', 'http://localhost:8233'], open: false } }),
    connections: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
          .refine((name) => !PROTOTYPE_NAMES.has(name), { message: 'this name belongs to every JavaScript object; choose another connection name' }),
        connectionSchema,
      )
      .default({}),
    globals: z.record(z.string(), z.unknown()).default({}),
    jobsDir: z.string().default('jobs'),
    maxCachedWorkflows: z.int().min(2).default(250),
    metricsAddress: z.string().regex(/^[^:]+:\d+$/, { message: 'write host:port, e.g. 127.0.0.1:9464' }).optional(),
    scripts: scriptsSchema.default(scriptsSchema.parse({})),
    /** Sensor silence windows: a sensor silent this long is offline. */
    sensors: z
      .object({
        defaultWindow: z.string().regex(DURATION_PATTERN, { message: 'not a duration; write e.g. "90s", "10m" or "1h"' }).default('10m'),
        windows: z.record(z.string(), z.string().regex(DURATION_PATTERN, { message: 'not a duration; write e.g. "90s", "10m" or "1h"' })).default({}),
      })
      .strict()
      .default({ defaultWindow: '10m', windows: {} }),
    /** Rule guard limits: a rule above either is disabled automatically (the Cloud SIEM defaults). */
    ruleGuard: z
      .object({ hourLimit: z.int().min(1).default(100_000), dayLimit: z.int().min(1).default(1_000_000) })
      .strict()
      .default({ hourLimit: 100_000, dayLimit: 1_000_000 }),
    api: apiSchema.default({ listen: DEFAULT_API_LISTEN, tokens: [], bodyLimit: DEFAULT_API_BODY_LIMIT, hooks: {}, trustLinkNames: false }),
    /** Sumo Logic Cloud SIEM: its base URL makes each Insight's link (`<url>/sec/insight/<id>`). */
    cloudSiem: z
      .object({ url: z.url({ protocol: /^https?$/, error: 'write the Cloud SIEM base URL, e.g. https://service.us2.sumologic.com' }).optional() })
      .strict()
      .default({}),
    /** Destination ports `http.post` may reach besides 80, 8080, 443, 8443 and 8000. */
    allowedPorts: z.array(z.int().min(1).max(65_535)).default([]),
    /** The least severe log events the long-running commands (dev, worker, api) write. */
    logLevel: z.enum(LOG_LEVELS, { message: `write one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    /** How long the store keeps result sets, step outputs, delivery records and throttle keys (incidents and index documents stay until deleted). */
    retention: z
      .object({
        /** Default: the Temporal namespace's retention, read when the worker starts (7d when it cannot be read). */
        period: retentionDuration('the retention period').optional(),
        /** How often a worker purges what is older. */
        purgeEvery: retentionDuration('purgeEvery').default('1h'),
      })
      .strict()
      .default({ purgeEvery: '1h' }),
    network: networkSchema.default({ allow: [] }),
  })
  .strict();

/** Configuration after defaults and environment overrides; `network` with the proxy environment applied. */
export type Config = Omit<z.output<typeof configSchema>, 'network'> & { network: NetworkPolicy; storeUrl: string; configDir: string };

/**
 * Loads `riposte.config.json` (JSON with comments) from `RIPOSTE_CONFIG` or the working directory
 * (optional), layers the Temporal connection as the SDK's environment configuration does (see
 * {@link layerTemporal}), applies the environment's overrides (ENVIRONMENT_OVERRIDES in
 * config-sources.ts), checks the whole, and resolves relative paths: data and jobs directories, TLS
 * files, SQLite files and a `sqlite:` store URL against the configuration file's folder.
 * The network policy then takes RIPOSTE_NETWORK_ALLOW, RIPOSTE_NETWORK_HOSTS, RIPOSTE_NETWORK_PROXY and,
 * when no proxy is configured, HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lower case too).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = env.RIPOSTE_CONFIG ? path.resolve(cwd, env.RIPOSTE_CONFIG) : path.join(cwd, 'riposte.config.json');
  const text = configText(file);
  if (text === undefined && env.RIPOSTE_CONFIG) throw new ConfigError(`${file}: no such file (RIPOSTE_CONFIG)`);
  const source: ConfigFile = text === undefined ? { raw: {}, position: () => file } : readConfigFile(file, text);
  const configDir = path.dirname(file);
  const raw = structuredClone(source.raw);
  // Store URLs and data directories from the file are relative to it; from the environment, to the working directory.
  const fileStore = (raw.store as { url?: unknown } | undefined)?.url;
  if (typeof fileStore === 'string' && /^sqlite:(?!\/\/)/.test(fileStore) && !env.RIPOSTE_STORE_URL) {
    (raw.store as { url: string }).url = `sqlite:${path.resolve(configDir, fileStore.slice('sqlite:'.length))}`;
  }
  layerTemporal(raw, env, cwd, configDir);
  const origins = applyEnvironment(raw, env);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues
        .map((i) => {
          const variable = overriddenBy(origins, i.path);
          const at = formatPath(i.path as (string | number)[]) || '(top level)';
          return variable ? `${variable}: ${i.message} (it sets ${at})` : `${source.position(i.path)}: ${at}: ${i.message}`;
        })
        .join('\n'),
    );
  }
  const config = parsed.data;
  config.dataDir = path.resolve(origins.has('dataDir') ? cwd : configDir, config.dataDir);
  config.jobsDir = path.resolve(origins.has('jobsDir') ? cwd : configDir, config.jobsDir);
  config.scripts.dir = path.resolve(config.dataDir, config.scripts.dir);
  config.scripts.jailDir = path.resolve(config.dataDir, config.scripts.jailDir);
  for (const connection of Object.values(config.connections)) {
    if ('tls' in connection && connection.tls) connection.tls = resolveTlsFiles(connection.tls, configDir);
    if (connection.type === 'database' && connection.file) connection.file = path.resolve(configDir, connection.file);
  }
  const storeUrl = config.store.url ?? `sqlite:${path.join(config.dataDir, 'store.db')}`;
  return { ...config, network: networkPolicy(config.network, env), storeUrl, configDir };
}

function entryList(name: string, value: string): string[] {
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  const problems = entries.map(networkEntryProblem).filter(Boolean);
  if (problems.length > 0) throw new ConfigError(`${name}: ${problems.join('; ')}; separate entries with commas`);
  return entries;
}

/**
 * The policy with the environment applied: RIPOSTE_NETWORK_* replace the configured lists and proxy;
 * without a configured proxy, the usual proxy variables apply, as curl and undici read them.
 */
function networkPolicy(network: z.output<typeof networkSchema>, env: NodeJS.ProcessEnv): NetworkPolicy {
  const allow = env.RIPOSTE_NETWORK_ALLOW !== undefined ? entryList('RIPOSTE_NETWORK_ALLOW', env.RIPOSTE_NETWORK_ALLOW) : network.allow;
  const hosts = env.RIPOSTE_NETWORK_HOSTS !== undefined ? entryList('RIPOSTE_NETWORK_HOSTS', env.RIPOSTE_NETWORK_HOSTS) : network.hosts;
  const variable = (...names: string[]) => names.map((n) => [n, env[n]] as const).find(([, v]) => v !== undefined && v !== '');
  const checked = (found: readonly [string, string | undefined] | undefined) => {
    if (!found) return undefined;
    const problem = proxyProblem(found[1]!);
    if (problem) throw new ConfigError(`${found[0]}: ${problem}`);
    return found[1];
  };
  const configured = checked(variable('RIPOSTE_NETWORK_PROXY')) ?? network.proxy;
  const proxy: ProxyRoutes = configured
    ? { http: configured, https: configured }
    : (() => {
        // As undici's EnvHttpProxyAgent: https destinations use HTTP_PROXY when HTTPS_PROXY is unset.
        const http = checked(variable('http_proxy', 'HTTP_PROXY'));
        return { http, https: checked(variable('https_proxy', 'HTTPS_PROXY')) ?? http };
      })();
  const noProxy = variable('no_proxy', 'NO_PROXY')?.[1];
  const routes: ProxyRoutes = { ...(proxy.http ? { http: proxy.http } : {}), ...(proxy.https ? { https: proxy.https } : {}), ...(noProxy ? { noProxy } : {}) };
  return { allow, ...(hosts ? { hosts } : {}), ...(routes.http || routes.https ? { proxy: routes } : {}) };
}

/** The connections as validation sees them: names, types and user names, never credentials. */
export function connectionTypes(config: Config): Record<string, { type: string; users?: string[] }> {
  return Object.fromEntries(Object.entries(config.connections).map(([name, c]) => [name, { type: c.type, ...(c.type === 'database' ? { users: Object.keys(c.users) } : {}) }]));
}

/** The destination ports `http.post` may reach: the default list plus the configured `allowedPorts`. */
export function allowedPorts(config: Config): number[] {
  return [...DEFAULT_ALLOWED_PORTS, ...config.allowedPorts];
}

/** Where people open approval links: `api.publicUrl`, else the API's own listen address. */
export function publicApiUrl(config: Config): string {
  return (config.api.publicUrl ?? `http://${config.api.listen}`).replace(/\/+$/, '');
}
