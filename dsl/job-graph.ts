// Which jobs a chain starts through job.run, and whether a chain can reach itself that way.
import { isTemplate } from './template';

/** The literal job names a chain's job.run steps start, with the index of each step. */
export function jobRunTargets(chain: unknown): { job: string; stepIndex: number }[] {
  const steps = (chain as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return [];
  const out: { job: string; stepIndex: number }[] = [];
  steps.forEach((s, stepIndex) => {
    const step = s as { action?: unknown; with?: { job?: unknown } } | null;
    const job = step?.with?.job;
    if (step?.action === 'job.run' && typeof job === 'string' && job.length > 0 && !isTemplate(job)) out.push({ job, stepIndex });
  });
  return out;
}

/** The jobs directory as a graph: job name -> the job names it starts. */
export type JobGraph = Readonly<Record<string, readonly string[]>>;

/**
 * The shortest path by which starting `first` leads back to `self`, as job names from `self`
 * (`[self, first, ..., self]`), or undefined when it cannot.
 */
export function cycleThrough(self: string, first: string, graph: JobGraph): string[] | undefined {
  const previous = new Map<string, string>([[first, self]]);
  const queue = [first];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === self) {
      const path: string[] = [];
      for (let at: string | undefined = self; at !== undefined; at = previous.get(at)) {
        path.unshift(at);
        if (at === first) break;
      }
      return [self, ...path];
    }
    for (const next of graph[name] ?? []) {
      if (!previous.has(next)) {
        previous.set(next, name);
        queue.push(next);
      }
    }
  }
  return undefined;
}
