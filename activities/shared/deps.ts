// What connectors are given: configuration and the store. Built once per worker.
import crypto from 'node:crypto';
import type { ActionRequest } from '../../dsl';
import type { Config } from '../../config/config';
import { actionFailure } from './errors';
import type { Store } from '../../store/store';

/** Dependencies injected into every connector. */
export interface ActivityDeps {
  config: Config;
  store: Store;
}

/** Runs a store call, turning a lost database into a retried StoreUnavailableError. */
export async function withStore<T>(origin: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw actionFailure('StoreUnavailableError', `${origin}: store unavailable: ${(err as Error).message}`);
  }
}

/** A document id derived from an idempotency key, so a retry upserts the same document. */
export function documentId(...parts: string[]): string {
  return crypto.createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
}

/** The fields of a row named in `fields`, missing ones as null. */
export function pick(row: Record<string, unknown> | undefined, fields: readonly string[] | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  return Object.fromEntries(fields.map((f) => [f, row?.[f] ?? null]));
}

/** `step "id" (action)`, the prefix of every failure message. */
export function originOf(request: { stepId: string; action: string }): string {
  return `step "${request.stepId}" (${request.action})`;
}

/** Every result of a set kept by reference, page by page. */
export async function loadAllResults(deps: ActivityDeps, ref: { id: string; count: number }): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  while (rows.length < ref.count) {
    const page = await deps.store.loadResultSet(ref.id, rows.length, 5_000, 8 * 1_048_576);
    if (page.length === 0) break;
    rows.push(...page);
  }
  return rows;
}

/**
 * Runs a delivery at most once per idempotency key: a step retried after the peer took the
 * message (a worker lost before it reported success) returns the recorded answer instead of
 * sending again. For peers that cannot deduplicate by themselves (XSOAR, chat services, SMTP). `replayed`
 * marks a recorded answer as such, for outputs that say whether this attempt did the work.
 */
export async function deliverOnce<T>(deps: ActivityDeps, request: ActionRequest, send: () => Promise<T>, replayed: (earlier: T) => T = (earlier) => earlier): Promise<T> {
  const origin = originOf(request);
  const earlier = await withStore(origin, () => deps.store.findDelivery(request.idempotencyKey));
  if (earlier !== undefined) return replayed(earlier as T);
  const output = await send();
  await withStore(origin, () => deps.store.recordDelivery(request.idempotencyKey, output));
  return output;
}
