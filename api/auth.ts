// API tokens: resolved once from api.tokens, checked in constant time by an onRequest hook against each route's scope.
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { resolveSecret } from '../config/secrets';
import { API_SCOPES, ConfigError, type Config } from '../config/config';

/** A scope an API token may hold. */
export type ApiScope = (typeof API_SCOPES)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public. */
    scope?: ApiScope;
  }
  interface FastifyRequest {
    tokenName?: string;
  }
}

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value).digest();
}

interface ResolvedToken {
  name: string;
  digest: Buffer;
  scopes: ReadonlySet<ApiScope>;
}

/** Resolves the configured tokens once; a reference that cannot be resolved stops the API from starting. */
function resolveTokens(config: Config): ResolvedToken[] {
  return config.api.tokens.map((t, i) => {
    let value: string;
    try {
      value = resolveSecret(t.token, `api.tokens[${i}].token`);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    if (value.length < 16) throw new ConfigError(`api.tokens[${i}].token: use at least 16 characters (make one with \`openssl rand -hex 32\`)`);
    return { name: t.name, digest: digest(value), scopes: new Set(t.scopes) };
  });
}

/** Finds the token in constant time per configured token: every one is compared, digests of equal length. */
function findToken(tokens: ResolvedToken[], presented: string): ResolvedToken | undefined {
  const d = digest(presented);
  let found: ResolvedToken | undefined;
  for (const t of tokens) if (crypto.timingSafeEqual(t.digest, d) && !found) found = t;
  return found;
}

/** Adds the token check to every route registered after it: a route whose config names a scope needs a token holding it. */
export function authenticate(app: FastifyInstance, config: Config): void {
  const tokens = resolveTokens(config);
  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match ? findToken(tokens, match[1]) : undefined;
    if (!token) {
      reply.header('www-authenticate', 'Bearer realm="riposte"');
      return reply.code(401).send({ error: match ? 'unknown token' : 'give a token: Authorization: Bearer <token>' });
    }
    request.tokenName = token.name;
    if (!token.scopes.has(scope)) return reply.code(403).send({ error: `token "${token.name}" lacks the scope "${scope}"` });
  });
}
