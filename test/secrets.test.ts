// Secret references: riposte's own keys are never readable through env: references.
import { describe, expect, it } from 'vitest';
import { resolveSecret } from '../config/secrets';

describe('resolveSecret', () => {
  it('reads an env: reference but refuses the master key and the Temporal API key, without echoing them', () => {
    const env = { SOAR_TOKEN: 'tok-123', RIPOSTE_MASTER_KEY: 'bWFzdGVyLWtleS1zZWNyZXQ=', TEMPORAL_API_KEY: 'temporal-secret' };
    expect(resolveSecret('env:SOAR_TOKEN', 'with.auth.token', env)).toBe('tok-123');
    for (const name of ['RIPOSTE_MASTER_KEY', 'TEMPORAL_API_KEY']) {
      let message = '';
      try {
        resolveSecret(`env:${name}`, 'with.auth.token', env);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe(`with.auth.token: env:${name} is riposte's own key and cannot be used as a secret; put the secret in its own variable`);
      expect(message).not.toContain(env[name as keyof typeof env]);
    }
  });
});
