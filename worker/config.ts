// riposte.config.json: connections, store, globals and the Temporal address, each overridable from the environment.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_ALLOWED_PORTS, DEFAULT_TASK_QUEUE, formatPath } from '../dsl';

const tlsFiles = z
  .object({
    verify: z.boolean().default(true),
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    servername: z.string().optional(),
  })
  .strict();

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
 */
const apiKeyConnection = z
  .object({
    type: z.literal('apikey'),
    key: z.string().min(1),
    url: z.url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    tls: tlsFiles.optional(),
  })
  .strict();

/** A named endpoint with its credentials. Secret values may be `env:NAME` or `enc:v1:...` references. */
export const connectionSchema = z.discriminatedUnion('type', [
  httpConnection,
  smtpConnection,
  z.object({ type: z.literal('database') }).loose(),
  awsConnection,
  apiKeyConnection,
]);
export type Connection = z.infer<typeof connectionSchema>;
export type HttpConnection = z.infer<typeof httpConnection>;
export type SmtpConnection = z.infer<typeof smtpConnection>;
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
        apiKey: z.string().optional(),
        tls: tlsFiles.optional(),
      })
      .strict()
      .default({ namespace: 'default', taskQueue: DEFAULT_TASK_QUEUE }),
    connections: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), connectionSchema).default({}),
    globals: z.record(z.string(), z.unknown()).default({}),
    jobsDir: z.string().default('jobs'),
    maxCachedWorkflows: z.int().min(2).default(250),
    metricsAddress: z.string().regex(/^[^:]+:\d+$/, { message: 'write host:port, e.g. 127.0.0.1:9464' }).optional(),
    /** Destination ports `http.post` may reach besides 80, 8080, 443, 8443 and 8000. */
    allowedPorts: z.array(z.int().min(1).max(65_535)).default([]),
  })
  .strict();

/** Configuration after defaults and environment overrides. */
export type Config = z.output<typeof configSchema> & { storeUrl: string; configDir: string };

/** A configuration file that does not validate. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Loads `riposte.config.json` from `RIPOSTE_CONFIG` or the working directory (optional) and applies
 * the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_UI_URL,
 * RIPOSTE_TASK_QUEUE, RIPOSTE_METRICS_ADDRESS, RIPOSTE_STORE_URL, RIPOSTE_DATA_DIR, RIPOSTE_JOBS_DIR, RIPOSTE_GLOBALS (JSON),
 * RIPOSTE_ALLOWED_PORTS (comma-separated).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = env.RIPOSTE_CONFIG ? path.resolve(cwd, env.RIPOSTE_CONFIG) : path.join(cwd, 'riposte.config.json');
  let raw: unknown = {};
  if (fs.existsSync(file)) {
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file}: malformed JSON: ${(err as Error).message}`);
    }
  } else if (env.RIPOSTE_CONFIG) throw new ConfigError(`${file}: no such file (RIPOSTE_CONFIG)`);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${file}: ${formatPath(i.path) || '(top level)'}: ${i.message}`).join('\n'));
  }
  const config = parsed.data;
  const configDir = path.dirname(file);
  if (env.RIPOSTE_DATA_DIR) config.dataDir = env.RIPOSTE_DATA_DIR;
  config.dataDir = path.resolve(configDir, config.dataDir);
  config.jobsDir = path.resolve(configDir, env.RIPOSTE_JOBS_DIR ?? config.jobsDir);
  if (env.TEMPORAL_ADDRESS) config.temporal.address = env.TEMPORAL_ADDRESS;
  if (env.TEMPORAL_NAMESPACE) config.temporal.namespace = env.TEMPORAL_NAMESPACE;
  if (env.TEMPORAL_API_KEY) config.temporal.apiKey = 'env:TEMPORAL_API_KEY';
  if (env.TEMPORAL_UI_URL) config.temporal.uiUrl = env.TEMPORAL_UI_URL;
  if (env.RIPOSTE_TASK_QUEUE) config.temporal.taskQueue = env.RIPOSTE_TASK_QUEUE;
  if (env.RIPOSTE_METRICS_ADDRESS) config.metricsAddress = env.RIPOSTE_METRICS_ADDRESS;
  if (env.RIPOSTE_MAX_CACHED_WORKFLOWS) config.maxCachedWorkflows = Math.max(2, Number(env.RIPOSTE_MAX_CACHED_WORKFLOWS));
  if (env.RIPOSTE_ALLOWED_PORTS) {
    const ports = env.RIPOSTE_ALLOWED_PORTS.split(',').map((p) => Number(p.trim()));
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65_535)) throw new ConfigError('RIPOSTE_ALLOWED_PORTS: write port numbers separated by commas, e.g. 9443,8081');
    config.allowedPorts = ports;
  }
  if (env.RIPOSTE_GLOBALS) {
    try {
      config.globals = { ...config.globals, ...(JSON.parse(env.RIPOSTE_GLOBALS) as Record<string, unknown>) };
    } catch {
      throw new ConfigError('RIPOSTE_GLOBALS: not a JSON object');
    }
  }
  const storeUrl = env.RIPOSTE_STORE_URL ?? config.store.url ?? `sqlite:${path.join(config.dataDir, 'store.db')}`;
  return { ...config, storeUrl, configDir };
}

/** The connections as validation sees them: names and types only. */
export function connectionTypes(config: Config): Record<string, { type: string }> {
  return Object.fromEntries(Object.entries(config.connections).map(([name, c]) => [name, { type: c.type }]));
}

/** The destination ports `http.post` may reach: the default list plus the configured `allowedPorts`. */
export function allowedPorts(config: Config): number[] {
  return [...DEFAULT_ALLOWED_PORTS, ...config.allowedPorts];
}
