// The run workflow: interprets a chain for one trigger (workflows/interpreter.ts) on Temporal's ports.
import { isCancellation } from '@temporalio/workflow';
import type { RunInput, RunOutcome } from '../dsl/model';
import { interpret } from './interpreter';
import { temporalPorts } from './temporal-ports';

export { FANOUT_THRESHOLD } from './interpreter';
export { statusQuery } from './temporal-ports';

/** Runs a chain for one trigger. Returns every step's record; a failed run carries them in its failure details. */
export async function runChain(input: RunInput): Promise<RunOutcome> {
  const job = String((input.chain as { name?: unknown })?.name ?? 'unknown');
  const ports = temporalPorts();
  // `chain`, not `job`: Prometheus gives every scraped target a `job` label of its own.
  try {
    const outcome = await interpret(input, ports);
    ports.count('riposte_runs', { chain: job, outcome: 'completed' });
    return outcome;
  } catch (err) {
    ports.count('riposte_runs', { chain: job, outcome: isCancellation(err) ? 'cancelled' : 'failed' });
    throw err;
  }
}
