// The interpreter on the real dev server: modes, hand-off, when, onError, retries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES, assertValidChain, type RunStatus } from '../dsl';
import { startRun } from '../control/client';
import { startHarness, startPeer, type Harness } from './helpers';

let h: Harness;
let peer: Awaited<ReturnType<typeof startPeer>>;

beforeAll(async () => {
  peer = await startPeer(() => ({ status: 200, body: { ok: true } }));
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await peer?.close();
});

const results = [
  { src_ip: '10.0.0.5', user: 'alice' },
  { src_ip: '10.0.0.9', user: 'bob' },
];

describe('a chain run', () => {
  it('hands the incident id created per result to the MITRE document of the same result', async () => {
    const report = await h.run(
      {
        name: 'handoff',
        steps: [
          { id: 'incident', action: 'incident.create', mode: 'each', with: { title: 'SSH brute force from {{result.src_ip}}', severity: 'high' } },
          { id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1110.001'], severity: 'high' } },
          { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: peer.port, path: '/alert', body: { incident: '{{steps.incident.incident_id}}', count: '{{json results.length}}' } } },
        ],
      },
      results,
    );
    expect(report.status).toBe('completed');
    const incidents = report.steps.incident.outputs as { incident_id: string }[];
    expect(incidents).toHaveLength(2);
    expect(incidents[0].incident_id).not.toBe(incidents[1].incident_id);
    const docs = await h.store.listDocuments('mitre');
    const byIp = Object.fromEntries(docs.map((d) => [(d.event as { src_ip: string }).src_ip, d.incident_id]));
    expect(byIp['10.0.0.5']).toBe(incidents[0].incident_id);
    expect(byIp['10.0.0.9']).toBe(incidents[1].incident_id);
    const sent = peer.received.at(-1)!;
    expect(JSON.parse(sent.body)).toEqual({ incident: incidents[0].incident_id, count: 2 });
    const stored = await h.store.listIncidents();
    expect(stored.map((i) => i.title).sort()).toEqual(['SSH brute force from 10.0.0.5', 'SSH brute force from 10.0.0.9']);
  });
});

describe('step control', () => {
  it('skips a step whose when renders false and records it as skipped', async () => {
    const report = await h.run(
      {
        name: 'when',
        steps: [
          { id: 'log', action: 'events.log', when: '{{gt results.length 5}}', with: {} },
          { id: 'vip', action: 'incident.create', mode: 'each', when: '{{eq result.user "alice"}}', with: { title: 'VIP {{result.user}}' } },
        ],
      },
      results,
    );
    expect(report.status).toBe('completed');
    expect(report.steps.log).toEqual({ status: 'skipped', output: null });
    expect(report.steps.vip.status).toBe('completed');
    expect((report.steps.vip.outputs as unknown[])[1]).toBeNull();
    expect((report.steps.vip.outputs as { incident_id: string }[])[0].incident_id).toMatch(/^INC-\d+$/);
  });

  it('fails the run at a failing step by default, naming the step, action and peer answer', async () => {
    const refusing = await startPeer(() => ({ status: 400, body: { error: 'missing field "severity"' } }));
    try {
      const report = await h.run({
        name: 'fail',
        steps: [
          { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: refusing.port, body: { a: 1 } } },
          { id: 'after', action: 'events.log' },
        ],
      });
      expect(report.status).toBe('failed');
      expect(report.error).toContain('step "hook" (webhook.send) failed');
      expect(report.steps.hook.error).toContain('answered 400: {"error":"missing field \\"severity\\""}');
      expect(report.steps.after).toBeUndefined();
      expect(refusing.received).toHaveLength(1);
    } finally {
      await refusing.close();
    }
  });

  it('records the error and goes on with onError continue', async () => {
    const report = await h.run({
      name: 'continue',
      steps: [
        { id: 'hook', action: 'webhook.send', onError: 'continue', retry: { maxAttempts: 2, initialInterval: '100ms' }, with: { protocol: 'http', host: '127.0.0.1', port: 1, body: {} } },
        { id: 'after', action: 'incident.create', with: { title: 'still here' } },
      ],
    });
    expect(report.status).toBe('completed');
    expect(report.steps.hook.status).toBe('failed');
    expect(report.steps.hook.error).toMatch(/step "hook" \(webhook.send\): POST http:\/\/127.0.0.1:1: ECONNREFUSED/);
    expect(report.steps.after.status).toBe('completed');
  });

  it('retries a failing peer until it succeeds', async () => {
    const flaky = await startPeer((_req, n) => (n < 3 ? { status: 503, body: 'busy' } : { status: 200, body: { ok: true } }));
    try {
      const report = await h.run({
        name: 'retry',
        steps: [{ id: 'hook', action: 'webhook.send', retry: { initialInterval: '100ms', backoff: 1 }, with: { protocol: 'http', host: '127.0.0.1', port: flaky.port, body: { a: 1 } } }],
      });
      expect(report.status).toBe('completed');
      expect(report.steps.hook.output).toEqual({ status: 200, body: { ok: true } });
      expect(flaky.received).toHaveLength(3);
      expect(new Set(flaky.received.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    } finally {
      await flaky.close();
    }
  });

  it('lists tokens that named missing fields, and fails a strict chain on them', async () => {
    const lenient = await h.run({ name: 'lenient', steps: [{ id: 'i', action: 'incident.create', with: { title: 'from {{result.dst_ip}}' } }] }, results);
    expect(lenient.steps.i.output).toMatchObject({ missingTokens: ['result.dst_ip'] });
    const strict = await h.run({ name: 'strict', strict: true, steps: [{ id: 'i', action: 'incident.create', with: { title: 'from {{result.dst_ip}}' } }] }, results);
    expect(strict.status).toBe('failed');
    expect(strict.steps.i.error).toContain('with.title: token {{result.dst_ip}} names a missing field (strict chain) (line 1, column 8)');
  });

  it('fails a step whose rendered parameters are invalid, without calling the activity', async () => {
    const report = await h.run({ name: 'rendered', steps: [{ id: 'tag', action: 'mitre.tag', with: { techniques: ['{{result.technique}}'] } }] }, [{ technique: 'T99' }]);
    expect(report.status).toBe('failed');
    expect(report.steps.tag.error).toContain('steps[0].with.techniques[0]: not a MITRE ATT&CK technique id; write T1234 or T1234.001 (rendered value: "T99")');
  });

  it('sets search attributes and names each activity "<step id>: <action>" in history', async () => {
    const chain = { name: 'visible', steps: [{ id: 'incident', action: 'incident.create', with: { title: 't', severity: 'critical' } }, { id: 'tag', action: 'mitre.tag', with: { techniques: ['T1059'] } }] } as const;
    const workflowId = `visible-${Date.now()}`;
    const report = await h.run(chain, [{ a: 1 }], { workflowId });
    const handle = h.client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.job)).toBe('visible');
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.severity)).toBe('critical');
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.incidentIds)).toEqual([(report.steps.incident.output as { incident_id: string }).incident_id]);
    const history = await handle.fetchHistory();
    const converter = h.client.options.loadedDataConverter.payloadConverter;
    // Store writes run as local activities: history keeps one marker each, with the activity type in its data and the step's summary.
    const markers = history.events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    expect(history.events!.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    const types = markers.map((e) => (converter.fromPayload(e.markerRecordedEventAttributes!.details!.data!.payloads![0]) as { activity_type: string }).activity_type);
    expect(types).toEqual(['incident.create', 'mitre.tag']);
    const summaries = markers.map((e) => converter.fromPayload(e.userMetadata!.summary!));
    expect(summaries).toEqual(['incident: incident.create', 'tag: mitre.tag']);
    // The start carried the engine generation and the start search attributes: no patch marker, no
    // TemporalChangeVersion upsert, and one upsert only, the incident's.
    expect(history.events!.filter((e) => e.markerRecordedEventAttributes && e.markerRecordedEventAttributes.markerName !== 'core_local_activity')).toEqual([]);
    const upserted = history.events!.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!).sort());
    expect(upserted).toEqual([['RiposteIncidentIds', 'RiposteSeverity']]);
  });

  it('answers the status query with the current step and outputs so far', async () => {
    const slow = await startPeer(() => ({ status: 200, body: {}, delayMs: 1500 }));
    try {
      const valid = assertValidChain({ name: 'progress', steps: [{ id: 'first', action: 'incident.create', with: { title: 't' } }, { id: 'hook', action: 'webhook.send', with: { protocol: 'http', host: '127.0.0.1', port: slow.port } }] });
      const handle = await startRun(h.client, { chain: valid, results: [], taskQueue: h.taskQueue });
      await new Promise((r) => setTimeout(r, 800));
      const status = await handle.query<RunStatus>('status');
      expect(status.currentStep).toBe('hook');
      expect(status.steps.first.status).toBe('completed');
      await handle.result();
    } finally {
      await slow.close();
    }
  });
});

describe('response limiter', () => {
  it('fires a step once per key per window and records the rest as throttled', async () => {
    const chain = { name: `throttle-${Date.now()}`, steps: [{ id: 'i', action: 'incident.create', mode: 'each', throttle: { key: '{{result.src_ip}}', window: '30m' }, with: { title: 'from {{result.src_ip}}' } }] } as const;
    const rows = [{ src_ip: '10.0.0.1' }, { src_ip: '10.0.0.2' }, { src_ip: '10.0.0.1' }];
    const first = await h.run(chain, rows);
    const second = await h.run(chain, [{ src_ip: '10.0.0.2' }, { src_ip: '10.0.0.3' }]);
    const fired = (report: typeof first) => (report.steps.i.outputs as { incident_id?: string; throttledUntil?: string }[]).map((o) => (o.incident_id ? 'fired' : o.throttledUntil ? 'throttled' : 'other'));
    expect(fired(first).filter((f) => f === 'fired')).toHaveLength(2);
    expect(fired(first)).toContain('throttled');
    expect(fired(second)).toEqual(['throttled', 'fired']);
  });
});
