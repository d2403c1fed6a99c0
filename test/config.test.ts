// riposte.config.json: comments, positions in errors, checked environment overrides, paths relative to the file, the Temporal profile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { configJsonSchema } from '../config/config-schema';
import { readTls, temporalConnectionOptions } from '../config/tls';

const ROOT = path.join(__dirname, '..');

function folder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-config-'));
}

/** Writes a configuration file into a fresh folder and returns its path. */
function configFile(text: string, dir = folder()): string {
  const file = path.join(dir, 'riposte.config.json');
  fs.writeFileSync(file, text);
  return file;
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the configuration file', () => {
  it('takes comments and trailing commas (JSONC)', () => {
    const file = configFile(`{
      // the SOC's relay
      "connections": {
        "soc-smtp": { "type": "smtp", "host": "127.0.0.1", "from": "riposte@example.org", /* STARTTLS later */ },
      },
    }`);
    expect(loadConfig({ RIPOSTE_CONFIG: file }).connections['soc-smtp']).toMatchObject({ type: 'smtp', port: 587 });
  });

  it('reports a syntax error with the line and column', () => {
    const file = configFile('{\n  "jobsDir": "jobs"\n  "dataDir": ".riposte"\n}');
    expect(failure(() => loadConfig({ RIPOSTE_CONFIG: file }))).toBe(`${file}:3:3: malformed JSON: comma expected`);
  });

  it('reports a wrong value with the line and column of the value and its path', () => {
    const file = configFile('{\n  // connections\n  "connections": {\n    "mail": { "type": "smtp", "host": "x", "port": "25", "from": "r@example.org" }\n  }\n}');
    expect(failure(() => loadConfig({ RIPOSTE_CONFIG: file }))).toBe(`${file}:4:52: connections.mail.port: Invalid input: expected number, received string`);
  });

  it('resolves TLS files, SQLite files, the store and the directories against its own folder, not the working directory', () => {
    const dir = folder();
    const file = configFile(
      JSON.stringify({
        dataDir: 'state',
        jobsDir: 'jobs',
        store: { url: 'sqlite:store/riposte.db' },
        temporal: { tls: { caFile: 'certs/ca.pem', certFile: 'certs/client.pem', keyFile: 'certs/client.key' } },
        connections: {
          xsoar: { type: 'apikey', key: 'env:XSOAR_KEY', tls: { certFile: 'xsoar.pem', keyFile: 'xsoar.key' } },
          local: { type: 'database', driver: 'sqlite', file: 'db/siem.db' },
        },
      }),
      dir,
    );
    const config = loadConfig({ RIPOSTE_CONFIG: file }, '/somewhere/else');
    expect(config.dataDir).toBe(path.join(dir, 'state'));
    expect(config.jobsDir).toBe(path.join(dir, 'jobs'));
    expect(config.storeUrl).toBe(`sqlite:${path.join(dir, 'store', 'riposte.db')}`);
    expect(config.temporal.tls).toMatchObject({ caFile: path.join(dir, 'certs', 'ca.pem'), certFile: path.join(dir, 'certs', 'client.pem'), keyFile: path.join(dir, 'certs', 'client.key') });
    expect(config.connections.xsoar).toMatchObject({ tls: { certFile: path.join(dir, 'xsoar.pem'), keyFile: path.join(dir, 'xsoar.key') } });
    expect(config.connections.local).toMatchObject({ file: path.join(dir, 'db', 'siem.db') });
  });

  it('reads the Temporal TLS files it names from its folder when connecting', () => {
    const dir = folder();
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'the CA');
    const file = configFile(JSON.stringify({ temporal: { address: 'temporal.example.org:7233', tls: { caFile: 'ca.pem' } } }), dir);
    const config = loadConfig({ RIPOSTE_CONFIG: file }, os.tmpdir());
    expect(temporalConnectionOptions(config, 'temporal.example.org:7233')).toMatchObject({ address: 'temporal.example.org:7233', tls: { serverRootCACertificate: Buffer.from('the CA') } });
  });

  it('is matched by the committed JSON Schema, which ajv compiles and the example configuration passes', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'config.schema.json'), 'utf8')) as object;
    expect(committed).toEqual(configJsonSchema());
    const validate = new Ajv2020({ allErrors: true }).compile(committed);
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'config', 'riposte.config.json'), 'utf8')) as unknown;
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ connections: { mail: { type: 'smtp', host: 'x', from: 'r@example.org', port: 'twenty-five' } } })).toBe(false);
    expect(validate({ maxCachedWorkflows: 1 })).toBe(false);
    expect(validate({ logLevel: 'verbose' })).toBe(false);
  });
});

describe('environment overrides', () => {
  const dir = folder();
  const cases: [Record<string, string>, string][] = [
    [{ RIPOSTE_MAX_CACHED_WORKFLOWS: 'abc' }, 'RIPOSTE_MAX_CACHED_WORKFLOWS: write a whole number, e.g. 500'],
    [{ RIPOSTE_MAX_CACHED_WORKFLOWS: '1' }, 'RIPOSTE_MAX_CACHED_WORKFLOWS: Too small: expected number to be >=2 (it sets maxCachedWorkflows)'],
    [{ RIPOSTE_ENCRYPT_PAYLOADS: 'yes please' }, 'RIPOSTE_ENCRYPT_PAYLOADS: write true or false'],
    [{ RIPOSTE_ALLOW_UNSANDBOXED: 'maybe' }, 'RIPOSTE_ALLOW_UNSANDBOXED: write true or false'],
    [{ RIPOSTE_ALLOWED_PORTS: '443,https' }, 'RIPOSTE_ALLOWED_PORTS: write port numbers separated by commas, e.g. 9443,8081'],
    [{ RIPOSTE_ALLOWED_PORTS: '70000' }, 'RIPOSTE_ALLOWED_PORTS: Too big: expected number to be <=65535 (it sets allowedPorts[0])'],
    [{ RIPOSTE_GLOBALS: '[1,2]' }, 'RIPOSTE_GLOBALS: not a JSON object; write e.g. {"soc":"soc@example.org"}'],
    [{ RIPOSTE_METRICS_ADDRESS: '9464' }, 'RIPOSTE_METRICS_ADDRESS: write host:port, e.g. 127.0.0.1:9464 (it sets metricsAddress)'],
    [{ RIPOSTE_API_LISTEN: 'localhost' }, 'RIPOSTE_API_LISTEN: write host:port, e.g. 127.0.0.1:8088 (it sets api.listen)'],
    [{ RIPOSTE_LOG_LEVEL: 'verbose' }, 'RIPOSTE_LOG_LEVEL: write one of fatal, error, warn, info, debug, trace, silent (it sets logLevel)'],
    [{ RIPOSTE_RETENTION: 'a week' }, 'RIPOSTE_RETENTION: not a duration; write e.g. "12h", "7d" or "30d" (it sets retention.period)'],
    [{ TEMPORAL_TLS: 'on' }, 'TEMPORAL_TLS: write true or false'],
  ];
  it.each(cases)('refuses %o with a message naming the variable', (env, message) => {
    expect(failure(() => loadConfig({ RIPOSTE_CONFIG: '', ...env }, dir))).toBe(message);
  });

  it('applies well-formed values over the file', () => {
    const file = configFile(JSON.stringify({ maxCachedWorkflows: 100, globals: { a: 1 }, logLevel: 'warn' }));
    const config = loadConfig({ RIPOSTE_CONFIG: file, RIPOSTE_MAX_CACHED_WORKFLOWS: '500', RIPOSTE_GLOBALS: '{"b":2}', RIPOSTE_ENCRYPT_PAYLOADS: 'true', RIPOSTE_LOG_LEVEL: 'DEBUG', RIPOSTE_RETENTION: '3d' });
    expect(config).toMatchObject({ maxCachedWorkflows: 500, globals: { a: 1, b: 2 }, logLevel: 'debug', retention: { period: '3d', purgeEvery: '1h' }, temporal: { encryptPayloads: true } });
  });
});

describe('the Temporal connection', () => {
  const toml = `
[profile.default]
address = "default.example.org:7233"
namespace = "soc-default"

[profile.prod]
address = "prod.tmprl.cloud:7233"
namespace = "soc.a1b2c"
api_key = "profile-key-123456"

[profile.prod.tls]
server_name = "prod.tmprl.cloud"
server_ca_cert_data = "PEM CA"

[profile.prod.grpc_meta]
x-team = "soc"
`;
  const dir = folder();
  const tomlFile = path.join(dir, 'temporal.toml');
  fs.writeFileSync(tomlFile, toml);

  it('starts from the default profile of the Temporal configuration file, as the temporal CLI and the SDK read it', () => {
    const config = loadConfig({ RIPOSTE_CONFIG: '', TEMPORAL_CONFIG_FILE: tomlFile }, dir);
    expect(config.temporal).toMatchObject({ address: 'default.example.org:7233', namespace: 'soc-default' });
  });

  it('reads the profile TEMPORAL_PROFILE names, with its API key, TLS and gRPC metadata', () => {
    const config = loadConfig({ RIPOSTE_CONFIG: '', TEMPORAL_CONFIG_FILE: tomlFile, TEMPORAL_PROFILE: 'prod' }, dir);
    expect(config.temporal).toMatchObject({ address: 'prod.tmprl.cloud:7233', namespace: 'soc.a1b2c', grpcMeta: { 'x-team': 'soc' } });
    const options = temporalConnectionOptions(config, config.temporal.address!);
    expect(options).toMatchObject({ apiKey: 'profile-key-123456', metadata: { 'x-team': 'soc' }, tls: { serverNameOverride: 'prod.tmprl.cloud', serverRootCACertificate: Buffer.from('PEM CA') } });
  });

  it('refuses a profile the file does not have, naming it', () => {
    expect(failure(() => loadConfig({ RIPOSTE_CONFIG: '', TEMPORAL_CONFIG_FILE: tomlFile, TEMPORAL_PROFILE: 'staging' }, dir))).toBe(
      `TEMPORAL_CONFIG_FILE (${tomlFile}), profile "staging": Profile 'staging' not found in config data`,
    );
  });

  it('layers riposte.config.json over the profile and the TEMPORAL_* variables over both', () => {
    const file = configFile(JSON.stringify({ temporal: { profile: 'prod', namespace: 'from-riposte', taskQueue: 'soc-queue' } }));
    const fromFile = loadConfig({ RIPOSTE_CONFIG: file, TEMPORAL_CONFIG_FILE: tomlFile }, dir);
    expect(fromFile.temporal).toMatchObject({ address: 'prod.tmprl.cloud:7233', namespace: 'from-riposte', taskQueue: 'soc-queue' });
    const fromEnv = loadConfig({ RIPOSTE_CONFIG: file, TEMPORAL_CONFIG_FILE: tomlFile, TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_API_KEY: 'env-key-1234567', TEMPORAL_GRPC_META_X_TEAM: 'ir' }, dir);
    expect(fromEnv.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'env-ns', apiKey: 'env:TEMPORAL_API_KEY', grpcMeta: { 'x-team': 'ir' } });
  });

  it('turns TLS on for an API key and off with TEMPORAL_TLS=false, as the SDK does', () => {
    expect(readTls(undefined, 'key')).toBe(true);
    expect(readTls(undefined, undefined)).toBeUndefined();
    const config = loadConfig({ RIPOSTE_CONFIG: '', TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_TLS: 'false' }, dir);
    expect(readTls(config.temporal.tls, 'key')).toBeUndefined();
  });
});
