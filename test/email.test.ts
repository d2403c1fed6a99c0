// email.send against a real SMTP server on 127.0.0.1: headers, body, table, CSV attachment, exactly-once sending.
import fs from 'node:fs';
import path from 'node:path';
import libmime from 'libmime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../activities/email-send';
import { toCsv, validateChain } from '../dsl';
import { createActivities } from '../activities';
import hostile from './fixtures/hostile-values.json';
import { startHarness, type Harness } from './helpers';
import { preparedRequest } from './prepared-request';
import { recordTestSecret } from './secrets-ledger';
import { startSmtpPeer } from '../scripts/smtp-peer';

let h: Harness;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let refusals: ((n: number) => { code: number; message: string } | undefined) | undefined;

const results = [
  { src_ip: '10.0.0.5', user: 'alice', note: 'comma, "quote"\nnewline' },
  { src_ip: '10.0.0.9', user: 'bob', note: '<b>bold</b>' },
];

beforeAll(async () => {
  process.env.RIPOSTE_TEST_SMTP_PASS = 'smtp-s3cret-pw';
  recordTestSecret('SMTP password', 'smtp-s3cret-pw');
  smtp = await startSmtpPeer({ refuse: (n) => refusals?.(n), users: { soc: 'smtp-s3cret-pw' } });
  h = await startHarness((config) => {
    config.connections['soc-smtp'] = { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'never', auth: { user: 'soc', pass: 'env:RIPOSTE_TEST_SMTP_PASS' }, from: 'Riposte SOC <riposte@example.org>' };
  });
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

const mail = (extra: Record<string, unknown>, step: Record<string, unknown> = {}) => ({
  name: 'mail',
  steps: [{ id: 'mail', action: 'email.send', connection: 'soc-smtp', retry: { initialInterval: '100ms', backoff: 1, maxAttempts: 3 }, ...step, with: { to: ['soc@example.org'], subject: 'x', ...extra } }],
});

describe('email.send', () => {
  it('sends one message with recipients, encoded subject, time, table, signature, CSV attachment and custom headers', async () => {
    smtp.received.length = 0;
    const report = await h.run(
      mail({
        to: ['soc@example.org', 'lead@example.org'],
        cc: 'cc@example.org',
        bcc: ['hidden@example.org'],
        subject: 'Überwachung: {{results.length}} Treffer für {{job.name}}',
        body: 'First source {{result.src_ip}}',
        signature: 'SOC Tier 1',
        addTime: true,
        table: true,
        attachCsv: true,
        headers: { 'X-Riposte-Job': '{{job.name}}', 'X-Tags': ['ssh', 'bruteforce'] },
      }),
      results,
    );
    expect(report.status).toBe('completed');
    expect(smtp.received).toHaveLength(1);
    const [got] = smtp.received;
    expect(got.to.sort()).toEqual(['cc@example.org', 'hidden@example.org', 'lead@example.org', 'soc@example.org']);
    expect(got.parsed.subject).toBe('Überwachung: 2 Treffer für mail');
    expect(got.raw).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(got.parsed.headers.get('bcc')).toBeUndefined();
    expect(`<${got.parsed.messageId?.replace(/[<>]/g, '')}>`).toBe((report.steps.mail.output as { messageId: string }).messageId);
    expect(got.parsed.headers.get('x-riposte-job')).toBe('mail');
    expect(got.raw.match(/^X-Tags: .*$/gm)).toEqual(['X-Tags: ssh', 'X-Tags: bruteforce']);
    const text = got.parsed.text ?? '';
    expect(text).toContain('First source 10.0.0.5');
    expect(text).toMatch(/Server time: \d{4}-\d{2}-\d{2}T/);
    expect(text).toMatch(/src_ip\s+\| user\s+\| note/);
    expect(text).toContain('-- \nSOC Tier 1');
    const [csv] = got.parsed.attachments;
    expect(csv.filename).toBe('mail-results.csv');
    expect(csv.content.toString('utf8')).toBe('src_ip,user,note\r\n10.0.0.5,alice,"comma, ""quote""\nnewline"\r\n10.0.0.9,bob,<b>bold</b>\r\n');
  });

  it('sends one message per result in each mode, and escapes values in an HTML body', async () => {
    smtp.received.length = 0;
    const report = await h.run(mail({ subject: 'Alert {{result.user}}', body: '<p>Note: {{result.note}}</p>', html: true, table: true }, { mode: 'each' }), results);
    expect(report.status).toBe('completed');
    expect(smtp.received.map((m) => m.parsed.subject).sort()).toEqual(['Alert alice', 'Alert bob']);
    const bob = smtp.received.find((m) => m.parsed.subject === 'Alert bob')!;
    expect(bob.parsed.html).toContain('<p>Note: &lt;b&gt;bold&lt;/b&gt;</p>');
    expect(bob.parsed.html).toContain('<td>&#60;b&#62;bold&#60;/b&#62;</td>');
  });

  it('merges every result into one message', async () => {
    smtp.received.length = 0;
    await h.run(mail({ body: '{{index}}: {{result.src_ip}} ({{result.user}})', merge: true }), results);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].parsed.text).toContain('0: 10.0.0.5 (alice)\n\n1: 10.0.0.9 (bob)');
  });

  it('does not retry an SMTP 5xx refusal and reports the answer', async () => {
    smtp.received.length = 0;
    refusals = () => ({ code: 550, message: 'mailbox unavailable' });
    try {
      const report = await h.run(mail({ body: 'x' }));
      expect(report.status).toBe('failed');
      expect(report.steps.mail.error).toMatch(/step "mail" \(email.send\): SMTP answered 550 mailbox unavailable/);
    } finally {
      refusals = undefined;
    }
  });

  it('retries a temporary 4xx and sends once with the same Message-ID', async () => {
    smtp.received.length = 0;
    refusals = (n) => (n === 1 ? { code: 451, message: 'try again later' } : undefined);
    try {
      const report = await h.run(mail({ body: 'x' }));
      expect(report.status).toBe('completed');
      expect(smtp.received).toHaveLength(1);
      expect(`<${smtp.received[0].parsed.messageId?.replace(/[<>]/g, '')}>`).toBe((report.steps.mail.output as { messageId: string }).messageId);
    } finally {
      refusals = undefined;
    }
  });

  it('puts the Message-ID on the From address\'s domain, the same for the same run and step, as RFC 5322 appendix A.1.1 does', async () => {
    const example = fs.readFileSync(path.join(__dirname, 'fixtures', 'vendor', 'smtp', 'rfc5322-a.1.1.eml'), 'utf8');
    expect(example).toMatch(/^Message-ID: <[^@>]+@local\.machine\.example>\r$/m);
    smtp.received.length = 0;
    const workflowId = `mail-msgid-${Date.now()}`;
    const report = await h.run(mail({ body: 'x' }), [], { workflowId });
    const other = await h.run(mail({ body: 'x', from: 'alerts@soc.example.net' }));
    expect(report.status).toBe('completed');
    const id = (report.steps.mail.output as { messageId: string }).messageId;
    expect(id).toMatch(/^<[0-9a-f]{32}@example\.org>$/);
    expect(id).toBe(messageIdFor(`${workflowId}/mail/once`, 'Riposte SOC <riposte@example.org>'));
    expect(smtp.received[0].raw).toMatch(new RegExp(`^Message-ID: ${id}\r$`, 'm'));
    expect((other.steps.mail.output as { messageId: string }).messageId).toMatch(/^<[0-9a-f]{32}@soc\.example\.net>$/);
  });

  it('writes an internationalised From domain in its ASCII form, and falls back to riposte.invalid without a domain', () => {
    expect(messageIdFor('k', 'SOC <soc@bücher.example>')).toMatch(/^<[0-9a-f]{32}@xn--bcher-kva\.example>$/);
    expect(messageIdFor('k', 'SOC@Example.ORG')).toMatch(/@example\.org>$/);
    expect(messageIdFor('k', 'nobody')).toMatch(/^<[0-9a-f]{32}@riposte\.invalid>$/);
    expect(messageIdFor('k', hostile.crlfSmtp)).toMatch(/^<[0-9a-f]{32}@[a-z0-9.-]+>$/);
    expect(messageIdFor('k', 'a@example.org')).toBe(messageIdFor('k', 'b@example.org'));
  });

  it('refuses reserved headers, bad addresses and a missing connection before anything runs', () => {
    const result = validateChain({ name: 'x', steps: [{ id: 'm', action: 'email.send', with: { to: ['not-an-address'], subject: 's', headers: { 'Reply-To': 'a@b.c', 'x-ok': 'y', 'content-type': 'text/plain' } } }] }, { connections: {} });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { path: 'steps[0].with.to[0]', message: 'not an e-mail address' },
        { path: 'steps[0].with.headers.Reply-To', message: 'header "Reply-To" is reserved for the system and cannot be set' },
        { path: 'steps[0].with.headers.content-type', message: 'header "content-type" is reserved for the system and cannot be set' },
        { path: 'steps[0].connection', message: 'email.send needs a connection; name one from riposte.config.json' },
      ]),
    );
  });
});

const corpus = Object.entries(hostile).filter(([k]) => k !== '$comment') as [string, string][];
const LINE_BREAK = /[\r\n\u0000]/;

describe('email.send with hostile result values', () => {
  const send = () => createActivities({ config: h.config, store: h.store })['email.send'];

  it('delivers every corpus value in subject, body, a custom header and the CSV attachment as data, to the step\'s recipients only', async () => {
    for (const [name, value] of corpus) {
      smtp.received.length = 0;
      const request = preparedRequest<'email.send'>(mail({ subject: 'Alert {{result.v}}', body: 'Value: {{result.v}}', headers: { 'X-Alert': '{{result.v}}' }, attachCsv: true }), [{ v: value }]);
      if (LINE_BREAK.test(value)) {
        // A header value is one line: a value with a line break is refused, not retried, and nothing is sent.
        await expect(send()(request), name).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining('steps[0].with.headers.X-Alert: holds a line break') });
        expect(smtp.received, name).toEqual([]);
        continue;
      }
      const output = await send()(request);
      expect(output.accepted, name).toEqual(['soc@example.org']);
      expect(smtp.received, name).toHaveLength(1);
      const [got] = smtp.received;
      expect(got.to, name).toEqual(['soc@example.org']);
      expect(got.from, name).toBe('riposte@example.org');
      // mailparser leaves custom headers MIME-encoded; libmime (its own decoder) reads them back.
      const alert = got.parsed.headerLines.filter((l) => l.key === 'x-alert');
      expect(alert, name).toHaveLength(1);
      expect(libmime.decodeWords(alert[0].line.replace(/^X-Alert:\s*/i, '').replace(/\r?\n[ \t]/g, ' ')), name).toBe(value.trim());
      expect(got.parsed.subject, name).toBe(`Alert ${value}`.trim());
      expect(got.parsed.text, name).toContain(`Value: ${value}`);
      expect(got.parsed.attachments[0].content.toString('utf8'), name).toBe(toCsv([{ v: value }]));
      for (const header of ['cc', 'bcc', 'x-injected', 'reply-to']) expect(got.parsed.headers.get(header), `${name} ${header}`).toBeUndefined();
    }
  });

  it('folds a line break in the subject into a space, so no header can be injected through it', async () => {
    smtp.received.length = 0;
    const report = await h.run(mail({ subject: 'Alert {{result.v}}' }), [{ v: hostile.crlfHeader }]);
    expect(report.status).toBe('completed');
    expect(smtp.received[0].parsed.subject).toBe('Alert ok X-Injected: 1');
    expect(smtp.received[0].parsed.headers.get('x-injected')).toBeUndefined();
    expect(smtp.received[0].to).toEqual(['soc@example.org']);
  });

  it('refuses every corpus value as a recipient or sender, naming the field, and sends nothing', async () => {
    smtp.received.length = 0;
    for (const [name, value] of corpus) {
      const cases: [Record<string, unknown>, string][] = [
        [{ to: ['{{result.v}}'] }, 'with.to[0]'],
        [{ to: 'soc@example.org, {{result.v}}' }, 'with.to[1]'],
        [{ cc: '{{result.v}}' }, 'with.cc'],
        [{ bcc: ['lead@example.org', '{{result.v}}'] }, 'with.bcc[1]'],
        [{ from: '{{result.v}}' }, 'with.from'],
      ];
      for (const [params, field] of cases) {
        const request = preparedRequest<'email.send'>(mail(params), [{ v: value }]);
        await expect(send()(request), `${name} in ${field}`).rejects.toMatchObject({ type: 'ActionInputError', nonRetryable: true, message: expect.stringContaining(field) });
      }
    }
    expect(smtp.received).toEqual([]);
  });

  it('sends to a literal comma-separated list plus one address from a token, the envelope exactly those', async () => {
    smtp.received.length = 0;
    const report = await h.run(mail({ to: 'soc@example.org, {{result.owner}}', cc: 'cc@example.org', from: 'Alerts <{{result.sender}}>' }), [{ owner: 'lead@example.org', sender: 'alerts@example.org' }]);
    expect(report.status).toBe('completed');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].to).toEqual(['soc@example.org', 'lead@example.org', 'cc@example.org']);
    expect(smtp.received[0].from).toBe('alerts@example.org');
    expect(smtp.received[0].parsed.from?.value).toEqual([{ name: 'Alerts', address: 'alerts@example.org' }]);
  });

  it('does not let a result add recipients through a recipient token, a custom header or the sender', async () => {
    smtp.received.length = 0;
    const list = await h.run(mail({ to: ['{{result.owner}}'] }), [{ owner: hostile.addressList }]);
    expect(list.status).toBe('failed');
    expect(list.steps.mail.error).toContain('steps[0].with.to[0]: holds several addresses; each entry is exactly one address');
    const header = await h.run(mail({ headers: { 'X-Owner': '{{result.owner}}' } }), [{ owner: hostile.addressList }]);
    expect(header.status).toBe('completed');
    const sender = await h.run(mail({ from: '{{result.from}}' }), [{ from: hostile.crlfSmtp }]);
    expect(sender.status).toBe('failed');
    expect(sender.steps.mail.error).toContain('steps[0].with.from: holds a line break');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].to).toEqual(['soc@example.org']);
    expect(smtp.received[0].parsed.headers.get('x-owner')).toBe(hostile.addressList);
  });

  it('neutralises formula cells in the CSV attachment the server receives', async () => {
    smtp.received.length = 0;
    const rows = [{ name: hostile.formula, cmd: hostile.formulaPlus, at: hostile.formulaAt, tab: hostile.formulaTab, n: -3 }];
    const report = await h.run(mail({ attachCsv: true }), rows);
    expect(report.status).toBe('completed');
    expect(smtp.received[0].parsed.attachments[0].content.toString('utf8')).toBe(
      'name,cmd,at,tab,n\r\n"\'=HYPERLINK(""http://evil.example/"",""click"")","\'+cmd|\' /C calc\'!A0","\'@SUM(1+1)","\'\tleading tab",-3\r\n',
    );
  });

  it('refuses Cc, Bcc and every address-bearing header before the chain runs', () => {
    for (const name of ['Cc', 'BCC', 'Resent-To', 'Resent-Sender', 'Delivered-To', 'Disposition-Notification-To', 'Return-Receipt-To', 'Mail-Followup-To', 'X-Original-To', 'Sender', 'Reply-To', 'Return-Path']) {
      const v = validateChain(mail({ headers: { [name]: 'evil@example.net' } }));
      expect(v.ok, name).toBe(false);
      expect(v.ok ? [] : v.problems.map((p) => p.path), name).toEqual([`steps[0].with.headers.${name}`]);
    }
  });
});

