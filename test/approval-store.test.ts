// Approvals and their links in the store, the same on SQLite and on the PostgreSQL server running on this machine.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../store/store';
import { storeBackends } from './store-backends';
import { linkHash } from '../store/approvals';

const backends = storeBackends('approvals');

function approval(key: string, expiresAt: string, message = 'Block 10.0.0.5?') {
  return { key, runId: 'run-1', workflowId: 'run-1', job: 'approve-block', stepId: 'ask', index: null, message, approvers: ['alice'], next: ['block (webhook.send)'], expiresAt };
}

describe.each(backends)('approvals in the store on %s', (_name, url) => {
  let store: Store;
  const later = new Date(Date.now() + 3_600_000).toISOString();
  beforeAll(async () => {
    store = await Store.open(url);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('records an approval once per key and keeps only the hash of a link, which decides once', async () => {
    const first = await store.approvals.open(approval('run-1/ask/once', later));
    const again = await store.approvals.open({ ...approval('run-1/ask/once', later), message: 'another message' });
    expect(again).toEqual(first);
    expect(first).toMatchObject({ status: 'pending', approvers: ['alice'], next: ['block (webhook.send)'], index: null });
    const token = crypto.randomBytes(32).toString('base64url');
    await store.approvals.addLinks('run-1/ask/once', [{ hash: linkHash(token), decision: 'approved' }], later);
    expect(await store.approvals.findLink(token)).toBeUndefined();
    const link = await store.approvals.findLink(linkHash(token));
    expect(link).toMatchObject({ decision: 'approved', expiresAt: later, approval: { key: 'run-1/ask/once' } });
    expect(await store.approvals.claimLink(linkHash(token))).toBe(true);
    expect(await store.approvals.claimLink(linkHash(token))).toBe(false);
    await store.approvals.releaseLink(linkHash(token));
    expect(await store.approvals.claimLink(linkHash(token))).toBe(true);
  });

  it('refuses an expired link and every link of a closed approval, and keeps the first ending', async () => {
    await store.approvals.open(approval('run-1/ask/0', later));
    const expired = crypto.randomBytes(32).toString('base64url');
    const live = crypto.randomBytes(32).toString('base64url');
    await store.approvals.addLinks('run-1/ask/0', [{ hash: linkHash(expired), decision: 'rejected' }], new Date(Date.now() - 1_000).toISOString());
    await store.approvals.addLinks('run-1/ask/0', [{ hash: linkHash(live), decision: 'approved' }], later);
    expect(await store.approvals.claimLink(linkHash(expired))).toBe(false);
    expect(await store.approvals.close('run-1/ask/0', { status: 'rejected', by: 'bob', via: 'cli', at: '2026-01-01T00:00:00.000Z', comment: 'no' })).toBe(true);
    expect(await store.approvals.close('run-1/ask/0', { status: 'approved', by: 'eve', via: 'api', at: '2026-01-01T00:00:01.000Z' })).toBe(false);
    expect(await store.approvals.claimLink(linkHash(live))).toBe(false);
    expect((await store.approvals.findLink(linkHash(live)))?.usedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(await store.approvals.get('run-1/ask/0')).toMatchObject({ status: 'rejected', decidedBy: 'bob', decidedVia: 'cli', comment: 'no' });
  });

  it('lists pending approvals by default, every one with all, and counts the pending ones', async () => {
    const pending = await store.approvals.list();
    expect(pending.map((a) => a.key)).toEqual(['run-1/ask/once']);
    expect((await store.approvals.list({ status: 'all', runId: 'run-1' })).map((a) => a.key).sort()).toEqual(['run-1/ask/0', 'run-1/ask/once']);
    expect(await store.approvals.list({ runId: 'other' })).toEqual([]);
    expect(await store.approvals.countPending()).toBe(1);
  });

  it('keeps a message and a comment holding NUL, as U+FFFD (PostgreSQL refuses NUL in text)', async () => {
    const kept = await store.approvals.open(approval('run-2/ask/once', later, 'abc\u0000def'));
    expect(kept.message).toBe('abc\uFFFDdef');
    await store.approvals.close('run-2/ask/once', { status: 'approved', by: 'a\u0000b', via: 'link', at: later, comment: 'x\u0000y' });
    expect(await store.approvals.get('run-2/ask/once')).toMatchObject({ decidedBy: 'a\uFFFDb', comment: 'x\uFFFDy' });
  });
});
