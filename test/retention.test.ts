// Retention: result sets, step outputs, delivery records and throttle keys leave the store after the configured period; incidents and documents stay.
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Store } from '../store/store';
import { storeBackends } from './store-backends';
import { loadConfig } from '../config/config';
import { createLogger } from '../config/log';
import { retentionMs, startRetention } from '../worker/retention';

const backends = storeBackends('retention');

/** Waits until the clock has moved past `ms`, so rows written after it are strictly newer. */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((r) => setTimeout(r, 5));
}

/** What a run leaves in the store under `tag`, and what it keeps for good. */
async function leaveBehind(store: Store, tag: string): Promise<void> {
  await store.saveResultSet(`set-${tag}`, [{ n: 1 }, { n: 2 }]);
  await store.saveStepOutputs(`run-${tag}`, 'mail', 0, [{ ok: true }]);
  await store.recordDelivery(`delivery-${tag}`, { messageId: tag });
  // A throttle claim whose window ends now.
  await store.acquireThrottle(`throttle-${tag}`, `holder-${tag}`, 1, Date.now() - 1);
  await store.createIncident({ idempotencyKey: `incident-${tag}`, index: 'incidents', job: 'kept', runId: `run-${tag}`, stepId: 'incident', title: tag, severity: 'high', document: {} });
  await store.putDocuments('mitre', [{ id: `doc-${tag}`, body: { tag } }]);
}

async function kept(store: Store, tag: string) {
  return {
    results: (await store.loadResultSet(`set-${tag}`, 0, 10)).length,
    outputs: (await store.loadStepOutputs(`run-${tag}`, 'mail')).length,
    delivery: (await store.findDelivery(`delivery-${tag}`)) !== undefined,
    incident: (await store.listIncidents({ job: 'kept', limit: 1000 })).some((i) => i.title === tag),
    document: (await store.getDocument('mitre', `doc-${tag}`)) !== undefined,
  };
}

describe.each(backends)('retention on %s', (_name, url) => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(url);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('purges what is older than the cutoff and keeps what is newer, incidents and documents whatever their age', async () => {
    await leaveBehind(store, 'old');
    await clockPast(Date.now());
    const cutoff = Date.now();
    await clockPast(cutoff);
    await leaveBehind(store, 'new');
    const counts = await store.purgeBefore(cutoff);
    expect(counts).toEqual({ resultRows: 2, stepOutputs: 1, deliveries: 1, throttles: 1 });
    expect(await kept(store, 'old')).toEqual({ results: 0, outputs: 0, delivery: false, incident: true, document: true });
    expect(await kept(store, 'new')).toEqual({ results: 2, outputs: 1, delivery: true, incident: true, document: true });
  });

  it('purges on its own with a short period, on a timer', async () => {
    await leaveBehind(store, 'timed');
    const logged: string[] = [];
    const logger = createLogger({ format: 'json', destination: { write: (line: string) => logged.push(line) > 0 } as unknown as NodeJS.WritableStream });
    const retention = startRetention({ store, periodMs: 1_000, everyMs: 200, logger });
    try {
      for (;;) {
        const now = await kept(store, 'timed');
        if (now.results === 0 && now.outputs === 0 && !now.delivery) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await retention.stop();
    }
    expect(await kept(store, 'timed')).toMatchObject({ incident: true, document: true });
    const purged = logged.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'retention.purged');
    expect(purged.some((e) => (e.resultRows as number) >= 2 && (e.stepOutputs as number) >= 1 && (e.deliveries as number) >= 1 && e.retentionMs === 1_000)).toBe(true);
  });
});

describe('a store made before retention existed', () => {
  it('gains the column and lets its rows age from the first purge', async () => {
    const file = path.join(os.tmpdir(), `riposte-legacy-${crypto.randomUUID()}.db`);
    const legacy = new Database(file);
    legacy.exec(`CREATE TABLE result_rows (set_id TEXT NOT NULL, idx INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (set_id, idx));
      CREATE TABLE step_outputs (run_id TEXT NOT NULL, step_id TEXT NOT NULL, idx INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (run_id, step_id, idx));
      INSERT INTO result_rows VALUES ('legacy-set', 0, '{"n":1}');
      INSERT INTO step_outputs VALUES ('legacy-run', 'mail', 0, '{"ok":true}');`);
    legacy.close();
    const store = await Store.open(`sqlite:${file}`);
    try {
      const firstPurge = Date.now();
      // The first purge finds rows without a time: they are stamped, not deleted.
      expect(await store.purgeBefore(firstPurge - 1_000, firstPurge)).toMatchObject({ resultRows: 0, stepOutputs: 0 });
      expect(await store.loadResultSet('legacy-set', 0, 10)).toEqual([{ n: 1 }]);
      expect(await store.purgeBefore(firstPurge + 1, firstPurge + 1_000)).toMatchObject({ resultRows: 1, stepOutputs: 1 });
      expect(await store.loadResultSet('legacy-set', 0, 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('the retention period', () => {
  it('is the configured one, else the Temporal namespace retention', async () => {
    const dir = os.tmpdir();
    expect(await retentionMs(loadConfig({ RIPOSTE_CONFIG: '', RIPOSTE_RETENTION: '36h' }, dir))).toEqual({ ms: 36 * 3_600_000, from: 'configuration' });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
      const namespaceMs = Number(described.config!.workflowExecutionRetentionTtl!.seconds) * 1000;
      expect(await retentionMs(loadConfig({ RIPOSTE_CONFIG: '' }, dir), connection)).toEqual({ ms: namespaceMs, from: 'namespace' });
      expect(await retentionMs(loadConfig({ RIPOSTE_CONFIG: '', TEMPORAL_NAMESPACE: 'no-such-namespace' }, dir), connection)).toEqual({ ms: 7 * 86_400_000, from: 'default' });
    } finally {
      await connection.close();
    }
  });
});
