// Secret resolution as connectors see it: an unresolvable reference is the step's ConnectionConfigError.
import { SecretError, isSecretRef, resolveSecret as resolveConfiguredSecret } from '../../config/secrets';
import { actionFailure } from './errors';

export { holdsKnownSecret, isSecretRef, maskKnownSecrets, maskSecrets, rememberSecret, rememberSecretUrl } from '../../config/secrets';

/**
 * Resolves a value that may be a secret reference; literals pass through. `where` names the
 * field for the error message, which never holds the secret itself. A reference that cannot be
 * resolved fails the step with a ConnectionConfigError (not retried).
 */
export function resolveSecret(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return resolveConfiguredSecret(value, where, env);
  } catch (err) {
    if (err instanceof SecretError) throw actionFailure('ConnectionConfigError', err.message);
    throw err;
  }
}

/**
 * Resolves the parameters at `paths` (the `with` paths the chain wrote literally as secret
 * references) and nothing else; returns a copy. A value elsewhere that reads `env:NAME` is data.
 */
export function resolveLiteralSecrets<T>(params: T, paths: readonly (readonly (string | number)[])[] | undefined, where: string): T {
  if (!paths || paths.length === 0) return params;
  const copy = structuredClone(params) as unknown;
  for (const path of paths) {
    let node = copy as Record<string | number, unknown> | undefined;
    for (const part of path.slice(0, -1)) {
      const next = node?.[part];
      node = typeof next === 'object' && next !== null ? (next as Record<string | number, unknown>) : undefined;
    }
    const last = path[path.length - 1];
    const value = node?.[last];
    if (node && typeof value === 'string' && isSecretRef(value)) node[last] = resolveSecret(value, `${where}: with.${path.join('.')}`);
  }
  return copy as T;
}

