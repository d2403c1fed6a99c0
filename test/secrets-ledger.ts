// The suite's secret ledger: tests note the secrets they use; global teardown searches every history and captured log for them.
import fs from 'node:fs';
import { inject } from 'vitest';
import { findSecrets, readLedger } from './secret-scan';

/** Notes a secret a test hands to riposte, so the end-of-suite scan looks for it; a leak is reported by `label`, never by value. */
export function recordTestSecret(label: string, value: string): void {
  if (/[\t\n]/.test(label + value)) throw new Error('a test secret and its label hold no tab or newline');
  fs.appendFileSync(inject('secretsLedger'), `${label}\t${value}\n`);
}

/**
 * Fails the test when a value riposte handed back (a run report, an API answer, a step output kept
 * in the store rather than in history) holds any secret of the ledger. Leaks are named by label.
 */
export function expectNoTestSecrets(where: string, value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  const leaks = findSecrets(readLedger(inject('secretsLedger')), [{ where, text }]);
  if (leaks.length > 0) throw new Error(`secret leak: ${[...new Set(leaks.map((l) => l.label))].join(', ')} in ${where}`);
}
