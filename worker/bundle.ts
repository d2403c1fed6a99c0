// Prebuilds the workflow bundle at build time, so workers start without running webpack (faster, less memory).
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './worker';

/** Where the build puts the bundle: dist/workflows.bundle.js. */
export const PREBUILT_BUNDLE = path.join(__dirname, '..', 'workflows.bundle.js');

/** Writes the bundle of riposte's workflows to `file`. */
export async function writeWorkflowBundle(file = PREBUILT_BUNDLE): Promise<void> {
  const silent = () => undefined;
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: { info: silent, warn: silent, error: console.error, debug: silent, trace: silent, log: silent } });
  fs.writeFileSync(file, code);
}

if (require.main === module) {
  writeWorkflowBundle().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
