// The chain console in headless Chromium: problems at their lines as one types, the dry-run preview with hostile results, run links.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, listenApi } from '../api/api';
import { assertValidChain } from '../dsl';
import { readRun, runUrl, startRun } from '../control/client';
import { CONSOLE_CSP } from '../api/console-api';
import { startHarness, startPeer, type Harness } from './helpers';
import { expectNoTestSecrets, recordTestSecret } from './secrets-ledger';

/** Debian's chromium package; .ci/run installs it. No browser is ever downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'console-s3cr3t-token-0123456789abcdef';
const RUNS_ONLY = 'runs-only-s3cr3t-token-0123456789abcdef';
const SECRET = 'console-env-s3cr3t-value-never-shown';
const EXAMPLE = fs.readFileSync(path.join(__dirname, '..', 'examples', 'mail-soc-report.json'), 'utf8');
const HOSTILE = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'hostile-values.json'), 'utf8')) as Record<string, string>;
delete HOSTILE.$comment;
/** Markup that would run script if it were ever parsed as HTML, beside the corpus's own `<script>`. */
const MARKUP = ['<img src=x onerror="document.title=\'pwned\'">', '<svg onload="alert(2)"></svg>', '"><iframe src="javascript:alert(3)"></iframe>'];

let h: Harness;
let ui: Awaited<ReturnType<typeof startPeer>>;
let app: FastifyInstance;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  recordTestSecret('console token', TOKEN);
  recordTestSecret('runs-only token', RUNS_ONLY);
  recordTestSecret('console env secret', SECRET);
  process.env.RIPOSTE_TEST_CONSOLE_SECRET = SECRET;
  // Stands in for the Temporal UI: a link the page shows is followed to here.
  ui = await startPeer(() => ({ status: 200, body: 'temporal ui' }));
  h = await startHarness((config) => {
    config.jobsDir = path.join(config.dataDir, 'jobs');
    config.connections['soc-smtp'] = { type: 'smtp', host: '127.0.0.1', port: 9, secure: false, starttls: 'never', from: 'Riposte <riposte@example.org>', auth: { user: 'riposte', pass: 'env:RIPOSTE_TEST_CONSOLE_SECRET' } };
    config.api.tokens = [
      { name: 'console', token: TOKEN, scopes: ['console', 'approvals:read', 'approvals:write'] },
      { name: 'reader', token: RUNS_ONLY, scopes: ['runs:read'] },
    ];
  });
  h.config.temporal.taskQueue = h.taskQueue;
  fs.mkdirSync(h.config.jobsDir, { recursive: true });
  fs.writeFileSync(path.join(h.config.jobsDir, 'console-job.json'), JSON.stringify({ name: 'console-job', steps: [{ id: 'note', action: 'events.log' }] }, null, 2));
  app = await createApi({ config: h.config, client: h.client, store: h.store, uiUrl: ui.url });
  base = await listenApi(app, '127.0.0.1:0');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await h?.close();
  await ui?.close();
});

/** A page of the console with the token given, and a record of every dialog a script tried to open. */
async function openConsole(): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`${base}/console`);
  await page.fill('#token', TOKEN);
  await page.click('#token-form button[type=submit]');
  await page.locator('#open option[value="example:mail-soc-report"]').waitFor({ state: 'attached' });
  return { page, dialogs };
}

/** The 1-based line of the first line of `text` that holds `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`"${needle}" is not in the text`);
  return index + 1;
}

/** Every string in a JSON value (keys and leaves). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

async function api(method: string, url: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${url}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  expectNoTestSecrets(`the answer to ${method} ${url}`, text);
  return { status: response.status, headers: response.headers, text };
}

describe('the chain console', () => {
  it('serves the page with a strict policy and keeps every data endpoint behind the console scope', async () => {
    const page = await api('GET', '/console');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).not.toContain('<script>');
    for (const [method, url] of [['POST', '/v1/console/validate'], ['POST', '/v1/console/preview'], ['GET', '/v1/console/jobs'], ['GET', '/v1/console/jobs/console-job'], ['GET', '/v1/console/examples/mail-soc-report'], ['GET', '/v1/console/runs']]) {
      const body = method === 'POST' ? { text: EXAMPLE } : undefined;
      expect((await api(method, url, undefined, body)).status, `${url} without a token`).toBe(401);
      expect((await api(method, url, RUNS_ONLY, body)).status, `${url} without the scope`).toBe(403);
      expect((await api(method, url, TOKEN, body)).status, `${url} with the scope`).toBe(200);
    }
    expect((await api('GET', '/console/..%2Fpackage.json')).status).toBe(404);
  });

  it('shows a broken chain\'s problem at its line as one types, and the graph once it is fixed', async () => {
    const { page } = await openConsole();
    try {
      await page.selectOption('#open', 'example:mail-soc-report');
      await page.locator('#validity', { hasText: 'valid' }).waitFor();
      expect(await page.inputValue('#chain')).toBe(EXAMPLE);

      const broken = EXAMPLE.replace('"action": "email.send"', '"action": "email.sendd"');
      const line = lineOf(broken, 'email.sendd');
      await page.fill('#chain', broken);
      const problem = page.locator('#problems li[data-path="steps[0].action"]');
      await problem.waitFor();
      expect(await problem.getAttribute('data-line')).toBe(String(line));
      expect(await problem.textContent()).toContain(`line ${line}, column`);
      expect(await page.getAttribute(`#gutter div[data-line="${line}"]`, 'class')).toBe('error');
      expect(await page.locator('#gutter div.error').count()).toBe(1);

      // A syntax error typed into the text: the problem is where the parser stopped.
      await page.fill('#chain', '{\n  "name": "typed",\n  "steps": [\n    { "id": "a" "action": "events.log" }\n  ]\n}\n');
      await page.locator('#problems li[data-line="4"]').waitFor();

      await page.fill('#chain', EXAMPLE);
      await page.locator('#validity.ok').waitFor();
      expect(await page.locator('#problems li').count()).toBe(0);
      expect(await page.locator('#gutter div.error').count()).toBe(0);
      expect(await page.textContent('#graph')).toContain('flowchart TD');
      expect(await page.textContent('#graph')).toContain('email.send via soc-smtp');
    } finally {
      await page.close();
    }
  });

  it('previews the e-mail against pasted hostile results as text: every value of the dry run shown, no script run, no secret', async () => {
    const { page, dialogs } = await openConsole();
    try {
      const values = [...Object.values(HOSTILE), ...MARKUP];
      const results = values.map((v, i) => ({ user: `user${i}`, src_ip: '10.0.0.1', note: v }));
      const chain = JSON.parse(EXAMPLE) as { steps: Record<string, unknown>[] };
      // A chain-literal secret reference stays a reference in a dry run: the value is never read.
      (chain.steps[0].with as Record<string, unknown>).signature = 'env:RIPOSTE_TEST_CONSOLE_SECRET';
      // One message per hit, the hostile value in its subject and body: the preview shows each as it would be sent (or why not).
      chain.steps.push({ id: 'per-hit', action: 'email.send', connection: 'soc-smtp', mode: 'each', with: { to: 'soc@example.org', subject: 'Login by {{result.user}}: {{result.note}}', body: 'Note: {{result.note}}' } });
      const text = JSON.stringify(chain, null, 2);
      await page.fill('#chain', text);
      await page.locator('#validity.ok').waitFor();
      await page.fill('#input', JSON.stringify(results, null, 2));
      await page.click('#preview-run');
      const step = page.locator('#preview .step[data-step="mail"]');
      await step.waitFor();
      expect(await step.locator('h3').textContent()).toBe('mail (email.send via soc-smtp, once)');
      expect(await step.locator('.status-would-send').count()).toBe(1);

      // What the page shows is what the dry run returns (the API's answer for the same input), string for string.
      const answer = await api('POST', '/v1/console/preview', TOKEN, { text, results });
      const dry = JSON.parse(answer.text) as { steps: Record<string, { executions: { sends?: Record<string, unknown>; error?: string }[] }> };
      expect(dry.steps.mail.executions[0].sends?.subject).toBe(`[mail-soc-report] ${results.length} suspicious logins`);
      expect(dry.steps['per-hit'].executions).toHaveLength(values.length);
      // The two dry runs render "now" a moment apart.
      const now = (t: string) => t.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, '<now>');
      const shown = now((await page.locator('#preview').textContent()) ?? '');
      expect(shown).toContain(`[mail-soc-report] ${results.length} suspicious logins`);
      for (const s of Object.values(dry.steps).flatMap((step) => step.executions.flatMap((e) => [...strings(e.sends), ...(e.error ? [e.error] : [])]))) expect(shown, `the preview shows ${JSON.stringify(s).slice(0, 80)}`).toContain(now(s));
      for (const v of values) expect(shown, `the preview shows the hostile value ${JSON.stringify(v).slice(0, 60)}`).toContain(v);
      expect(shown).toContain('env:RIPOSTE_TEST_CONSOLE_SECRET');
      expect(shown).not.toContain(SECRET);

      // The markup stayed text: no element it names exists anywhere on the page, no dialog opened, the title is the page's.
      expect(await page.locator('main script, img, svg, iframe').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(await page.title()).toBe('riposte chain console');
    } finally {
      await page.close();
    }
  });

  it('lists a recent run whose link carries the run id and opens the Temporal UI page', async () => {
    const report = await h.run({ name: 'console-job', steps: [{ id: 'note', action: 'events.log' }] }, [{ host: 'a' }]);
    expect(report.status).toBe('completed');
    const temporalRunId = (await h.client.workflow.getHandle(report.runId).describe()).runId;
    const { page } = await openConsole();
    try {
      const row = page.locator(`#runs tr[data-run="${report.runId}"]`);
      // Visibility catches up with a closed run shortly after: refresh until the row is there.
      while ((await row.count()) === 0) await page.click('#runs-refresh');
      expect(await row.locator('td').nth(2).textContent()).toBe('completed');
      const link = row.locator('a');
      const href = await link.getAttribute('href');
      expect(href).toBe(runUrl(ui.url, 'default', report.runId, temporalRunId));
      expect(href).toContain(`/${temporalRunId}/history`);
      await link.click();
      await page.waitForURL(href!);
      expect(ui.received.map((r) => r.url)).toContain(new URL(href!).pathname);
      expect(await page.textContent('body')).toBe('temporal ui');
    } finally {
      await page.close();
    }
  });

  it('shows a pending approval as text and approves it with the approvals API', async () => {
    const chain = assertValidChain({
      name: 'console-approval',
      steps: [
        { id: 'ask', action: 'approval.request', with: { message: 'Block {{result.note}}?', timeout: '1h' } },
        { id: 'after', action: 'events.log', when: "{{eq steps.ask.decision 'approved'}}" },
      ],
    });
    const handle = await startRun(h.client, { chain, results: [{ note: HOSTILE.html }], taskQueue: h.taskQueue, store: h.store });
    const { page, dialogs } = await openConsole();
    try {
      const item = page.locator(`#approvals li[data-run="${handle.workflowId}"]`);
      // The approval is stored once the step runs: refresh until it is listed.
      while ((await item.count()) === 0) await page.click('#runs-refresh');
      expect(await item.locator('pre').textContent()).toBe(`Block ${HOSTILE.html}?`);
      await item.locator('button.approve').click();
      const report = await readRun(handle, { wait: true, store: h.store });
      expect(report.status).toBe('completed');
      expect(report.steps.ask.output).toMatchObject({ decision: 'approved', by: 'console' });
      expect(report.steps.after.status).toBe('completed');
      await page.locator('#status', { hasText: `approved ask of ${handle.workflowId}` }).waitFor();
      expect(dialogs).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
