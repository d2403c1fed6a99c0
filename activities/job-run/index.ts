// The engine activity behind job.run: finds a job of the jobs directory by name, validated, at run time.
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { disabledRuleMessage, type Chain } from '../../dsl';
import { disabledRuleOf } from '../../control/rule-guard';
import { loadJobs, type JobCatalog } from '../../config/jobs';
import { actionFailure } from '../shared/errors';
import type { ActivityDeps } from '../shared/deps';

function nameInFile(file: string): unknown {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

/** Reads the jobs directory at each call, so a job edited since the worker started runs as it now stands. */
export function loadJobAction(deps: ActivityDeps) {
  return async function loadJob({ name, origin }: { name: string; origin: string }): Promise<{ chain: Chain }> {
    let catalog: JobCatalog;
    try {
      catalog = loadJobs(deps.config);
    } catch (err) {
      throw actionFailure('ConnectionConfigError', `${origin}: cannot read the jobs directory ${deps.config.jobsDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const found = catalog.jobs.get(name);
    if (found) {
      // job.run starts a job as its schedules and events would: not while it is inactive or its rule is disabled.
      if (!found.chain.active) throw actionFailure('ActionInputError', `${origin}: job "${name}" is inactive ("active": false in ${found.file}); set it active to let job.run start it`);
      const disabled = await disabledRuleOf(Context.current().client, found.chain);
      if (disabled) throw actionFailure('ActionInputError', `${origin}: job "${name}" is not started: ${disabledRuleMessage(disabled)}`);
      return { chain: found.chain };
    }
    const invalid = catalog.invalid.find((i) => nameInFile(i.file) === name);
    if (invalid) {
      throw actionFailure('ActionInputError', `${origin}: job "${name}" (${invalid.file}) is invalid: ${invalid.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
    }
    const names = [...catalog.jobs.keys()].sort();
    throw actionFailure('ActionInputError', `${origin}: no job "${name}" in ${catalog.dir}; jobs: ${names.length ? names.join(', ') : 'none'}`);
  };
}
