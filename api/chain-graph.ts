// `riposte graph`: a chain as a Mermaid flowchart (steps, mode, when, onError, throttle, job.run edges), which GitHub renders.
import { isTemplate, type Chain, type Step } from '../dsl';

/** Mermaid label text: quotes and angle brackets as entity codes, one line, at most `max` characters. */
function label(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return cut.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function trigger(chain: Chain): string {
  const parts: string[] = [];
  if (chain.schedule) parts.push(chain.schedule.every ? `every ${chain.schedule.every}` : `cron ${[chain.schedule.cron].flat().join(', ')}`);
  if (chain.on?.length) parts.push(`on ${chain.on.join(', ')}`);
  if (chain.search) parts.push(`search via ${chain.search.connection}${chain.timeframe ? ` over ${chain.timeframe}` : ''}`);
  if (chain.rule) parts.push(`rule ${chain.rule}`);
  return parts.length ? parts.join('<br/>') : 'started by riposte run or the API';
}

function stepText(step: Step): string {
  const lines = [`<b>${label(step.id)}</b>`, `${label(step.action)}${step.connection ? ` via ${label(step.connection)}` : ''}`, step.mode === 'each' ? `each result${step.concurrency ? `, ${step.concurrency} at a time` : ''}` : 'once'];
  if (step.throttle) lines.push(`throttle ${label(step.throttle.key, 40)} per ${step.throttle.window}`);
  if (step.host) lines.push(`on host ${label(step.host)}`);
  return lines.join('<br/>');
}

/**
 * The chain as `flowchart TD`: a start node with its triggers, one node per step, a decision
 * before each step with `when`, dotted error edges (to "run fails", or on to the next step with
 * `onError: continue`), and a subroutine node per job a `job.run` step starts.
 */
export function chainGraph(chain: Chain): string {
  const out = ['flowchart TD', `  start(["<b>${label(chain.name)}</b><br/>${trigger(chain)}"])`];
  const node = (i: number) => (i < chain.steps.length ? `s${i}` : 'done');
  // Where control arrives at step i: its decision when it has `when`, else the step itself.
  const entry = (i: number) => (i < chain.steps.length && chain.steps[i].when !== undefined ? `w${i}` : node(i));
  let failed = false;
  const jobs = new Map<string, string>();
  chain.steps.forEach((step, i) => {
    if (step.when !== undefined) {
      out.push(`  w${i}{"when ${label(step.when, 60)}"}`);
      out.push(`  w${i} -->|true| s${i}`, `  w${i} -->|false: skipped| ${entry(i + 1)}`);
    }
    out.push(`  s${i}["${stepText(step)}"]`);
    out.push(`  s${i} --> ${entry(i + 1)}`);
    if (step.onError === 'continue') out.push(`  s${i} -.->|error: continue| ${entry(i + 1)}`);
    else {
      out.push(`  s${i} -.->|error| failed`);
      failed = true;
    }
    if (step.action === 'job.run') {
      const w = step.with as { job?: unknown; wait?: unknown };
      const name = typeof w.job === 'string' && !isTemplate(w.job) ? w.job : undefined;
      const key = name ?? `tokens-${i}`;
      if (!jobs.has(key)) {
        jobs.set(key, `j${jobs.size}`);
        out.push(`  ${jobs.get(key)}[["job ${name ? label(name) : `from ${label(String(w.job), 40)}`}"]]`);
      }
      out.push(`  s${i} ${w.wait === false ? '-.->|starts, does not wait|' : '==>|runs and waits|'} ${jobs.get(key)}`);
    }
  });
  out.splice(2, 0, `  start --> ${entry(0)}`);
  out.push('  done(["completed"])');
  if (failed) out.push('  failed(["run fails"])');
  return `${out.join('\n')}\n`;
}
