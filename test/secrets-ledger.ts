// The suite's secret ledger: tests note the secrets they use; global teardown searches every history for them.
import fs from 'node:fs';
import { inject } from 'vitest';

/** Notes a secret a test hands to riposte, so the end-of-suite scan looks for it. */
export function recordTestSecret(...values: string[]): void {
  fs.appendFileSync(inject('secretsLedger'), values.map((v) => `${v}\n`).join(''));
}
