// What assertValidChain hands back: the chain every start runs.
import { describe, expect, it } from 'vitest';
import { ChainValidationError, assertValidChain } from '../../dsl';

const raw = () => ({ name: 'frozen', steps: [{ id: 'log', action: 'events.log', with: { message: 'from {{result.src_ip}}' } }] });

describe('assertValidChain', () => {
  it('returns a frozen chain, and that chain again as it is when it is handed back', () => {
    const chain = assertValidChain(raw());
    expect(Object.isFrozen(chain)).toBe(true);
    expect(Object.isFrozen(chain.steps[0].with)).toBe(true);
    expect(() => {
      (chain.steps[0].with as Record<string, unknown>).message = '{{> partial}}';
    }).toThrow(TypeError);
    expect(assertValidChain(chain)).toBe(chain);
  });

  it('validates a copy of a validated chain, and a chain handed back with configuration to check against', () => {
    const chain = assertValidChain(raw());
    const copy = structuredClone(chain);
    copy.steps[0].with = { message: '{{> partial}}' };
    expect(() => assertValidChain(copy)).toThrow(ChainValidationError);
    const withConnection = assertValidChain({ ...raw(), steps: [{ id: 'hook', action: 'http.post', connection: 'soc', with: {} }] }, { connections: { soc: { type: 'http' } } as never });
    expect(() => assertValidChain(withConnection, { connections: {} })).toThrow(/unknown connection "soc"/);
  });
});
