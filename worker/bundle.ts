// Prebuilds the workflow bundle at build time, so workers start without running webpack (faster, less memory).
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';

/** The workflows module, from sources under test and from dist/ when built. */
export function workflowsPath(): string {
  const dir = path.join(__dirname, '..', 'workflows');
  return fs.existsSync(path.join(dir, 'index.ts')) ? path.join(dir, 'index.ts') : path.join(dir, 'index.js');
}

/**
 * Bundler options every workflow bundle of riposte uses. Workflows import only the plain model
 * (dsl/model.ts), so zod never enters the bundle; cron-parser (used by chain validation only,
 * which never runs in a workflow) is left out should anything reach for it. See sharedModel.
 */
export function workflowBundlerOptions(): Pick<BundleOptions, 'ignoreModules' | 'preloadModules'> {
  return { ignoreModules: ['cron-parser', 'handlebars'], preloadModules: [sharedModel(), workflowsPath()] };
}

/**
 * Modules preloaded into the SDK's shared module cache: the reusable V8 context then evaluates them
 * once per worker thread instead of once per workflow, and the SDK deep-freezes them. Both hold only
 * constants, pure functions and per-run state in WeakMaps keyed by each run's own objects: the plain
 * model (catalogue, failure table, token reader) and the workflows themselves.
 */
function sharedModel(): string {
  const dir = path.join(__dirname, '..', 'dsl');
  return fs.existsSync(path.join(dir, 'model.ts')) ? path.join(dir, 'model.ts') : path.join(dir, 'model.js');
}

/** Where the build puts the bundle: dist/workflows.bundle.js. */
export const PREBUILT_BUNDLE = path.join(__dirname, '..', 'workflows.bundle.js');

/** Writes the bundle of riposte's workflows to `file`. */
export async function writeWorkflowBundle(file = PREBUILT_BUNDLE): Promise<void> {
  const silent = () => undefined;
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), ...workflowBundlerOptions(), logger: { info: silent, warn: silent, error: console.error, debug: silent, trace: silent, log: silent } });
  fs.writeFileSync(file, code);
}

if (require.main === module) {
  writeWorkflowBundle().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
