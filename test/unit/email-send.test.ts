// email.send in MockActivityEnvironment against a loopback SMTP peer: the envelope, the message, SMTP AUTH, and refusals by reply code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpPeer } from '../../scripts/smtp-peer';
import { preparedRequest } from '../prepared-request';
import { startConnectors, type Connectors } from './connectors';

const PASSWORD = 'smtp-unit-s3cret-pw';
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let refusal: { code: number; message: string } | undefined;
let c: Connectors;

beforeAll(async () => {
  process.env.RIPOSTE_UNIT_SMTP_PASS = PASSWORD;
  smtp = await startSmtpPeer({ refuse: () => refusal, users: { soc: PASSWORD } });
  c = await startConnectors((config) => {
    config.connections.smtp = { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', auth: { user: 'soc', pass: 'env:RIPOSTE_UNIT_SMTP_PASS' }, from: 'Riposte SOC <riposte@example.org>' };
    config.connections['smtp-wrong'] = { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', auth: { user: 'soc', pass: 'smtp-unit-wrong-s3cret' }, from: 'riposte@example.org' };
  });
});
afterAll(async () => {
  await c?.close();
  await smtp?.close();
});

const results = [
  { src_ip: '10.0.0.5', user: 'alice' },
  { src_ip: '10.0.0.9', user: 'bob' },
];
const mail = (withParams: Record<string, unknown>, connection = 'smtp') =>
  preparedRequest<'email.send'>({ name: 'mail-job', steps: [{ id: 'mail', action: 'email.send', connection, with: { to: ['soc@example.org'], subject: 'x', ...withParams } }] }, results);

describe('email.send', () => {
  it('delivers one message to exactly the recipients, with the rendered subject and body, the CSV attachment and a stable Message-ID', async () => {
    smtp.received.length = 0;
    const request = mail({ to: ['soc@example.org'], cc: 'lead@example.org', subject: '{{results.length}} hits for {{job.name}}', body: 'First source {{result.src_ip}}', attachCsv: true });
    const output = await c.run(request);
    expect(output.accepted.sort()).toEqual(['lead@example.org', 'soc@example.org']);
    expect(smtp.received).toHaveLength(1);
    const [got] = smtp.received;
    expect(got.from).toBe('riposte@example.org');
    expect(got.to.sort()).toEqual(['lead@example.org', 'soc@example.org']);
    expect(got.parsed.subject).toBe('2 hits for mail-job');
    expect(got.parsed.text).toContain('First source 10.0.0.5');
    expect(got.parsed.from?.value).toEqual([{ name: 'Riposte SOC', address: 'riposte@example.org' }]);
    expect(got.parsed.attachments[0]).toMatchObject({ filename: 'mail-job-results.csv' });
    expect(got.parsed.attachments[0].content.toString('utf8')).toBe('src_ip,user\r\n10.0.0.5,alice\r\n10.0.0.9,bob\r\n');
    expect(`<${got.parsed.messageId?.replace(/[<>]/g, '')}>`).toBe(output.messageId);
    // Attempt 2 of the same execution finds the recorded delivery: no second message.
    await expect(c.run(request, { attempt: 2 })).resolves.toMatchObject({ messageId: output.messageId });
    expect(smtp.received).toHaveLength(1);
  });

  it('fails a 5xx refusal without retrying, a 4xx one retried, and a refused login as the connection\'s fault without the password', async () => {
    refusal = { code: 550, message: 'mailbox unavailable' };
    try {
      await expect(c.run(mail({}))).rejects.toMatchObject({ type: 'PeerRejectedError', nonRetryable: true, message: expect.stringContaining('550') });
      refusal = { code: 451, message: 'try again later' };
      await expect(c.run(mail({}))).rejects.toMatchObject({ type: 'PeerUnavailableError', nonRetryable: false, message: expect.stringContaining('451') });
    } finally {
      refusal = undefined;
    }
    const login = await c.run(mail({}, 'smtp-wrong')).catch((err: Error) => err);
    expect(login).toMatchObject({ type: 'ConnectionConfigError', nonRetryable: true });
    expect(JSON.stringify(login)).not.toContain('smtp-unit-wrong-s3cret');
  });
});
