// Prebuilds the workflow bundle at build time, so workers start without running webpack (faster, less memory).
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';

/** The workflows module, from sources under test and from dist/ when built. */
export function workflowsPath(): string {
  const dir = path.join(__dirname, '..', 'workflows');
  return fs.existsSync(path.join(dir, 'index.ts')) ? path.join(dir, 'index.ts') : path.join(dir, 'index.js');
}

/** The stand-in for zod in the workflow bundle (see inert-zod.ts); sources in tests, compiled files otherwise. */
function inertZodPath(): string {
  const source = path.join(__dirname, 'inert-zod.ts');
  return fs.existsSync(source) ? source : path.join(__dirname, 'inert-zod.js');
}

/**
 * Bundler options every workflow bundle of riposte uses: zod is replaced by an inert stand-in, and
 * cron-parser (used by chain validation only, which never runs in a workflow) is left out.
 */
export function workflowBundlerOptions(): Pick<BundleOptions, 'webpackConfigHook' | 'ignoreModules'> {
  return {
    ignoreModules: ['cron-parser'],
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string> | undefined), zod$: inertZodPath() } },
    }),
  };
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
