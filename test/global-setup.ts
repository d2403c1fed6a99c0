// One Temporal dev server and one workflow bundle for the whole test run, shared through provide/inject.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { workflowBundlerOptions, workflowsPath } from '../worker/bundle';
import { startDevServer, type DevServer } from '../worker/temporal-server';
import { describeLeaks, findSecrets, historyTexts, logTexts, readLedger, type SecretLeak } from './secret-scan';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    temporalBin: string;
    secretsLedger: string;
    secretLogDir: string;
  }
}

let server: DevServer | undefined;

export default async function setup(project: TestProject) {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-test-logs-'));
  const serverLog = path.join(logDir, 'temporal-server.log');
  server = await startDevServer({
    uiPort: null,
    log: (line) => {
      console.log(line);
      fs.appendFileSync(serverLog, `${line}\n`);
    },
  });
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), ...workflowBundlerOptions(), logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } });
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-bundle-')), 'workflows.js');
  fs.writeFileSync(bundlePath, code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalBin', server.process.spawnfile);
  const ledger = path.join(path.dirname(bundlePath), 'secrets.txt');
  fs.writeFileSync(ledger, '');
  project.provide('secretsLedger', ledger);
  // Each test file's log output lands here (test/log-capture.ts says which sinks).
  project.provide('secretLogDir', logDir);
  return async () => {
    // The proof that secrets stay secret: no history or log line the suite produced holds one of the test secrets.
    const secrets = readLedger(ledger);
    const leaks: SecretLeak[] = [];
    let histories = 0;
    try {
      if (server) {
        for await (const text of historyTexts(server.address)) {
          histories++;
          leaks.push(...findSecrets(secrets, [text]));
        }
      }
    } finally {
      await server?.stop();
    }
    const logs = logTexts(logDir);
    leaks.push(...findSecrets(secrets, logs));
    console.log(`secret scan: ${histories} workflow histories and ${logs.length} log files searched for ${secrets.length} test secrets`);
    if (leaks.length > 0) throw new Error(`test secrets found (logs kept for inspection): ${describeLeaks(leaks)}`);
    fs.rmSync(logDir, { recursive: true, force: true });
  };
}
