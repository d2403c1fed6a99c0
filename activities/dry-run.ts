// `riposte test`: renders every step with the real template engine and shows what it would send, byte for byte, sending nothing.
import {
  CATALOGUE,
  actionRequest,
  parseRenderedParams,
  prepareStep,
  stepContext,
  type ActionName,
  type ActionSpec,
  type ActionRequest,
  type ActivityActionName,
  type BaseContext,
  type Chain,
  type RequestScope,
  type ResultRow,
  type StepRecord,
  type ApprovalChannel,
} from '../dsl';
import { renderChannel } from './approval-request';
import { checked } from './shared/checked';
import type { ActivityDeps } from './shared/deps';
import { previewRequest, type WirePreview } from './preview';
import { maskKnownSecrets } from './shared/secrets';

/** What job.run would start: the job, its params, and the results it would be handed. */
export interface JobPreview {
  kind: 'job';
  job: string;
  params: Record<string, unknown>;
  wait: boolean;
  results: ResultRow[];
}

/** What one execution of a step would do. */
export interface DryExecution {
  status: 'would-send' | 'skipped' | 'invalid';
  /** The rendered parameters, defaults applied, secret references as written. */
  sends?: unknown;
  /** What would go out or into the store: the request, message, statements, argv and jail, or documents. */
  wire?: WirePreview | JobPreview;
  /** The response limiter's key for this execution, when the step is throttled (the dry run does not consult the limiter). */
  throttleKey?: string;
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

/** What a dry run renders against besides the chain and the results. */
export interface DryRunOptions {
  params?: Record<string, unknown>;
  globals?: Record<string, unknown>;
  /** The run's trigger: an Insight event's carries the Insight. */
  trigger?: Record<string, unknown>;
  /** The run id the requests carry (Idempotency-Key, Message-ID, document ids); a placeholder by default. */
  runId?: string;
  /** The time the run starts and the messages are dated. */
  now?: Date;
  /** Configuration and store: with them, each execution shows its real bytes (`wire`) as the connector builds them. */
  deps?: ActivityDeps;
}

function problem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return maskKnownSecrets(message.replace(/\n/g, '; '));
}

/**
 * Renders the chain against the results and, given `deps`, builds each execution's request with
 * the connector's own builder (the function the step sends with), secrets masked. Earlier steps'
 * outputs are placeholders such as `<incident.incident_id>`, since nothing runs. Nothing is sent
 * and nothing is written; a database step reads its table's columns, as `riposte validate` does.
 */
export async function dryRun(chain: Chain, results: ResultRow[], options: DryRunOptions = {}): Promise<Record<string, DryStep>> {
  const now = options.now ?? new Date();
  const runId = options.runId ?? '<run id>';
  const base: BaseContext = {
    results,
    params: { ...chain.params, ...(options.params ?? {}) },
    globals: options.globals ?? {},
    job: { name: chain.name, timeframe: chain.timeframe ? { from: '<timeframe.from>', to: now.toISOString() } : undefined },
    run: { id: runId, startedAt: now.toISOString(), url: '<run url>' },
    trigger: options.trigger ?? { type: 'manual' },
  };
  const scope: RequestScope = { runId, startedAt: now.toISOString(), base };
  const records: Record<string, StepRecord> = {};
  const out: Record<string, DryStep> = {};
  for (const [stepIndex, step] of chain.steps.entries()) {
    const spec: ActionSpec = CATALOGUE[step.action as ActionName];
    const placeholder = Object.fromEntries(spec.output.map((field) => [field, `<${step.id}.${field}>`]));
    const incident = chain.steps.slice(0, stepIndex).reverse().find((s) => s.action === 'incident.create');
    const indexes = step.mode === 'each' ? results.map((_, i) => i) : [null];
    const executions: DryExecution[] = [];
    for (const index of indexes) {
      const context = stepContext(base, records, index);
      let execution: DryExecution;
      try {
        const prepared = prepareStep(chain, step, stepIndex, context, { parse: false, mergeHere: true });
        const missing = prepared.missing.length ? { missingTokens: prepared.missing } : {};
        if (prepared.skip) {
          executions.push({ status: 'skipped', ...missing });
          continue;
        }
        let sends = parseRenderedParams(step.action as ActionName, prepared.params, ['steps', stepIndex, 'with']) as Record<string, unknown>;
        const incidentId = spec.inheritsIncident && incident ? `<${incident.id}.incident_id>` : undefined;
        if (incidentId && sends.incident_id === undefined) sends = { ...sends, incident_id: incidentId };
        if (step.action === 'approval.request') sends = { ...sends, channels: dryChannels(chain, stepIndex, sends, context) };
        execution = { status: 'would-send', sends, ...(prepared.throttleKey !== undefined ? { throttleKey: prepared.throttleKey } : {}), ...missing };
        if (step.action === 'job.run') {
          execution.wire = jobPreview(sends, index, context.result as ResultRow, results);
        } else if (options.deps && step.action !== 'approval.request') {
          const request = actionRequest(scope, step, stepIndex, index, context.result as ResultRow, prepared, incidentId);
          execution.wire = await previewRequest(options.deps, checked(request as ActionRequest<ActivityActionName>), { now, host: step.host });
        }
      } catch (err) {
        // A template or parameter problem, or what the connector refused (ActionInputError, ConnectionConfigError...), masked.
        execution = { status: 'invalid', error: problem(err) };
      }
      // Whatever the execution shows, a secret the process resolved reads `***` (a token may have rendered one).
      executions.push(JSON.parse(maskKnownSecrets(JSON.stringify(execution))) as DryExecution);
    }
    records[step.id] =
      step.mode === 'each'
        ? { status: 'completed', action: step.action, mode: 'each', outputs: results.map(() => placeholder) }
        : { status: 'completed', action: step.action, mode: 'once', output: placeholder };
    out[step.id] = { action: step.action, mode: step.mode, ...(step.connection ? { connection: step.connection } : {}), executions };
  }
  return out;
}

/** An approval's channels rendered as the activity renders them, the links shown as placeholders (no link exists in a dry run). */
function dryChannels(chain: Chain, stepIndex: number, sends: Record<string, unknown>, context: Record<string, unknown>): unknown[] {
  const approval = { approveUrl: 'https://approval-link.invalid/approve', rejectUrl: 'https://approval-link.invalid/reject', expiresAt: '<approval.expiresAt>', message: sends.message };
  return ((sends.channels as ApprovalChannel[] | undefined) ?? []).map((c, j) => ({ ...c, with: renderChannel(c, { ...context, approval }, chain.strict === true, ['steps', stepIndex, 'with', 'channels', j, 'with']) }));
}

/** job.run's child: the current result in each mode; in once mode the first result, or all with allResults. */
function jobPreview(sends: Record<string, unknown>, index: number | null, result: ResultRow, results: ResultRow[]): JobPreview {
  const pass = sends.passResults === true;
  const handed = !pass ? [] : index !== null ? [result] : sends.allResults === true ? results : results.slice(0, 1);
  return { kind: 'job', job: String(sends.job), params: (sends.params as Record<string, unknown>) ?? {}, wait: sends.wait !== false, results: handed };
}

const indent = (text: string, by = '    ') => text.replace(/^/gm, by);

/** The dry run as a person reads it: each step, each execution, and the bytes it would send. */
export function formatDryRun(steps: Record<string, DryStep>): string {
  const lines: string[] = [];
  for (const [id, s] of Object.entries(steps)) {
    lines.push(`${id} (${s.action}${s.connection ? ` via ${s.connection}` : ''}, ${s.mode})`);
    s.executions.forEach((e, i) => {
      const label = s.mode === 'each' ? `  result ${i}: ` : '  ';
      if (e.status === 'skipped') lines.push(`${label}skipped (when is false)`);
      else if (e.status === 'invalid') lines.push(`${label}INVALID: ${e.error}`);
      else {
        // The bytes when the connector built them; the rendered parameters otherwise (`--json` has both).
        if (e.wire) lines.push(`${label}would send:`, indent(formatWire(e.wire)));
        else lines.push(`${label}would send ${JSON.stringify(e.sends, null, 2).replace(/\n/g, '\n    ')}`);
        if (e.throttleKey !== undefined) lines.push(`    throttle key: ${e.throttleKey} (at most once per key per window)`);
      }
      if (e.missingTokens?.length) lines.push(`${label}missing tokens: ${e.missingTokens.join(', ')}`);
    });
  }
  return lines.join('\n');
}

function formatWire(w: WirePreview | JobPreview): string {
  switch (w.kind) {
    case 'http':
      return [
        ...w.requests.map((r) => [`${r.method} ${r.url}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), ...(r.body !== undefined ? ['', r.body] : [])].join('\n')),
        ...(w.note ? [`(${w.note})`] : []),
      ].join('\n\n');
    case 'email':
      return [`MAIL FROM:<${w.envelope.from}>`, ...w.envelope.to.map((to) => `RCPT TO:<${to}>`), '--- message ---', w.message.replace(/\r\n/g, '\n').replace(/\n$/, ''), '--- end of message ---'].join('\n');
    case 'sql':
      return w.statements.length === 0 ? `(${w.driver}: no row to write)` : w.statements.map((st) => `${w.driver}: ${st.sql}\n  values: ${JSON.stringify(st.values)}`).join('\n');
    case 'script':
      return [
        `argv: ${JSON.stringify(w.argv)}`,
        `${w.sandboxed ? 'sandbox' : 'NOT sandboxed'}: ${JSON.stringify(w.command)}`,
        `jail: ${w.jail} (fresh per execution), network ${w.network ? 'on' : 'off'}, timeout ${w.timeout}${w.host ? `, on host ${w.host}` : ''}`,
        `limits: ${w.limits.maxProcesses} processes, ${w.limits.memoryMb} MiB per process, ${w.limits.cpuSeconds} s CPU, ${w.limits.jailMb} MiB of jail files`,
        `read-only: ${w.readOnly.map(([host, inside]) => (host === inside ? host : `${host} -> ${inside}`)).join(', ')}`,
        `env: ${Object.entries(w.env).map(([k, v]) => `${k}=${v}`).join(' ')}`,
      ].join('\n');
    case 'documents':
      return w.documents.map((d) => `${w.write === 'merge' ? 'merges into' : 'writes'} ${w.index}/${d.id}: ${JSON.stringify(d.body)}`).join('\n');
    case 'incident':
      return `creates an incident in ${w.index}: [${w.severity}] ${w.title} ${JSON.stringify(w.document)}`;
    case 'log':
      return w.lines.length === 0 ? `appends nothing to ${w.file}` : `appends to ${w.file}:\n${w.lines.join('\n')}`;
    case 'frame':
      return `to ${w.destination}:\n${w.frame}`;
    case 'job':
      return `starts job ${w.job}${w.wait ? ' and waits for it' : ''} with params ${JSON.stringify(w.params)} and ${w.results.length} result(s)${w.results.length ? `: ${JSON.stringify(w.results)}` : ''}`;
  }
}
