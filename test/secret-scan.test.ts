// The end-of-suite secret scan itself: it finds a planted secret in a history or a log and names only its label.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyText } from './history-text';
import { describeLeaks, findSecrets, logTexts, readLedger } from './secret-scan';

const SECRET = { label: 'planted API token', value: 'planted-s3cr3t-token-42' };

/** A history shaped like the server's answer, with the given text as a base64 payload. */
function syntheticHistory(payload: string) {
  return {
    events: [
      { eventId: '1', eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', workflowExecutionStartedEventAttributes: { input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(payload).toString('base64') }] } } },
      { eventId: '2', eventType: 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED', activityTaskCompletedEventAttributes: { result: { payloads: [{ data: new Uint8Array(Buffer.from('{"ok":true}')) }] } } },
    ],
  };
}

describe('the secret scan', () => {
  it('reports a secret hidden in a base64 payload of a history by its label, and the history it was in', () => {
    const text = historyText(syntheticHistory(JSON.stringify({ headers: { authorization: `Bearer ${SECRET.value}` } })));
    const leaks = findSecrets([SECRET], [{ where: 'the history of workflow wf-1', text }]);
    expect(leaks).toEqual([{ label: 'planted API token', where: 'the history of workflow wf-1' }]);
    expect(describeLeaks(leaks)).toBe('"planted API token" in the history of workflow wf-1');
    expect(describeLeaks(leaks)).not.toContain(SECRET.value);
  });

  it('reports nothing for a history without the secret', () => {
    const text = historyText(syntheticHistory(JSON.stringify({ headers: { authorization: 'Bearer ***' } })));
    expect(text).toContain('Bearer ***');
    expect(findSecrets([SECRET], [{ where: 'the history of workflow wf-2', text }])).toEqual([]);
  });

  it('reads the ledger and log files from disk and reports only the log line that holds a secret', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-scan-'));
    const ledger = path.join(dir, 'secrets.txt');
    fs.writeFileSync(ledger, `${SECRET.label}\t${SECRET.value}\nsecond label\t${SECRET.value}\nother key\tother-s3cr3t\n`);
    fs.writeFileSync(path.join(dir, 'clean.log'), '[stderr] 2026-11-23T04:00:00Z [WARN] step "notify" failed: 401 from the peer\n');
    fs.writeFileSync(path.join(dir, 'leaky.log'), `[sdk INFO] calling https://peer/api with token ${SECRET.value}\n`);
    fs.writeFileSync(path.join(dir, 'not-a-log.txt'), SECRET.value);
    const secrets = readLedger(ledger);
    expect(secrets.map((s) => s.value)).toEqual([SECRET.value, 'other-s3cr3t']);
    expect(findSecrets(secrets, logTexts(dir))).toEqual([{ label: 'planted API token', where: `the log ${path.join(dir, 'leaky.log')}` }]);
  });

  it('finds a secret in a JSON log line, also where JSON escapes it', () => {
    const quoted = { label: 'password with a quote', value: 'pa"ss\\word-42' };
    const line = `[riposte log] ${JSON.stringify({ level: 'warn', event: 'action.finished', error: `login refused for ${quoted.value}` })}`;
    expect(line).not.toContain(quoted.value);
    expect(findSecrets([quoted], [{ where: 'the log x.log', text: line }])).toEqual([{ label: 'password with a quote', where: 'the log x.log' }]);
    expect(findSecrets([quoted], [{ where: 'the log x.log', text: JSON.stringify({ error: 'login refused for ***' }) }])).toEqual([]);
  });
});
