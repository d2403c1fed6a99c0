// The chain JSON Schema, generated from the zod schemas, for editors and `riposte schema`.
import { z } from 'zod';
import { CATALOGUE } from './catalogue';
import { chainSchema } from './chain';

/** The chain JSON Schema with each action's parameters under `$defs`. */
export function chainJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(chainSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const defs: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(CATALOGUE)) {
    defs[`params:${name}`] = { description: spec.summary, ...z.toJSONSchema(spec.params, { io: 'input', unrepresentable: 'any' }) };
  }
  return {
    ...schema,
    $id: 'https://riposte.dev/schema/chain-v1.json',
    title: 'riposte chain (DSL v1)',
    $defs: { ...((schema.$defs as Record<string, unknown>) ?? {}), ...defs },
  };
}
