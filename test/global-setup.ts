// One Temporal dev server and one workflow bundle for the whole test run, shared through provide/inject.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { workflowBundlerOptions } from '../worker/bundle';
import { startDevServer, type DevServer } from '../worker/temporal-server';
import { workflowsPath } from '../worker/worker';
import { scanHistoriesForSecrets } from './history-text';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    temporalBin: string;
    secretsLedger: string;
  }
}

let server: DevServer | undefined;

export default async function setup(project: TestProject) {
  server = await startDevServer({ uiPort: null, log: (line) => console.log(line) });
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), ...workflowBundlerOptions(), logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } });
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-bundle-')), 'workflows.js');
  fs.writeFileSync(bundlePath, code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalBin', server.process.spawnfile);
  const ledger = path.join(path.dirname(bundlePath), 'secrets.txt');
  fs.writeFileSync(ledger, '');
  project.provide('secretsLedger', ledger);
  return async () => {
    // The proof that secrets stay secret: no history the suite produced holds one of the test secrets.
    const scan = server ? await scanHistoriesForSecrets(server.address, ledger) : { scanned: 0, secrets: 0, leaks: [] };
    await server?.stop();
    console.log(`secret scan: ${scan.scanned} workflow histories searched for ${scan.secrets} test secrets`);
    if (scan.leaks.length > 0) throw new Error(`test secrets found in the workflow histories of: ${scan.leaks.join(', ')}`);
  };
}
