// The end-of-suite secret scan: every workflow history and every captured log file searched for the ledger's secrets.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyText } from './history-text';

/** A secret a test handed to riposte, with the label reports name instead of the value. */
export interface TestSecret {
  label: string;
  value: string;
}

/** A text searched for secrets, and where it came from. */
export interface ScannedText {
  where: string;
  text: string;
}

/** One secret found in one place: the label only, never the value. */
export interface SecretLeak {
  label: string;
  where: string;
}

/** Reads the ledger: one `label<TAB>value` line per secret, a value noted twice keeps its first label. */
export function readLedger(ledger: string): TestSecret[] {
  const seen = new Map<string, TestSecret>();
  for (const line of fs.readFileSync(ledger, 'utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0 || tab === line.length - 1) continue;
    const secret = { label: line.slice(0, tab), value: line.slice(tab + 1) };
    if (!seen.has(secret.value)) seen.set(secret.value, secret);
  }
  return [...seen.values()];
}

/**
 * Every secret that appears in every text, as written or as a JSON string holds it (riposte's logs
 * are JSON lines: a secret with a quote, a backslash or a control character appears escaped there).
 */
export function findSecrets(secrets: TestSecret[], texts: Iterable<ScannedText>): SecretLeak[] {
  const leaks: SecretLeak[] = [];
  for (const { where, text } of texts) {
    for (const secret of secrets) {
      if (text.includes(secret.value) || text.includes(JSON.stringify(secret.value).slice(1, -1))) leaks.push({ label: secret.label, where });
    }
  }
  return leaks;
}

/** The history of every workflow on the server, as text. */
export async function* historyTexts(address: string): AsyncGenerator<ScannedText> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace: 'default' });
    for await (const run of client.workflow.list()) {
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      yield { where: `the history of workflow ${run.workflowId}`, text: historyText(history) };
    }
  } finally {
    await connection.close();
  }
}

/** Every captured log file in `dir`, as text. */
export function logTexts(dir: string): ScannedText[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .sort()
    .map((name) => ({ where: `the log ${path.join(dir, name)}`, text: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

/** Describes leaks for a failure message: labels and places, never the secrets. */
export function describeLeaks(leaks: SecretLeak[]): string {
  return leaks.map((l) => `"${l.label}" in ${l.where}`).join('; ');
}
