// `riposte connection test` against real loopback peers: it checks each connection type and delivers nothing.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpPeer } from '../scripts/smtp-peer';
import { startPeer } from './helpers';
import { recordTestSecret } from './secrets-ledger';

const exec = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-conn-'));
const SMTP_PASSWORD = 'smtp-c0nnection-test-pw';
const WRONG_PASSWORD = 'not-the-smtp-pw-4711';
const HOOK_TOKEN = 'hook-path-s3cret-token';
const AWS = { accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'conn/test/aws/s3cret/key/0000000000000000' };

let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let web: Awaited<ReturnType<typeof startPeer>>;
let sts: Awaited<ReturnType<typeof startPeer>>;
let secure: https.Server;
let securePort: number;
// Test peers listen on 127.0.0.1 only: the network policy allows exactly that.
const env: Record<string, string> = { RIPOSTE_NETWORK_ALLOW: '127.0.0.1', RIPOSTE_TEST_SMTP_PW: SMTP_PASSWORD, RIPOSTE_TEST_SMTP_BAD_PW: WRONG_PASSWORD, RIPOSTE_TEST_AWS_KEY: AWS.accessKeyId, RIPOSTE_TEST_AWS_SECRET: AWS.secretAccessKey };

async function riposte(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, RIPOSTE_DATA_DIR: dir, ...env, ...extraEnv } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Report {
  connection: string;
  type: string;
  ok: boolean;
  checks: { check: string; ok: boolean; detail: string }[];
}

async function test(name: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; report: Report; stdout: string }> {
  const out = await riposte(['connection', 'test', name, '--json'], extraEnv);
  return { code: out.code, report: JSON.parse(out.stdout || '{}') as Report, stdout: out.stdout + out.stderr };
}

beforeAll(async () => {
  recordTestSecret('connection-test SMTP password', SMTP_PASSWORD);
  recordTestSecret('connection-test wrong SMTP password', WRONG_PASSWORD);
  recordTestSecret('connection-test webhook path token', HOOK_TOKEN);
  recordTestSecret('connection-test AWS secret key', AWS.secretAccessKey);
  const lite = new Database(path.join(dir, 'lite.db'));
  lite.exec('CREATE TABLE blocked (ip TEXT)');
  lite.close();
  smtp = await startSmtpPeer({ users: { soc: SMTP_PASSWORD } });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  secure = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => res.writeHead(204).end());
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  securePort = (secure.address() as { port: number }).port;
  web = await startPeer(() => ({ status: 405, body: '' }));
  // STS answers GetCallerIdentity with the example of the AWS STS API reference.
  const identity = fs.readFileSync(path.join(__dirname, 'fixtures', 'vendor', 'aws', 'sts-get-caller-identity.xml'), 'utf8');
  sts = await startPeer((req) => {
    const form = new URLSearchParams(req.body);
    if (form.get('Action') === 'GetCallerIdentity' && String(req.headers.authorization ?? '').includes(`Credential=${AWS.accessKeyId}/`)) return { status: 200, headers: { 'content-type': 'text/xml' }, body: identity };
    return { status: 403, headers: { 'content-type': 'text/xml' }, body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r</RequestId></ErrorResponse>' };
  });
  fs.writeFileSync(
    path.join(dir, 'riposte.config.json'),
    JSON.stringify({
      connections: {
        mail: { type: 'smtp', host: '127.0.0.1', port: smtp.port, starttls: 'never', auth: { user: 'soc', pass: 'env:RIPOSTE_TEST_SMTP_PW' }, from: 'riposte@example.org' },
        'mail-wrong': { type: 'smtp', host: '127.0.0.1', port: smtp.port, starttls: 'never', auth: { user: 'soc', pass: 'env:RIPOSTE_TEST_SMTP_BAD_PW' }, from: 'riposte@example.org' },
        'mail-down': { type: 'smtp', host: '127.0.0.1', port: 1, starttls: 'never', from: 'riposte@example.org' },
        hook: { type: 'http', url: `http://127.0.0.1:${web.port}/hooks/${HOOK_TOKEN}`, auth: { type: 'bearer', token: 'env:RIPOSTE_TEST_SMTP_PW' } },
        'hook-down': { type: 'http', url: 'http://127.0.0.1:1/x' },
        tls: { type: 'http', url: `https://127.0.0.1:${securePort}/hook`, tls: { caFile: path.join(dir, 'cert.pem') } },
        'tls-unknown-ca': { type: 'http', url: `https://127.0.0.1:${securePort}/hook` },
        pg: { type: 'database', driver: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', users: { writer: { user: 'postgres' } } },
        'pg-nodb': { type: 'database', driver: 'postgres', host: '127.0.0.1', port: 5432, database: 'no_such_database_4711', users: { writer: { user: 'postgres' } } },
        maria: { type: 'database', driver: 'mysql', host: '127.0.0.1', port: 3306, database: 'test', users: { root: { user: 'root' } } },
        lite: { type: 'database', driver: 'sqlite', file: path.join(dir, 'lite.db') },
        aws: { type: 'aws', region: 'eu-west-1', accessKeyId: 'env:RIPOSTE_TEST_AWS_KEY', secretAccessKey: 'env:RIPOSTE_TEST_AWS_SECRET', stsEndpoint: sts.url },
        'aws-wrong': { type: 'aws', region: 'eu-west-1', accessKeyId: 'AKIDWRONGWRONGWRONG1', secretAccessKey: 'env:RIPOSTE_TEST_AWS_SECRET', stsEndpoint: sts.url },
        'aws-nokeys': { type: 'aws', region: 'eu-west-1', stsEndpoint: sts.url },
        vendor: { type: 'apikey', key: 'env:RIPOSTE_TEST_SMTP_PW', url: `${web.url}/api/v2` },
        'vendor-nourl': { type: 'apikey', key: 'k' },
        unset: { type: 'smtp', host: '127.0.0.1', port: smtp.port, auth: { user: 'soc', pass: 'env:RIPOSTE_TEST_NOT_SET' }, from: 'riposte@example.org' },
      },
    }),
  );
});
afterAll(async () => {
  await smtp?.close();
  await web?.close();
  await sts?.close();
  secure?.closeAllConnections();
  await new Promise((r) => secure?.close(r));
});

describe('riposte connection test', () => {
  it('logs in to the SMTP server and sends no message', async () => {
    const { code, report } = await test('mail');
    expect(code).toBe(0);
    expect(report).toMatchObject({ connection: 'mail', type: 'smtp', ok: true });
    expect(report.checks[0].detail).toBe(`127.0.0.1:${smtp.port}: greeting read, logged in as soc; no message sent`);
    expect(smtp.received).toHaveLength(0);
  });

  it('reports a wrong SMTP password without sending mail or printing the password', async () => {
    const { code, report, stdout } = await test('mail-wrong');
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.checks[0].detail).toMatch(/^127\.0\.0\.1:\d+: login refused: answered 535 .*Invalid username or password.* \(check the connection's auth\.user and auth\.pass\)$/);
    expect(stdout).not.toContain(WRONG_PASSWORD);
    expect(smtp.received).toHaveLength(0);
    const text = await riposte(['connection', 'test', 'mail-wrong']);
    expect(text.stdout.split('\n')[0]).toBe('connection mail-wrong (smtp): FAILED');
  });

  it('says when the SMTP server does not answer, and when a secret reference does not resolve', async () => {
    expect((await test('mail-down')).report.checks[0].detail).toContain('ECONNREFUSED');
    const unset = await test('unset');
    expect(unset.report.checks).toEqual([{ check: 'configuration', ok: false, detail: 'connections.unset.auth.pass: environment variable RIPOSTE_TEST_NOT_SET is not set' }]);
  });

  it('reaches an HTTP connection at its origin only: never its path (the token) and never its credentials', async () => {
    const { code, report, stdout } = await test('hook');
    expect(code).toBe(0);
    expect(report.checks[0]).toEqual({ check: 'reachable', ok: true, detail: `GET http://127.0.0.1:${web.port}/ answered 405` });
    expect(web.received.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /']);
    expect(web.received[0].headers.authorization).toBeUndefined();
    expect(stdout).not.toContain(HOOK_TOKEN);
    const down = await test('hook-down');
    expect(down.code).toBe(1);
    expect(down.report.checks[0].detail).toContain('ECONNREFUSED');
  });

  it('checks TLS: the certificate verifies with the configured CA, and one it cannot verify says what to give', async () => {
    const { code, report } = await test('tls');
    expect(code).toBe(0);
    expect(report.checks.map((c) => [c.check, c.ok])).toEqual([['tls', true], ['reachable', true]]);
    expect(report.checks[0].detail).toMatch(/^TLSv1\.[23] with 127\.0\.0\.1:\d+: certificate for localhost, valid until .+, verified$/);
    expect(report.checks[1].detail).toBe(`GET https://127.0.0.1:${securePort}/ answered 204`);
    const unknown = await test('tls-unknown-ca');
    expect(unknown.code).toBe(1);
    expect(unknown.report.checks).toHaveLength(1);
    expect(unknown.report.checks[0].detail).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT.*give the server's CA certificate as tls\.caFile$/);
  });

  it('logs in to PostgreSQL, MariaDB and SQLite as each configured user', async () => {
    for (const name of ['pg', 'maria', 'lite']) {
      const { code, report } = await test(name);
      expect(report.checks.map((c) => c.ok), `${name}: ${JSON.stringify(report.checks)}`).toEqual([true]);
      expect(code).toBe(0);
      expect(report.checks[0].detail).toMatch(/logged in; \d+ tables? visible$/);
    }
    const nodb = await test('pg-nodb');
    expect(nodb.code).toBe(1);
    expect(nodb.report.checks[0].detail).toContain('no_such_database_4711');
  });

  it("reads the AWS identity with STS GetCallerIdentity, and reports keys STS refuses", async () => {
    const { code, report, stdout } = await test('aws');
    expect(code).toBe(0);
    expect(report.checks).toEqual([{ check: 'keys', ok: true, detail: 'STS GetCallerIdentity: arn:aws:iam::123456789012:user/Alice (account 123456789012)' }]);
    expect(stdout).not.toContain(AWS.secretAccessKey);
    const wrong = await test('aws-wrong');
    expect(wrong.code).toBe(1);
    expect(wrong.report.checks[0].detail).toContain('The security token included in the request is invalid');
  });

  it('checks where the SDK would fetch credentials for a connection without keys, and reports the refusal with its fix', async () => {
    // Nothing local holds credentials (a home without ~/.aws); the metadata endpoint is a loopback address the policy refuses.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-aws-home-'));
    const before = sts.received.length;
    const { code, report } = await test('aws-nokeys', { HOME: home, AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.2:9', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' });
    expect(code).toBe(1);
    expect(report.checks[0]).toMatchObject({ check: 'default credentials', ok: false });
    expect(report.checks[0].detail).toMatch(/the connection names no keys, so the AWS SDK would fetch credentials from the instance metadata service \(AWS_EC2_METADATA_SERVICE_ENDPOINT\): .*127\.0\.0\.2.*network\.allow/);
    expect(sts.received.length).toBe(before);
  });

  it('reaches an apikey connection at its url, and says what to give when it has none', async () => {
    const before = web.received.length;
    const { code, report } = await test('vendor');
    expect(code).toBe(0);
    expect(report.checks.map((c) => c.check)).toEqual(['reachable', 'key']);
    expect(web.received.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual(['GET /']);
    const none = await riposte(['connection', 'test', 'vendor-nourl']);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('connection "vendor-nourl" has no url and no job of the jobs directory uses it with a vendor that has a default one; give its url, or --action ACTION (hipchat.notify, pagerduty.trigger, slack.post, recordedfuture.enrich)');
  });

  it('goes only where the network policy lets the actions go, and says what to allow', async () => {
    const before = web.received.length + smtp.received.length;
    env.RIPOSTE_NETWORK_ALLOW = '';
    try {
      for (const name of ['hook', 'mail', 'pg', 'aws']) {
        const { code, report } = await test(name);
        expect(code, name).toBe(1);
        expect(report.checks[0].detail, name).toContain('refused by the network policy; add "127.0.0.1" to network.allow in riposte.config.json');
      }
    } finally {
      env.RIPOSTE_NETWORK_ALLOW = '127.0.0.1';
    }
    expect(web.received.length + smtp.received.length).toBe(before);
  });

  it('names the configured connections when the name is unknown', async () => {
    const out = await riposte(['connection', 'test', 'nope']);
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toMatch(/^no connection "nope"; configured: mail, mail-wrong, mail-down, hook, /);
  });
});
