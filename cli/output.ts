// Human-readable run reports for the terminal.
import type { Chain } from '../dsl';
import type { RunReport } from '../control/client';

function brief(output: unknown): string {
  if (output === null || output === undefined) return '';
  if (typeof output !== 'object') return String(output);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(output as Record<string, unknown>)) {
    if (k === 'missingTokens') continue;
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    parts.push(`${k}=${text.length > 60 ? `${text.slice(0, 57)}...` : text}`);
  }
  return parts.join(' ');
}

/** Prints a run: its status, one line per step (one more per result in `each` mode), and its UI link. */
export function printReport(report: RunReport, chain: Chain, write: (line: string) => void = (l) => console.log(l)): void {
  write(`run ${report.runId}: ${report.status}`);
  if (report.noResults) write('  the search found no results; the chain did not run');
  if (report.skipped) write(`  the chain did not run: ${report.skipped}`);
  const width = Math.max(...chain.steps.map((s) => s.id.length));
  for (const step of chain.steps) {
    const s = report.steps[step.id];
    const head = `  ${step.id.padEnd(width)}  ${step.action.padEnd(16)}`;
    if (!s) {
      if (report.noResults || report.skipped) continue;
      write(`${head}  not run`);
      continue;
    }
    if (s.outputs) {
      write(`${head}  ${s.status} (${s.outputs.length} result${s.outputs.length === 1 ? '' : 's'})${s.error ? `: ${s.error}` : ''}`);
      s.outputs.slice(0, 10).forEach((o, i) => write(`  ${' '.repeat(width)}    [${i}] ${brief(o)}`));
      if (s.outputs.length > 10) write(`  ${' '.repeat(width)}    ... ${s.outputs.length - 10} more`);
    } else write(`${head}  ${s.status}${s.error ? `: ${s.error}` : ''}${s.output ? `  ${brief(s.output)}` : ''}`);
  }
  if (report.status === 'failed' && report.error) write(`error: ${report.error}`);
  if (report.url) write(`UI: ${report.url}`);
}
