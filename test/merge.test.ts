// "Merge" (e-mail, Run Once): one message carrying every result, also when the results ride by reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../dsl';
import { startSmtpPeer } from '../scripts/smtp-peer';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;

beforeAll(async () => {
  smtp = await startSmtpPeer();
  h = await startHarness((config) => {
    config.connections.smtp = { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', from: 'riposte@example.org' };
  });
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

describe('merge', () => {
  it('merges all 150 results of a set kept by reference into one message, as the subject and the CSV count them', async () => {
    // About 5 KiB a row: 150 rows pass the 512 KiB bound, so the run holds a reference and a 100-row preview.
    const results = Array.from({ length: 150 }, (_, i) => ({ n: i, pad: 'x'.repeat(5_000) }));
    const report = await h.run(
      { name: 'merge-ref', steps: [{ id: 'mail', action: 'email.send', connection: 'smtp', with: { to: ['soc@example.org'], subject: '{{results.length}} hits', body: 'hit {{index}}={{result.n}}', merge: true, attachCsv: true } }] },
      results,
    );
    expect(report.status).toBe('completed');
    const mail = smtp.received.at(-1)!;
    expect(mail.parsed.subject).toBe('150 hits');
    const parts = (mail.parsed.text ?? '').split('\n\n').filter((p) => p.startsWith('hit '));
    expect(parts).toHaveLength(150);
    expect(parts[0]).toBe('hit 0=0');
    expect(parts[149]).toBe('hit 149=149');
    const csv = mail.parsed.attachments[0].content.toString('utf8').trim().split(/\r?\n/);
    expect(csv).toHaveLength(151);
  });

  it('is refused with mode "each", which would send one message per result', () => {
    const v = validateChain({ name: 'm', steps: [{ id: 'mail', action: 'email.send', connection: 'smtp', mode: 'each', with: { to: ['soc@example.org'], subject: 's', body: 'b', merge: true } }] });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([{ path: 'steps[0].with.merge', message: expect.stringContaining('set "mode": "once" (Run Once) to merge') }]);
  });
});
