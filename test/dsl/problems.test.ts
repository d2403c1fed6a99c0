// The one problems error: every validation-like refusal carries its problems by path and a failure type that Temporal records.
import { describe, expect, it } from 'vitest';
import { ChainValidationError, ProblemsError, assertValidChain } from '../../dsl';
import { FAILURES } from '../../dsl/failures';

describe('ProblemsError', () => {
  it('is what an invalid chain throws, under the failure type its histories record, with each problem by path', () => {
    let thrown: unknown;
    try {
      assertValidChain({ name: 'x', steps: [{ id: 'a', action: 'no.such' }] });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ChainValidationError);
    expect(thrown).toBeInstanceOf(ProblemsError);
    const err = thrown as ChainValidationError;
    expect(err.name).toBe('ChainValidationError');
    expect(err.type).toBe('ChainValidationError');
    expect(FAILURES[err.type as keyof typeof FAILURES].retried).toBe('no');
    expect(err.problems.some((p) => p.path === 'steps[0].action')).toBe(true);
    expect(err.message.split('\n')).toEqual(err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)));
  });

  it('keeps a message of its own when given one, and is a request refusal by default', () => {
    const err = new ProblemsError([{ path: 'sensorId', message: 'bad' }], { message: 'sensor id "": bad' });
    expect(err).toMatchObject({ name: 'RequestValidationError', type: 'RequestValidationError', message: 'sensor id "": bad', problems: [{ path: 'sensorId', message: 'bad' }] });
  });
});
