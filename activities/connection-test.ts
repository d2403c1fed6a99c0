// `riposte connection test`: checks a configured connection the way its actions reach it, sending no notification.
import fs from 'node:fs';
import tls from 'node:tls';
import { ACTION_NAMES, CATALOGUE, type Chain } from '../dsl';
import type { ApiKeyConnection, AwsConnection, Config, DatabaseConnection, HttpConnection, SmtpConnection } from '../config/config';
import { maskSecrets, resolveSecret } from './shared/secrets';
import { awsSts, connectionKeys } from './sns-publish';
import { transportFor } from './email-send';
import { openDatabase, resolveLogin } from './shared/databases';
import { callPeer } from './shared/http';
import { defaultCredentialsRefusal } from './shared/aws-credentials';
import { connectChecked, policyAgents, refusalIn, type NetworkPolicy } from './shared/network';
import { UserError } from '../config/user-error';

/** One thing checked, and what was found. */
export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
}

/** What `riposte connection test NAME --json` prints. */
export interface ConnectionReport {
  connection: string;
  type: string;
  ok: boolean;
  checks: CheckResult[];
}

/**
 * The base URLs the apikey connectors use when a connection gives no `url` (the vendors' public
 * API hosts, as in activities/<action>/index.ts). XSOAR has none: its server is always the customer's.
 */
export const VENDOR_BASE_URLS: Partial<Record<string, string>> = {
  'hipchat.notify': 'https://api.hipchat.com',
  'pagerduty.trigger': 'https://events.pagerduty.com',
  'slack.post': 'https://slack.com/api',
  'recordedfuture.enrich': 'https://api.recordedfuture.com',
};

const TIMEOUT_MS = 15_000;

function describe(err: unknown, secrets: readonly string[]): string {
  // A refusal of the network policy says what to add and where; nothing else need be said.
  const refusal = refusalIn(err);
  if (refusal) return refusal.message;
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string; name?: string };
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message && e.cause.message !== e.message ? `${e.message}: ${e.cause.message}` : e.message ?? String(err);
  return maskSecrets(`${code ? `${code}: ` : ''}${message}`, secrets);
}

function readPem(file: string | undefined, configDir: string): string | undefined {
  return file ? fs.readFileSync(file.startsWith('/') ? file : `${configDir}/${file}`, 'utf8') : undefined;
}

interface TlsFiles {
  verify?: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  servername?: string;
}

/** The TLS handshake alone, to an address the network policy allows: the certificate the server shows and whether it verifies. */
async function tlsCheck(url: URL, files: TlsFiles | undefined, configDir: string, network: NetworkPolicy): Promise<CheckResult> {
  const port = Number(url.port || 443);
  let tcp;
  try {
    tcp = await connectChecked(network, url.hostname, port, TIMEOUT_MS);
  } catch (err) {
    return { check: 'tls', ok: false, detail: `${url.host}: ${describe(err, [])}` };
  }
  return new Promise((resolve) => {
    const socket = tls.connect({
      socket: tcp,
      host: url.hostname,
      servername: files?.servername ?? (/^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname),
      rejectUnauthorized: files?.verify !== false,
      ca: readPem(files?.caFile, configDir),
      cert: readPem(files?.certFile, configDir),
      key: readPem(files?.keyFile, configDir),
      timeout: TIMEOUT_MS,
    });
    const done = (result: CheckResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const subject = cert?.subject?.CN ?? '(no common name)';
      const verified = socket.authorized ? 'verified' : `NOT verified (${String(socket.authorizationError)}; tls.verify is false)`;
      done({ check: 'tls', ok: socket.authorized || files?.verify === false, detail: `${socket.getProtocol()} with ${url.host}: certificate for ${subject}, valid until ${cert?.valid_to ?? '?'}, ${verified}` });
    });
    socket.once('timeout', () => done({ check: 'tls', ok: false, detail: `${url.host}: no TLS handshake within ${TIMEOUT_MS / 1000}s` }));
    socket.once('error', (err) => {
      const hint = /CERT|SELF_SIGNED|UNABLE_TO|DEPTH_ZERO/.test((err as { code?: string }).code ?? '') ? "; give the server's CA certificate as tls.caFile" : '';
      done({ check: 'tls', ok: false, detail: `${url.host}: ${describe(err, [])}${hint}` });
    });
  });
}

/** Every status: for reachability any HTTP answer will do. */
const ANY_STATUS = Array.from({ length: 500 }, (_, i) => i + 100);

/**
 * A GET of the origin only: the path and query of a connection URL may carry its token (a webhook
 * URL), and a request to them could set off the webhook. Any HTTP answer means reachable. The
 * request goes the way the actions' go (the shared HTTP client: network policy, proxy, TLS files).
 */
async function reachable(base: URL, files: TlsFiles | undefined, cfg: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const proxied = base.protocol === 'https:' ? cfg.network.proxy?.https : cfg.network.proxy?.http;
  if (base.protocol === 'https:' && !proxied) {
    const handshake = await tlsCheck(base, files, cfg.configDir, cfg.network);
    results.push(handshake);
    if (!handshake.ok) return results;
  }
  try {
    const answer = await callPeer({
      origin: 'connection test',
      url: new URL(`${base.origin}/`),
      method: 'GET',
      timeoutMs: TIMEOUT_MS,
      accept: ANY_STATUS,
      network: cfg.network,
      tls: { verify: files?.verify !== false, ca: readPem(files?.caFile, cfg.configDir), cert: readPem(files?.certFile, cfg.configDir), key: readPem(files?.keyFile, cfg.configDir), servername: files?.servername },
    });
    results.push({ check: 'reachable', ok: true, detail: `GET ${base.origin}/ answered ${answer.status}${proxied ? ' through the proxy' : ''}` });
  } catch (err) {
    results.push({ check: 'reachable', ok: false, detail: describe(err, []).replace(/^connection test: /, '') });
  }
  return results;
}

function parseUrl(raw: string, where: string): URL {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url;
  } catch {
    throw new UserError(`${where}: not an http:// or https:// URL`);
  }
}

async function testHttp(name: string, c: HttpConnection, cfg: Config): Promise<CheckResult[]> {
  const url = parseUrl(resolveSecret(c.url, `connections.${name}.url`), `connections.${name}.url`);
  const results = await reachable(url, c.tls, cfg);
  if (c.auth) results.push({ check: 'credentials', ok: true, detail: `not sent: an http connection's ${c.auth.type} credentials are checked only by the endpoint they are for, and calling it would deliver a message` });
  return results;
}

async function testSmtp(name: string, c: SmtpConnection, network: NetworkPolicy): Promise<CheckResult[]> {
  const secrets: string[] = [];
  const transport = await transportFor(name, c, secrets, network);
  const what = `${c.host}:${c.port}${c.secure ? ' (implicit TLS)' : c.starttls === 'never' ? '' : ` (STARTTLS ${c.starttls})`}`;
  try {
    // verify() connects, reads the greeting, says EHLO, upgrades to TLS as configured and logs in; it sends no message.
    await transport.verify();
    return [{ check: 'smtp', ok: true, detail: `${what}: greeting read${c.auth ? `, logged in as ${c.auth.user}` : ', no login configured'}; no message sent` }];
  } catch (err) {
    const e = err as { code?: string; responseCode?: number; response?: string };
    const answer = e.response ? `answered ${maskSecrets(e.response, secrets)}` : describe(err, secrets);
    const hint = e.code === 'EAUTH' ? " (check the connection's auth.user and auth.pass)" : e.code === 'ETLS' || /certificate/i.test(answer) ? " (give the server's CA certificate as tls.caFile)" : '';
    return [{ check: 'smtp', ok: false, detail: `${what}: ${e.code === 'EAUTH' ? 'login refused: ' : ''}${answer}${hint}` }];
  } finally {
    transport.close();
  }
}

async function testDatabase(name: string, c: DatabaseConnection, cfg: Config): Promise<CheckResult[]> {
  const users = c.driver === 'sqlite' && Object.keys(c.users).length === 0 ? [undefined] : Object.keys(c.users);
  const results: CheckResult[] = [];
  const where = c.driver === 'sqlite' ? `sqlite ${c.file}` : `${c.driver} ${c.host}:${c.port ?? (c.driver === 'postgres' ? 5432 : 3306)}/${c.database}`;
  for (const user of users) {
    let secrets: string[] = [];
    const label = user === undefined ? where : `${where} as ${user}`;
    try {
      const login = resolveLogin({ name, connection: c, user, origin: `connection "${name}"` });
      if (login.password) secrets = [login.password];
      const session = await openDatabase(c, login, cfg.configDir, cfg.network);
      try {
        // A read every user may make: the login works and the session answers queries.
        const tables = await session.tables(undefined);
        results.push({ check: 'login', ok: true, detail: `${label}: logged in; ${tables.length} table${tables.length === 1 ? '' : 's'} visible` });
      } finally {
        await session.close();
      }
    } catch (err) {
      results.push({ check: 'login', ok: false, detail: `${label}: ${describe(err, secrets)}` });
    }
  }
  return results;
}

async function testAws(name: string, c: AwsConnection, network: NetworkPolicy): Promise<CheckResult[]> {
  const where = `connections.${name}`;
  const secrets: string[] = [];
  const region = c.region ?? 'us-east-1';
  const keys = connectionKeys(name, c, secrets);
  const { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } = await awsSts();
  const sts = (credentials?: typeof keys) => new STSClient({ region, maxAttempts: 1, requestHandler: policyAgents(network), ...(c.stsEndpoint ? { endpoint: c.stsEndpoint } : {}), ...(credentials ? { credentials } : {}) });
  const results: CheckResult[] = [];
  const identity = async (label: string, credentials?: typeof keys) => {
    try {
      const refused = credentials ? undefined : defaultCredentialsRefusal(network);
      if (refused) throw refused;
      const who = await sts(credentials).send(new GetCallerIdentityCommand({}));
      results.push({ check: label, ok: true, detail: `STS GetCallerIdentity: ${who.Arn} (account ${who.Account})` });
      return true;
    } catch (err) {
      results.push({ check: label, ok: false, detail: `STS GetCallerIdentity: ${describe(err, secrets)}` });
      return false;
    }
  };
  if (!(await identity(keys ? 'keys' : 'default credentials', keys))) return results;
  if (c.roleArn) {
    try {
      const answer = await sts(keys).send(new AssumeRoleCommand({ RoleArn: c.roleArn, RoleSessionName: 'riposte-connection-test', DurationSeconds: 900, ...(c.externalId ? { ExternalId: resolveSecret(c.externalId, `${where}.externalId`) } : {}) }));
      const got = answer.Credentials;
      if (!got?.AccessKeyId || !got.SecretAccessKey) throw new Error('STS answered without credentials');
      secrets.push(got.SecretAccessKey, ...(got.SessionToken ? [got.SessionToken] : []));
      await identity('role', { accessKeyId: got.AccessKeyId, secretAccessKey: got.SecretAccessKey, ...(got.SessionToken ? { sessionToken: got.SessionToken } : {}) });
    } catch (err) {
      results.push({ check: 'role', ok: false, detail: `STS AssumeRole ${c.roleArn}: ${describe(err, secrets)}` });
    }
  }
  return results;
}

/** The actions of the jobs directory's chains that use the connection, for the vendor base URL of an apikey connection. */
function actionsUsing(name: string, chains: readonly Chain[]): string[] {
  const out = new Set<string>();
  for (const chain of chains) for (const step of chain.steps) if (step.connection === name) out.add(step.action);
  return [...out];
}

async function testApiKey(name: string, c: ApiKeyConnection, cfg: Config, chains: readonly Chain[], action: string | undefined): Promise<CheckResult[]> {
  if (action !== undefined && !(ACTION_NAMES as string[]).includes(action)) throw new UserError(`--action ${action}: unknown action; known: ${ACTION_NAMES.join(', ')}`);
  const fitting = ACTION_NAMES.filter((a) => (CATALOGUE[a] as { connectionTypes?: readonly string[] }).connectionTypes?.includes('apikey'));
  if (action !== undefined && !fitting.includes(action as (typeof fitting)[number])) throw new UserError(`--action ${action}: does not use apikey connections; those that do: ${fitting.join(', ')}`);
  const bases = c.url ? [c.url] : [...new Set((action ? [action] : actionsUsing(name, chains)).map((a) => VENDOR_BASE_URLS[a]).filter((u): u is string => u !== undefined))];
  if (bases.length === 0) {
    throw new UserError(`connection "${name}" has no url and no job of the jobs directory uses it with a vendor that has a default one; give its url, or --action ACTION (${Object.keys(VENDOR_BASE_URLS).join(', ')})`);
  }
  const results: CheckResult[] = [];
  for (const base of bases) results.push(...(await reachable(parseUrl(base, `connections.${name}.url`), c.tls, cfg)));
  results.push({ check: 'key', ok: true, detail: 'not sent: an API key is checked only by a call of the vendor API, which would act' });
  return results;
}

/** Checks the named connection; nothing is delivered. `chains` are the jobs directory's, `action` picks a vendor. */
export async function testConnection(cfg: Config, name: string, options: { chains?: readonly Chain[]; action?: string } = {}): Promise<ConnectionReport> {
  if (!Object.prototype.hasOwnProperty.call(cfg.connections, name)) {
    throw new UserError(`no connection "${name}"; configured: ${Object.keys(cfg.connections).join(', ') || 'none'} (under "connections" in riposte.config.json)`);
  }
  const c = cfg.connections[name];
  let checks: CheckResult[];
  try {
    if (c.type === 'http') checks = await testHttp(name, c, cfg);
    else if (c.type === 'smtp') checks = await testSmtp(name, c, cfg.network);
    else if (c.type === 'database') checks = await testDatabase(name, c, cfg);
    else if (c.type === 'aws') checks = await testAws(name, c, cfg.network);
    else checks = await testApiKey(name, c, cfg, options.chains ?? [], options.action);
  } catch (err) {
    // A secret reference that does not resolve, a TLS file that cannot be read: the configuration's to fix.
    if (err instanceof UserError) throw err;
    checks = [{ check: 'configuration', ok: false, detail: describe(err, []) }];
  }
  return { connection: name, type: c.type, ok: checks.every((r) => r.ok), checks };
}
