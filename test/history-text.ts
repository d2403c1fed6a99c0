// A workflow history as searchable text: payload bytes decoded as UTF-8, so a leaked secret shows up.
import fs from 'node:fs';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';

/** Serializes a history with every byte array written as the text it holds. */
export function historyText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => {
    // Histories come back with payload bytes in base64.
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      return Buffer.from((value as { data: number[] }).data).toString('utf8');
    }
    return value;
  });
}

/** The text of a run's history. */
export async function fetchHistoryText(handle: WorkflowHandle): Promise<string> {
  return historyText(await handle.fetchHistory());
}

/** Searches the history of every workflow on the server for the ledger's secrets; returns the leaking workflow ids. */
export async function scanHistoriesForSecrets(address: string, ledger: string): Promise<{ scanned: number; secrets: number; leaks: string[] }> {
  const secrets = [...new Set(fs.readFileSync(ledger, 'utf8').split('\n').filter(Boolean))];
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace: 'default' });
    let scanned = 0;
    const leaks: string[] = [];
    for await (const run of client.workflow.list()) {
      const text = historyText(await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory());
      scanned++;
      if (secrets.some((s) => text.includes(s))) leaks.push(run.workflowId);
    }
    return { scanned, secrets: secrets.length, leaks };
  } finally {
    await connection.close();
  }
}
