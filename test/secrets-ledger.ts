// The suite's secret ledger: tests note the secrets they use; global teardown searches every history and captured log for them.
import fs from 'node:fs';
import { inject } from 'vitest';

/** Notes a secret a test hands to riposte, so the end-of-suite scan looks for it; a leak is reported by `label`, never by value. */
export function recordTestSecret(label: string, value: string): void {
  if (/[\t\n]/.test(label + value)) throw new Error('a test secret and its label hold no tab or newline');
  fs.appendFileSync(inject('secretsLedger'), `${label}\t${value}\n`);
}
