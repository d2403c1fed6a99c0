// `riposte test`: renders every step with the real template engine and reports what it would send.
import {
  CATALOGUE,
  ChainValidationError,
  TemplateError,
  prepareStep,
  stepContext,
  type ActionName,
  type BaseContext,
  type Chain,
  type ResultRow,
  type StepRecord,
  type ApprovalChannel,
} from '../dsl';
import { renderChannel } from '../activities/approval-request';

/** What one execution of a step would do. */
export interface DryExecution {
  status: 'would-send' | 'skipped' | 'invalid';
  sends?: unknown;
  error?: string;
  missingTokens?: string[];
}

/** The dry run of one step. */
export interface DryStep {
  action: string;
  mode: 'once' | 'each';
  connection?: string;
  executions: DryExecution[];
}

/** Renders the chain against the results (and the trigger: an Insight event's carries the Insight). Earlier steps' outputs are placeholders such as `<incident.incident_id>`. */
export function dryRun(chain: Chain, results: ResultRow[], params: Record<string, unknown> = {}, globals: Record<string, unknown> = {}, trigger: Record<string, unknown> = { type: 'manual' }): Record<string, DryStep> {
  const now = new Date().toISOString();
  const base: BaseContext = {
    results,
    params: { ...chain.params, ...params },
    globals,
    job: { name: chain.name, timeframe: chain.timeframe ? { from: '<timeframe.from>', to: now } : undefined },
    run: { id: '<run id>', startedAt: now, url: '<run url>' },
    trigger,
  };
  const records: Record<string, StepRecord> = {};
  const out: Record<string, DryStep> = {};
  chain.steps.forEach((step, stepIndex) => {
    const spec = CATALOGUE[step.action as ActionName];
    const placeholder = Object.fromEntries(spec.output.map((field) => [field, `<${step.id}.${field}>`]));
    const indexes = step.mode === 'each' ? results.map((_, i) => i) : [null];
    const executions = indexes.map((index): DryExecution => {
      try {
        const prepared = prepareStep(chain, step, stepIndex, stepContext(base, records, index), { mergeHere: true });
        if (prepared.skip) return { status: 'skipped', ...(prepared.missing.length ? { missingTokens: prepared.missing } : {}) };
        let sends = prepared.params as Record<string, unknown>;
        if ('inheritsIncident' in spec && spec.inheritsIncident && sends.incident_id === undefined) {
          const incident = chain.steps.slice(0, stepIndex).reverse().find((s) => s.action === 'incident.create');
          if (incident) sends = { ...sends, incident_id: `<${incident.id}.incident_id>` };
        }
        if (step.action === 'approval.request') sends = { ...sends, channels: dryChannels(chain, stepIndex, sends, stepContext(base, records, index)) };
        return { status: 'would-send', sends, ...(prepared.missing.length ? { missingTokens: prepared.missing } : {}) };
      } catch (err) {
        if (err instanceof TemplateError || err instanceof ChainValidationError) return { status: 'invalid', error: err.message.replace(/\n/g, '; ') };
        throw err;
      }
    });
    records[step.id] = step.mode === 'each'
      ? { status: 'completed', action: step.action, mode: 'each', outputs: results.map(() => placeholder) }
      : { status: 'completed', action: step.action, mode: 'once', output: placeholder };
    out[step.id] = { action: step.action, mode: step.mode, ...(step.connection ? { connection: step.connection } : {}), executions };
  });
  return out;
}

/** An approval's channels rendered as the activity renders them, the links shown as placeholders (no link exists in a dry run). */
function dryChannels(chain: Chain, stepIndex: number, sends: Record<string, unknown>, context: Record<string, unknown>): unknown[] {
  const approval = { approveUrl: 'https://approval-link.invalid/approve', rejectUrl: 'https://approval-link.invalid/reject', expiresAt: '<approval.expiresAt>', message: sends.message };
  return ((sends.channels as ApprovalChannel[] | undefined) ?? []).map((c, j) => ({ ...c, with: renderChannel(c, { ...context, approval }, chain.strict === true, ['steps', stepIndex, 'with', 'channels', j, 'with']) }));
}
