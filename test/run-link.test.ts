// The run link riposte prints opens that run's history in the real Temporal UI, in headless Chromium.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDevServer, type DevServer } from '../worker/temporal-server';
import { runUrl, startRun } from '../control/client';
import { assertValidChain } from '../dsl';
import { startHarness, startPeer, type Harness } from './helpers';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
/** Debian's chromium package; .ci/run installs it. No browser is ever downloaded. */
const CHROMIUM = '/usr/bin/chromium';

let server: DevServer;
let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;
let browser: Browser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-link-'));

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  // A server of its own, with its UI: the suite's shared server runs headless.
  server = await startDevServer({ uiPort: await freePort() });
  h = await startHarness(() => undefined, undefined, server.address);
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await peer?.close();
  await server?.stop();
});

/** Opens the link and returns the page once the run's history shows `text`. */
async function openAndFind(url: string, text: string): Promise<string> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.getByText(text, { exact: false }).first().waitFor({ timeout: 30_000 });
    return await page.locator('body').innerText();
  } finally {
    await page.close();
  }
}

describe('run links in the Temporal UI', () => {
  it('opens the history of the run `riposte run --wait --json` printed, with its steps', async () => {
    const chain = path.join(dir, 'linked.json');
    fs.writeFileSync(chain, JSON.stringify({ name: 'linked', steps: [{ id: 'notify', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: '/hook', body: { hello: 'ui' } } }] }));
    const env = { ...process.env, RIPOSTE_DATA_DIR: dir, TEMPORAL_ADDRESS: server.address, TEMPORAL_UI_URL: server.uiUrl!, RIPOSTE_TASK_QUEUE: h.taskQueue, RIPOSTE_STORE_URL: `sqlite:${path.join(h.dataDir, 'store.db')}` };
    const { stdout } = await run(process.execPath, [CLI, 'run', chain, '--wait', '--json'], { cwd: dir, env });
    const report = JSON.parse(stdout) as { runId: string; status: string; url: string };
    expect(report.status).toBe('completed');
    const runId = (await h.client.workflow.getHandle(report.runId).describe()).runId;
    expect(report.url).toBe(`${server.uiUrl}/namespaces/default/workflows/${report.runId}/${runId}/history`);
    const body = await openAndFind(report.url, 'notify: webhook.send');
    expect(body).toContain(report.runId);
    expect(body).toContain(runId);
    expect(body).toContain('Completed');
    expect(body).not.toContain('technical difficulties');
  });

  it('percent-encodes workflow ids the UI would otherwise misread: an inline chain run, an event run', async () => {
    const chain = assertValidChain({ name: 'inline-link', steps: [{ id: 'note', action: 'events.log' }] });
    for (const [workflowId, encoded] of [
      ['inline:inline-link-alert:7@siem', 'inline%3Ainline-link-alert%3A7%40siem'],
      ['event/insight.created/INSIGHT-1 x%/inline-link', 'event%2Finsight.created%2FINSIGHT-1%20x%25%2Finline-link'],
    ]) {
      const handle = await startRun(h.client, { chain, results: [{ host: 'a' }], taskQueue: h.taskQueue, workflowId });
      await handle.result();
      const url = runUrl(server.uiUrl, 'default', handle.workflowId, handle.firstExecutionRunId)!;
      expect(url).toContain(`/workflows/${encoded}/${handle.firstExecutionRunId}/history`);
      const body = await openAndFind(url, 'note: events.log');
      expect(body).toContain(workflowId);
      expect(body).toContain(handle.firstExecutionRunId);
    }
  });

  it('shows why the run id is needed: the same link without it is an error page', async () => {
    // The check above could pass on any page that names the run; this one proves the page differs.
    const chain = assertValidChain({ name: 'no-run-id', steps: [{ id: 'note', action: 'events.log' }] });
    const handle = await startRun(h.client, { chain, results: [], taskQueue: h.taskQueue });
    await handle.result();
    const withoutRunId = `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}/history`;
    const body = await openAndFind(withoutRunId, 'technical difficulties');
    expect(body).not.toContain('note: events.log');
  });
});
