// Jobs are the chain files of the configured jobs directory; this reads and validates them.
import fs from 'node:fs';
import path from 'node:path';
import { jobRunTargets, validateChainText, type Chain, type JobGraph, type Problem, type ValidationContext } from '../dsl';
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

/** The validation context of an installation: its connections, the names of its jobs and which jobs each starts. */
export function validationContext(config: Config, jobNames?: Iterable<string>, jobGraph?: JobGraph): ValidationContext {
  return { connections: connectionTypes(config), allowedPorts: allowedPorts(config), ...(jobNames ? { jobs: [...jobNames] } : {}), ...(jobGraph ? { jobGraph } : {}) };
}

function jobFiles(dir: string): string[] | undefined {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.results.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Job name -> the jobs it starts through job.run, read from the files without validating them. */
function jobGraphOf(texts: { file: string; text: string }[]): Record<string, string[]> {
  const graph: Record<string, string[]> = {};
  for (const { text } of texts) {
    try {
      const value = JSON.parse(text) as { name?: unknown };
      if (typeof value.name === 'string') graph[value.name] = [...(graph[value.name] ?? []), ...jobRunTargets(value).map((t) => t.job)];
    } catch {
      /* reported when the file is validated */
    }
  }
  return graph;
}

/**
 * The validation context for a chain of this installation: with a jobs directory, job.run must name
 * one of its jobs and must not lead back to the chain. Without one, job names are checked at run time.
 */
export function installationContext(config: Config): ValidationContext {
  const files = jobFiles(config.jobsDir);
  if (!files) return validationContext(config);
  const graph = jobGraphOf(files.map((f) => ({ file: f, text: readOrEmpty(path.join(config.jobsDir, f)) })));
  return validationContext(config, Object.keys(graph), graph);
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Reads every `*.json` chain file of `config.jobsDir` (a missing directory holds no jobs). A job's
 * name is its chain's `name`; two files with one name are both reported, and neither is loaded.
 */
export function loadJobs(config: Config): JobCatalog {
  const dir = config.jobsDir;
  const catalog: JobCatalog = { dir, jobs: new Map(), invalid: [] };
  const files = jobFiles(dir);
  if (!files) return catalog;
  const texts = files.map((name) => ({ file: path.join(dir, name), text: fs.readFileSync(path.join(dir, name), 'utf8') }));
  const graph = jobGraphOf(texts);
  const context = validationContext(config, Object.keys(graph), graph);
  const seen = new Map<string, string>();
  for (const { file, text } of texts) {
    const validation = validateChainText(text, context);
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
