// The response limiter lives in the store, so a worker restart does not reopen a window.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHarness } from './helpers';

describe('response limiter across a worker restart', () => {
  it('records a second run with the same key in the window as throttled after the worker restarted', async () => {
    const storeUrl = `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-throttle-')), 'store.db')}`;
    const chain = {
      name: `limiter-${Date.now()}`,
      steps: [
        { id: 'block', action: 'script.run', throttle: { key: '{{result.src_ip}}', window: '30m' }, with: { interpreter: 'bash', inline: 'echo "blocking $1"', args: [{ property: 'src_ip' }] } },
      ],
    };
    const first = await startHarness(() => undefined, storeUrl);
    const fired = await first.run(chain, [{ src_ip: '203.0.113.5' }]);
    await first.close();

    const second = await startHarness(() => undefined, storeUrl);
    try {
      const again = await second.run(chain, [{ src_ip: '203.0.113.5' }]);
      const other = await second.run(chain, [{ src_ip: '203.0.113.6' }]);
      expect(fired.steps.block).toMatchObject({ status: 'completed', output: { stdout: 'blocking 203.0.113.5\n' } });
      expect(again.status).toBe('completed');
      expect(again.steps.block.status).toBe('throttled');
      expect(again.steps.block.output).toMatchObject({ key: '203.0.113.5' });
      expect(other.steps.block).toMatchObject({ status: 'completed', output: { stdout: 'blocking 203.0.113.6\n' } });
    } finally {
      await second.close();
    }
  });
});
