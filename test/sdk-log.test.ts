// The SDK's logs through riposte's logger: what riposte's level drops never reaches the SDK's buffer.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { configureLogging } from '../config/log';
import { levelGated, temporalLogger } from '../worker/sdk-log';

function lines(level: string): { read: () => Record<string, unknown>[] } {
  const destination = new PassThrough();
  let text = '';
  destination.on('data', (chunk: Buffer) => (text += chunk.toString()));
  configureLogging({ level, format: 'json', destination });
  return { read: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

afterEach(() => {
  configureLogging({ level: 'error', format: 'json', destination: new PassThrough() });
});

describe('the SDK logger', () => {
  it('drops what the configured level drops before the SDK buffers it, and passes the rest on', () => {
    lines('info');
    const reached: LogEntry[] = [];
    const gated = levelGated(new DefaultLogger('TRACE', (entry) => reached.push(entry)));
    gated.trace('Got workflow activation', { runId: 'r1' });
    gated.debug('Completed activation');
    gated.info('Worker state changed', { state: 'RUNNING' });
    gated.log('WARN', 'slow poll');
    gated.error('failed');
    expect(reached.map((e) => [e.level, e.message])).toEqual([
      ['INFO', 'Worker state changed'],
      ['WARN', 'slow poll'],
      ['ERROR', 'failed'],
    ]);
  });

  it('reads the level at each call, so a worker configured for trace writes the SDK trace lines', () => {
    const gated = levelGated(temporalLogger());
    const quiet = lines('warn');
    gated.info('not written');
    expect(quiet.read()).toEqual([]);
    const out = lines('trace');
    gated.trace('Got workflow activation', { workflowId: 'brute-force-1', runId: 'abc' });
    expect(out.read()).toEqual([expect.objectContaining({ level: 'trace', msg: 'Got workflow activation', component: 'temporal', runId: 'brute-force-1', temporalRunId: 'abc' })]);
  });

  it('keeps the flush and close of the logger it gates (the Runtime calls them at shutdown)', () => {
    let flushed = 0;
    const inner = Object.assign(new DefaultLogger('TRACE', () => undefined), { flush: () => void flushed++, close: () => void flushed++ });
    const gated = levelGated(inner) as { flush?: () => void; close?: () => void };
    gated.flush?.();
    gated.close?.();
    expect(flushed).toBe(2);
  });
});
