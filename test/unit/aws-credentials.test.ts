// The AWS SDK's default credential chain under the network policy: where it would connect, decided before it runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultChainEndpoint, defaultCredentialsRefusal } from '../../activities/shared/aws-credentials';

/** An environment with nothing local for the chain: a home without ~/.aws. */
const bare = (extra: Record<string, string> = {}) => ({ HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-aws-home-')), ...extra });

describe('the default credential chain', () => {
  it('reaches the instance metadata service only when nothing local holds credentials', () => {
    expect(defaultChainEndpoint(bare())).toMatchObject({ host: '169.254.169.254', port: 80 });
    expect(defaultChainEndpoint(bare({ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' }))).toMatchObject({ host: 'fd00:ec2::254', port: 80 });
    expect(defaultChainEndpoint(bare({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.2:9' }))).toMatchObject({ host: '127.0.0.2', port: 9 });
    expect(defaultChainEndpoint(bare({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' }))).toMatchObject({ host: '169.254.170.2', port: 80 });
    expect(defaultChainEndpoint(bare({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.3:8080/creds' }))).toMatchObject({ host: '127.0.0.3', port: 8080 });
    // Keys in the environment, a shared credentials file, or metadata switched off: nothing is fetched.
    expect(defaultChainEndpoint(bare({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'x' }))).toBeUndefined();
    const home = bare();
    fs.mkdirSync(path.join(home.HOME, '.aws'));
    fs.writeFileSync(path.join(home.HOME, '.aws', 'credentials'), '[default]\n');
    expect(defaultChainEndpoint(home)).toBeUndefined();
    expect(defaultChainEndpoint(bare({ AWS_EC2_METADATA_DISABLED: 'true' }))).toBeUndefined();
  });

  it('is refused by the default policy when it would reach the metadata service, and passes once network.allow lists it', () => {
    expect(defaultCredentialsRefusal({ allow: [] }, bare())?.message).toMatch(
      /the connection names no keys, so the AWS SDK would fetch credentials from the instance metadata service: .*169\.254\.169\.254.*network\.allow.*; or give the connection accessKeyId and secretAccessKey/,
    );
    expect(defaultCredentialsRefusal({ allow: ['169.254.169.254'] }, bare())).toBeUndefined();
    expect(defaultCredentialsRefusal({ allow: [] }, bare({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'x' }))).toBeUndefined();
  });
});
