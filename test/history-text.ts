// A workflow history as searchable text: payload bytes decoded as UTF-8, so a leaked secret shows up.
import type { WorkflowHandle } from '@temporalio/client';

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
