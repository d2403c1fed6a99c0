// script.run in MockActivityEnvironment in the bubblewrap jail: arguments in order as argv, the output, and failures by exit code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerScript } from '../../activities/script-run';
import { preparedRequest } from '../prepared-request';
import { startConnectors, type Connectors } from './connectors';

let c: Connectors;

beforeAll(async () => {
  c = await startConnectors();
  const source = path.join(c.config.dataDir, 'block.sh');
  // Written on Windows: the registry strips the carriage returns.
  fs.writeFileSync(source, '#!/bin/bash\r\necho "block $#: $1|$2|$3"\r\n');
  registerScript(c.config.scripts.dir, 'block.sh', source);
});
afterAll(async () => {
  await c?.close();
});

const script = (withParams: Record<string, unknown>) =>
  preparedRequest<'script.run'>({ name: 'script-job', steps: [{ id: 'sh', action: 'script.run', mode: 'each', with: withParams }] }, [{ src_ip: '10.0.0.1', user: 'alice', evil: '; touch /tmp/pwned $(id)' }], 0);

describe('script.run', () => {
  it('runs a registered script in the jail with literals, result properties and tokens as separate arguments, in order', async () => {
    await expect(c.run(script({ interpreter: 'bash', script: 'block.sh', args: [{ property: 'src_ip' }, { literal: 'fixed value' }, '{{result.user}}'] }))).resolves.toMatchObject({ exitCode: 0, stdout: 'block 3: 10.0.0.1|fixed value|alice\n', stderr: '', truncated: false, sandboxed: true });
    await expect(c.run(script({ interpreter: 'bash', inline: 'printf "%s\\n" "$@"', args: [{ property: 'evil' }] }))).resolves.toMatchObject({ stdout: '; touch /tmp/pwned $(id)\n' });
  });

  it('fails a non-zero exit as a ScriptExitError, retried only with retryOnExit, and a token that reads as an option before running', async () => {
    await expect(c.run(script({ interpreter: 'bash', inline: 'echo bad >&2; exit 3' }))).rejects.toMatchObject({ type: 'ScriptExitError', nonRetryable: true, message: expect.stringContaining('bad') });
    await expect(c.run(script({ interpreter: 'bash', inline: 'exit 3', retryOnExit: true }))).rejects.toMatchObject({ type: 'ScriptExitError', nonRetryable: false });
    const option = preparedRequest<'script.run'>({ name: 'script-job', steps: [{ id: 'sh', action: 'script.run', mode: 'each', with: { interpreter: 'bash', inline: 'echo "$1"', args: ['{{result.opt}}'] } }] }, [{ opt: '--help' }], 0);
    await expect(c.run(option)).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining('starts with "-"') });
  });
});
