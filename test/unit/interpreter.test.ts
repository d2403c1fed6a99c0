// The interpreter's decisions against stub activities: no Temporal server, no worker, no database.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ENGINE, assertValidChain, chainVersion, type ActionRequest, type EngineActivities, type ResultRow, type RunInput, type Step, type StepResult } from '../../dsl';
import { interpret } from '../../workflows/interpreter';
import type { Ports, SegmentInput, SegmentOutput } from '../../workflows/ports';

/** A call the interpreter made through its ports. */
type Call = { port: string; step?: string; request?: ActionRequest; input?: SegmentInput; local?: boolean };

const PATCHES = ['templates-in-activity', 'store-writes-local'];

/** Ports whose activities answer with `answer`; `patches` says which of riposte's patches the "history" has (default all). */
function stubPorts(answer: (step: Step, request: ActionRequest) => unknown, options: { patches?: string[]; replaying?: boolean; segment?: (input: SegmentInput) => SegmentOutput } = {}) {
  const calls: Call[] = [];
  const asked: string[] = [];
  const upserts: string[][] = [];
  const engine: Partial<EngineActivities> = {
    async acquireThrottle(r) {
      calls.push({ port: 'acquireThrottle', step: r.key });
      return { acquired: !r.key.endsWith('/held'), until: '2026-12-01T13:00:00.000Z' };
    },
    async loadStepOutputs(r) {
      calls.push({ port: 'loadStepOutputs', step: r.stepId });
      return [{ incident_id: 'first' }];
    },
    async disabledRule(r) {
      calls.push({ port: 'disabledRule', step: r.rule });
      return null;
    },
    async renderStep(request) {
      calls.push({ port: 'renderStep', step: request.stepId, request });
      return { status: 'ready', params: { job: 'other', wait: true }, missing: [] };
    },
  };
  const ports: Ports = {
    action: async (step, request, local) => {
      calls.push({ port: 'action', step: step.id, request, local });
      return answer(step, request);
    },
    engine: engine as EngineActivities,
    runJob: async (args) => {
      calls.push({ port: 'runJob', step: args.step.id });
      return { output: { runId: 'child', status: 'completed', steps: {}, job: (args.rendered as { job: string }).job } as never };
    },
    requestApproval: async () => ({ error: 'not in these tests' }),
    runSegment: async (input) => {
      calls.push({ port: 'runSegment', input });
      return options.segment?.(input) ?? { steps: Object.fromEntries(input.stepIndexes.map((j) => [input.chain.steps[j].id, { counts: { completed: input.count }, errors: [], missing: [] }])) };
    },
    patched: (id) => {
      asked.push(id);
      return !PATCHES.includes(id) || (options.patches ?? PATCHES).includes(id);
    },
    replaying: () => options.replaying ?? false,
    endsCancelled: () => false,
    identity: () => ({ workflowId: 'run-1', runId: 'r', namespace: 'default', startTime: new Date('2026-12-01T12:00:00Z') }),
    onStatus: () => undefined,
    upsertSearchAttributes: (pairs) => upserts.push(pairs.map((p) => p.key.name)),
    count: () => undefined,
  };
  return { ports, calls, asked, upserts };
}

const completed = (output: unknown, missing: string[] = []): StepResult => ({ kind: 'step', status: 'completed', output, sent: {}, missing });
/** A run's input as a client from before RunInput.engine wrote it; `engine` adds the field today's clients write. */
const input = (chain: object, results: ResultRow[], engine?: number): RunInput => ({ chain: assertValidChain(chain), results, trigger: { type: 'manual' }, ...(engine !== undefined ? { engine } : {}) });
const actions = (calls: Call[]) => calls.filter((c) => c.port === 'action');

describe('interpreter, templates rendered by activities', () => {
  it('sends each execution its step templates and only the token roots they name, and hands outputs to later steps', async () => {
    const { ports, calls } = stubPorts((step, r) => completed(step.id === 'open' ? { incident_id: `i-${r.index}` } : { lines: 1 }, step.id === 'log' ? ['result.nope'] : []));
    const chain = {
      name: 'unit',
      steps: [
        { id: 'open', action: 'incident.create', mode: 'each', with: { title: 'from {{result.src}}' } },
        { id: 'log', action: 'events.log', with: { message: '{{results.length}} results, first {{steps.open.incident_id}} {{result.nope}}' } },
      ],
    };
    const outcome = await interpret(input(chain, [{ src: 'a' }, { src: 'b' }]), ports);
    expect(outcome.steps.open).toMatchObject({ status: 'completed', mode: 'each', outputs: [{ incident_id: 'i-0' }, { incident_id: 'i-1' }], statuses: ['completed', 'completed'] });
    expect(outcome.steps.log).toMatchObject({ status: 'completed', output: { lines: 1, missingTokens: ['result.nope'] }, missingTokens: ['result.nope'] });
    const [first, , log] = actions(calls).map((c) => c.request!);
    // Nothing is rendered by the workflow: the templates travel as written, decided by the activity.
    expect(first.params).toEqual({});
    expect(first.templates).toMatchObject({ step: { id: 'open', with: { title: 'from {{result.src}}' } }, decide: true, strict: false, chain: 'unit' });
    expect(Object.keys(first.templates!.context).sort()).toEqual(['index', 'result']);
    expect(first.idempotencyKey).toBe('run-1/open/0');
    // Both are built-in actions on the embedded store: local activities.
    expect(actions(calls).map((c) => c.local)).toEqual([true, true, true]);
    expect(Object.keys(log.templates!.context).sort()).toEqual(['index', 'result', 'results', 'steps']);
    expect(log.templates!.context.steps).toMatchObject({ open: { incident_id: 'i-0', outputs: [{ incident_id: 'i-0' }, { incident_id: 'i-1' }] } });
  });

  it('records what the activity decided: skipped and throttled executions, and a failed one that ends the run with onError fail', async () => {
    const { ports } = stubPorts((step, r) => {
      if (r.index === 0) return { kind: 'step', status: 'skipped', missing: [] } satisfies StepResult;
      if (r.index === 1) return { kind: 'step', status: 'throttled', output: { throttledUntil: 'later', key: 'k' }, missing: [] } satisfies StepResult;
      throw ApplicationFailure.create({ type: 'TemplateError', message: 'with.title: token {{result.x}} names a missing field (strict chain) (line 1, column 3)', nonRetryable: true });
    });
    // What the SDK hands the workflow for a failed activity.
    const { ActivityFailure, RetryState } = await import('@temporalio/common');
    const wrapped: Ports = {
      ...ports,
      action: async (step, request) => {
        try {
          return await ports.action(step, request);
        } catch (err) {
          throw new ActivityFailure('activity failed', 'incident.create', '1', RetryState.NON_RETRYABLE_FAILURE, undefined, err as Error);
        }
      },
    };
    const chain = { name: 'unit', steps: [{ id: 'vip', action: 'incident.create', mode: 'each', with: { title: '{{result.x}}' } }, { id: 'never', action: 'events.log', with: {} }] };
    const failure = await interpret(input(chain, [{}, {}, {}]), wrapped).catch((err: unknown) => err as ApplicationFailure);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('StepFailedError');
    expect((failure as ApplicationFailure).message).toBe('step "vip" (incident.create) failed: 1 of 3 results failed; result 2: with.title: token {{result.x}} names a missing field (strict chain) (line 1, column 3)');
    const steps = ((failure as ApplicationFailure).details?.[0] as { steps: Record<string, { statuses?: string[] }> }).steps;
    expect(steps.vip.statuses).toEqual(['skipped', 'throttled', 'failed']);
    expect(steps.never).toBeUndefined();
  });

  it('renders a job.run step with the engine, then starts the job with what it rendered', async () => {
    const { ports, calls } = stubPorts(() => completed({}));
    const outcome = await interpret(input({ name: 'unit', steps: [{ id: 'job', action: 'job.run', with: { job: '{{result.job}}' } }] }, [{ job: 'other' }]), ports);
    expect(calls.map((c) => c.port)).toEqual(['renderStep', 'runJob']);
    expect(calls[0].request!.templates!.step.with).toEqual({ job: '{{result.job}}' });
    expect(outcome.steps.job).toMatchObject({ status: 'completed', output: { job: 'other' } });
  });

  it('fans a large each segment out to children in chunks and tallies what they report', async () => {
    const { ports, calls } = stubPorts(() => completed({}), {
      segment: (i) => ({ steps: { tag: { counts: { completed: i.count - 1, failed: 1 }, errors: [`result ${i.offset}: refused`], missing: [] } } }),
    });
    const rows = Array.from({ length: 8_000 }, (_, i) => ({ i }));
    const chain = { name: 'unit', steps: [{ id: 'tag', action: 'mitre.tag', mode: 'each', onError: 'continue', with: { techniques: ['T1078'] } }] };
    const outcome = await interpret(input(chain, rows), ports);
    const children = calls.filter((c) => c.port === 'runSegment').map((c) => [c.input!.offset, c.input!.count, c.input!.storeWritesLocal]);
    // A local activity leaves one marker where a scheduled one leaves three events: a chunk of store writes holds three times as many results.
    expect(children).toEqual([
      [0, 3_600, true],
      [3_600, 3_600, true],
      [7_200, 800, true],
    ]);
    expect(outcome.steps.tag).toMatchObject({ status: 'failed', counts: { completed: 7_997, failed: 3 }, outputsRef: { runId: 'run-1', stepId: 'tag', count: 8_000 }, error: '3 of 8000 results failed; result 0: refused' });
    expect(actions(calls)).toEqual([]);
  });

  it('asks one patch of a new run, and the older ones only of runs that lack it', async () => {
    const patchesAsked = async (patches: string[]) => {
      const { ports, asked } = stubPorts(() => completed({}), { patches });
      await interpret(input({ name: 'unit', steps: [{ id: 'log', action: 'events.log', with: { message: 'm' } }] }, []), ports);
      return asked.filter((id) => PATCHES.includes(id));
    };
    expect(await patchesAsked(PATCHES)).toEqual(['store-writes-local']);
    expect(await patchesAsked(['templates-in-activity'])).toEqual(['store-writes-local', 'templates-in-activity']);
    expect(await patchesAsked([])).toEqual(['store-writes-local', 'templates-in-activity']);
  });

  it('upserts the start search attributes only when the start did not carry them or the run is from before the patch', async () => {
    const chain = { name: 'unit', steps: [{ id: 'log', action: 'events.log', with: { message: 'm' } }] };
    const run = async (patches: string[], carried: boolean) => {
      const { ports, upserts } = stubPorts(() => completed({}), { patches });
      const valid = input(chain, []);
      const searchAttributes = carried ? { RiposteJob: 'unit', RiposteChain: chainVersion(valid.chain), RiposteTrigger: 'manual' } : {};
      await interpret(valid, { ...ports, identity: () => ({ ...ports.identity(), searchAttributes }) });
      return upserts;
    };
    expect(await run(PATCHES, true)).toEqual([]);
    expect(await run(PATCHES, false)).toEqual([['RiposteJob', 'RiposteChain', 'RiposteTrigger']]);
    // A worker from before the patch upserted them whatever the start carried; its runs replay so.
    expect(await run(['templates-in-activity'], true)).toEqual([['RiposteJob', 'RiposteChain', 'RiposteTrigger']]);
  });

  it('sizes chunks of scheduled activities, and of runs started before store writes were local, at 1,200 results', async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => ({ i }));
    const chunks = async (chain: object, patches?: string[]) => {
      const { ports, calls } = stubPorts(() => completed({}), { patches });
      await interpret(input(chain, rows), ports);
      return calls.filter((c) => c.port === 'runSegment').map((c) => [c.input!.count, c.input!.storeWritesLocal ?? false]);
    };
    const hook = { name: 'unit', steps: [{ id: 'hook', action: 'webhook.send', mode: 'each', with: { protocol: 'http', host: '127.0.0.1', port: 9 } }] };
    const tag = { name: 'unit', steps: [{ id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1078'] } }] };
    expect(await chunks(hook)).toEqual([[1_200, true], [1_200, true], [100, true]]);
    expect(await chunks(tag, ['templates-in-activity'])).toEqual([[1_200, false], [1_200, false], [100, false]]);
  });
});

describe('interpreter, runs whose start carries the engine generation', () => {
  const logChain = { name: 'unit', steps: [{ id: 'log', action: 'events.log', with: { message: 'm' } }] };

  it('asks no patch and upserts no start search attribute on a first execution, and runs store writes locally', async () => {
    const { ports, asked, upserts, calls } = stubPorts(() => completed({}));
    const scheduled: RunInput = { ...input({ ...logChain, rule: 'R-1' }, [], ENGINE), trigger: { type: 'schedule' }, resume: { runId: 'old', keyBase: 'old', fromStep: 'log', steps: {} } };
    await interpret(scheduled, ports);
    expect(asked).toEqual([]);
    expect(upserts).toEqual([]);
    // The older patches hold too: the rule guard is asked, the retry keeps the earlier run's keys.
    expect(calls.map((c) => `${c.port} ${c.step}`)).toEqual(['disabledRule R-1', 'action log']);
    expect(actions(calls)[0].local).toBe(true);
    expect(actions(calls)[0].request!.idempotencyKey).toBe('old/log/once');
  });

  it('replays each generation a worker that did not read the field recorded, consuming its markers in the order it asked them', async () => {
    const replay = async (patches: string[]) => {
      const { ports, asked, calls } = stubPorts(() => completed({}), { patches, replaying: true });
      await interpret({ ...input({ ...logChain, rule: 'R-1' }, [], ENGINE), trigger: { type: 'schedule' } }, ports);
      return { asked, local: actions(calls)[0].local ?? false, ruleChecked: calls.some((c) => c.port === 'disabledRule') };
    };
    // Recorded by a worker of today's generation: no marker; asking sends no command on replay.
    expect(await replay([])).toEqual({ asked: ['schedule-rule-check', 'store-writes-local', 'templates-in-activity'], local: true, ruleChecked: true });
    // By a worker with store writes local that ignored the field.
    expect(await replay(['store-writes-local'])).toEqual({ asked: ['schedule-rule-check', 'store-writes-local'], local: true, ruleChecked: true });
    // By a worker from before store writes were local: every action a scheduled activity.
    expect(await replay(['templates-in-activity'])).toEqual({ asked: ['schedule-rule-check', 'store-writes-local', 'templates-in-activity'], local: false, ruleChecked: true });
  });

  it('hands the generation to its fan-out children', async () => {
    const { ports, calls } = stubPorts(() => completed({}));
    const rows = Array.from({ length: 300 }, (_, i) => ({ i }));
    await interpret(input({ name: 'unit', steps: [{ id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1078'] } }] }, rows, ENGINE), ports);
    expect(calls.filter((c) => c.port === 'runSegment').map((c) => [c.input!.engine, c.input!.storeWritesLocal])).toEqual([[ENGINE, true]]);
    const old = stubPorts(() => completed({}));
    await interpret(input({ name: 'unit', steps: [{ id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1078'] } }] }, rows), old.ports);
    expect(old.calls.filter((c) => c.port === 'runSegment').map((c) => c.input!.engine)).toEqual([undefined]);
  });
});

describe('interpreter, replaying a run started before templates left the workflow', () => {
  it('decides when, strict tokens and throttles itself: no activity for a skipped or failed execution, the claim before the action', async () => {
    const { ports, calls } = stubPorts((_step, r) => ({ incident_id: `i-${r.index}` }), { patches: [] });
    const chain = {
      name: 'old',
      strict: true,
      steps: [
        { id: 'vip', action: 'incident.create', mode: 'each', when: '{{eq result.user "alice"}}', with: { title: 'VIP {{result.user}}' } },
        { id: 'strict', action: 'events.log', onError: 'continue', with: { message: '{{result.nope}}' } },
        { id: 'tag', action: 'mitre.tag', mode: 'each', throttle: { key: '{{#if (eq result.user "bob")}}held{{else}}{{result.user}}{{/if}}', window: '1h' }, with: { techniques: ['T1110'] } },
      ],
    };
    const outcome = await interpret(input(chain, [{ user: 'alice' }, { user: 'bob' }]), ports);
    expect(outcome.steps.vip).toMatchObject({ statuses: ['completed', 'skipped'], outputs: [{ incident_id: 'i-0' }, null] });
    expect(outcome.steps.strict).toMatchObject({ status: 'failed', error: 'with.message: token {{result.nope}} names a missing field (strict chain) (line 1, column 3)' });
    expect(outcome.steps.tag).toMatchObject({ statuses: ['completed', 'throttled'], outputs: [{ incident_id: 'i-0' }, { throttledUntil: '2026-12-01T13:00:00.000Z', key: 'held' }] });
    expect(calls.map((c) => `${c.port} ${c.step}`)).toEqual(['action vip', 'acquireThrottle old/tag/alice', 'acquireThrottle old/tag/held', 'action tag']);
    // The activity renders the parameters; when and throttle are decided.
    expect(actions(calls)[1].request!.templates).toMatchObject({ decide: false });
  });
});
