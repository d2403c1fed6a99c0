// Chain validation: every problem reported with its path, before anything runs.
import { describe, expect, it } from 'vitest';
import { validateChain, validateChainText, type Problem } from '../../dsl';

function problems(chain: unknown, connections?: Record<string, { type: string }>): Problem[] {
  const result = validateChain(chain, { connections });
  return result.ok ? [] : result.problems;
}

const incident = { id: 'incident', action: 'incident.create', with: { title: 'x' } };

describe('validateChain', () => {
  it('accepts the design document example shape with defaults applied', () => {
    const result = validateChain({
      name: 'ssh',
      steps: [incident, { id: 'tag', action: 'mitre.tag', mode: 'each', with: { techniques: ['T1110.001'], severity: 'high' } }],
    });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.chain.steps[0].mode).toBe('once');
      expect(result.chain.steps[0].onError).toBe('fail');
      expect(result.chain.strict).toBe(false);
    }
  });

  it('reports malformed JSON with line and column', () => {
    const result = validateChainText('{\n  "name": "x",\n  "steps": [ }\n}');
    expect(result.ok).toBe(false);
    expect(result.problems[0].message).toMatch(/^malformed JSON at line 3, column \d+/);
  });

  it('lists the known actions for an unknown one', () => {
    const [p] = problems({ name: 'x', steps: [{ id: 'a', action: 'incident.open', with: {} }] });
    expect(p.path).toBe('steps[0].action');
    expect(p.message).toContain('unknown action "incident.open"');
    expect(p.message).toContain('incident.create, mitre.tag, events.log, webhook.send, events.index, mitre.risk, risk.assign, email.send');
  });

  it('reports duplicate step ids, unknown and later step references, and bad token syntax all at once', () => {
    const found = problems({
      name: 'x',
      steps: [
        { id: 'a', action: 'incident.create', with: { title: 'see {{steps.b.incident_id}}' } },
        { id: 'b', action: 'incident.create', with: { title: 'see {{steps.nope.incident_id}}' } },
        { id: 'b', action: 'events.log', with: { message: 'broken {{#if result.x}} never closed' } },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'steps[0].with.title', message: expect.stringContaining('step "b" runs later (steps[1])') },
        { path: 'steps[1].with.title', message: expect.stringContaining('no step has id "nope"') },
        { path: 'steps[2].id', message: expect.stringContaining('duplicate step id "b"') },
        { path: 'steps[2].with.message', message: expect.stringContaining('bad token syntax') },
      ]),
    );
  });

  it('names the output fields when a token reads a field the step does not produce', () => {
    const [p] = problems({ name: 'x', steps: [incident, { id: 'b', action: 'events.log', with: { message: '{{steps.incident.incidentId}}' } }] });
    expect(p).toEqual({ path: 'steps[1].with.message', message: expect.stringContaining('incident.create outputs incident_id, created, index') });
  });

  it("reports each action's own parameter errors by path", () => {
    const found = problems({
      name: 'x',
      steps: [
        { id: 'tag', action: 'mitre.tag', with: { techniques: ['T1110.001', 'T11'], severity: 'urgent' } },
        { id: 'hook', action: 'webhook.send', with: { method: 'PATCH' } },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'steps[0].with.techniques[1]', message: 'not a MITRE ATT&CK technique id; write T1234 or T1234.001' },
        { path: 'steps[0].with.severity', message: 'write one of low, medium, high (in any case)' },
        { path: 'steps[1].with.method', message: expect.stringContaining('"GET"|"POST"|"PUT"|"DELETE"') },
        { path: 'steps[1].with.host', message: 'give the host, or name an http connection that holds the URL' },
      ]),
    );
  });

  it('leaves fields that hold tokens to be checked after rendering', () => {
    expect(problems({ name: 'x', steps: [{ id: 'tag', action: 'mitre.tag', with: { techniques: '{{params.techniques}}', severity: '{{result.sev}}' } }] })).toEqual([]);
  });

  it('refuses a literal password, which would be stored in workflow history', () => {
    const [p] = problems({ name: 'x', steps: [{ id: 'h', action: 'webhook.send', with: { host: 'siem.example.org', auth: { type: 'basic', username: 'u', password: 'hunter2' } } }] });
    expect(p.path).toBe('steps[0].with.auth.password');
    expect(p.message).toContain('secret reference');
  });

  it('checks connections against the configuration', () => {
    const found = problems({ name: 'x', steps: [{ id: 'h', action: 'webhook.send', connection: 'soc', with: {} }, { id: 'i', action: 'incident.create', connection: 'soc', with: { title: 't' } }] }, { other: { type: 'http' } });
    expect(found).toEqual([
      { path: 'steps[0].connection', message: 'unknown connection "soc"; configured: other' },
      { path: 'steps[1].connection', message: 'incident.create takes no connection; remove it' },
    ]);
  });

  it('rejects tokens that start with an unknown name, and unknown step fields', () => {
    const found = problems({ name: 'x', steps: [{ id: 'a', action: 'events.log', with: { message: '{{reslt.src_ip}}' }, mode: 'every' }] });
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'steps[0].mode', message: expect.stringContaining('"once"|"each"') },
        { path: 'steps[0].with.message', message: expect.stringContaining('token "reslt.src_ip" (line 1, column 3) starts with an unknown name') },
      ]),
    );
  });

  it('reports a bad duration, retry policy and step id', () => {
    const found = problems({ name: 'x', steps: [{ id: 'A b', action: 'events.log', timeout: '30 seconds', retry: { maxAttempts: 0 } }] });
    expect(found.map((p) => p.path).sort()).toEqual(['steps[0].id', 'steps[0].retry.maxAttempts', 'steps[0].timeout']);
  });
});

describe('validateChain guards against leaks and doubled effects', () => {
  it('refuses a literal credential header on webhook.send and accepts a secret reference', () => {
    const step = (value: string) => ({ name: 'hook', steps: [{ id: 'hook', action: 'webhook.send', with: { host: 'soar.example.org', headers: { Authorization: value, 'X-Trace': 'plain' } } }] });
    expect(problems(step('Bearer sk_live_123')).map((p) => p.path)).toEqual(['steps[0].with.headers.Authorization']);
    expect(problems(step('Bearer sk_live_123'))[0].message).toContain('write it as a secret reference (env:NAME or enc:v1:...)');
    expect(problems(step('env:SOAR_TOKEN'))).toEqual([]);
  });

  it('refuses a script whose own timeout outlasts the step, which would let a retry run it twice at once', () => {
    const chain = (stepTimeout: string | undefined, scriptTimeout: string) => ({
      name: 'block',
      steps: [{ id: 'block', action: 'script.run', ...(stepTimeout ? { timeout: stepTimeout } : {}), with: { interpreter: 'bash', inline: 'echo hi', timeout: scriptTimeout } }],
    });
    expect(problems(chain('10s', '1h'))).toEqual([
      { path: 'steps[0].timeout', message: 'the step times out after 10s but its script may run 1h (with.timeout); make the step\'s timeout longer than the script\'s, e.g. "3630s"' },
    ]);
    expect(problems(chain(undefined, '10m')).map((p) => p.path)).toEqual(['steps[0].timeout']);
    expect(problems(chain('2m', '1m'))).toEqual([]);
  });
});
