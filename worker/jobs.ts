// Jobs are the chain files of the configured jobs directory; this reads and validates them.
import fs from 'node:fs';
import path from 'node:path';
import { validateChainText, type Chain, type Problem, type ValidationContext } from '../dsl';
import { allowedPorts, connectionTypes, type Config } from './config';

/** One job file that did not validate. */
export interface JobFileProblem {
  file: string;
  problems: Problem[];
}

/** The jobs of a directory: valid chains by name, and the files that did not validate. */
export interface JobCatalog {
  dir: string;
  jobs: Map<string, { chain: Chain; file: string }>;
  invalid: JobFileProblem[];
}

/** The validation context of an installation: its connections and the names of its jobs. */
export function validationContext(config: Config, jobNames?: Iterable<string>): ValidationContext {
  return { connections: connectionTypes(config), allowedPorts: allowedPorts(config), ...(jobNames ? { jobs: [...jobNames] } : {}) };
}

/**
 * Reads every `*.json` chain file of `config.jobsDir` (a missing directory holds no jobs). A job's
 * name is its chain's `name`; two files with one name are both reported, and neither is loaded.
 */
export function loadJobs(config: Config): JobCatalog {
  const dir = config.jobsDir;
  const catalog: JobCatalog = { dir, jobs: new Map(), invalid: [] };
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.results.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return catalog;
    throw err;
  }
  const context = validationContext(config);
  const seen = new Map<string, string>();
  for (const name of files) {
    const file = path.join(dir, name);
    const validation = validateChainText(fs.readFileSync(file, 'utf8'), context);
    if (!validation.ok) {
      catalog.invalid.push({ file, problems: validation.problems });
      continue;
    }
    const earlier = seen.get(validation.chain.name);
    if (earlier !== undefined) {
      catalog.jobs.delete(validation.chain.name);
      catalog.invalid.push({ file, problems: [{ path: 'name', message: `job "${validation.chain.name}" is also defined in ${earlier}; job names must be unique` }] });
      continue;
    }
    seen.set(validation.chain.name, file);
    catalog.jobs.set(validation.chain.name, { chain: validation.chain, file });
  }
  return catalog;
}
