// The chain JSON Schema, generated from the action definitions' zod schemas, for editors, CI (ajv) and `riposte schema`.
import { ACTION_NAMES, CATALOGUE, DEFINITIONS, type ActionName, type ActionSpec } from './catalogue';
import type { SchemaRefinements } from './actions/define';
import { PROTOTYPE_NAMES, chainSchema } from './chain';
import { NO_TOKEN, TEMPLATE, shapeOf, templateAwareChildren, toJsonSchema, type JsonSchema } from './json-schema-core';

export { toJsonSchema, type JsonSchema } from './json-schema-core';

/** One action's parameter schema: template-aware, with the refinements a schema can express. */
export function paramsJsonSchema(name: ActionName): JsonSchema {
  const spec = CATALOGUE[name];
  const { $schema: _drop, ...base } = toJsonSchema(spec.params);
  void _drop;
  const rules: SchemaRefinements = (DEFINITIONS[name] as { jsonSchema?: SchemaRefinements }).jsonSchema ?? {};
  const aware = templateAwareChildren(base);
  const properties = { ...(aware.properties as Record<string, JsonSchema>) };
  const written = (base.properties ?? {}) as Record<string, JsonSchema>;
  for (const field of rules.literal ?? []) properties[field] = { ...written[field], ...NO_TOKEN };
  for (const [field, more] of Object.entries(rules.alternatives ?? {})) {
    const node = properties[field];
    properties[field] = Array.isArray(node.anyOf) ? { ...node, anyOf: [...(node.anyOf as JsonSchema[]), ...more] } : { anyOf: [node, ...more] };
  }
  const allOf = [...(rules.field ?? []), ...(rules.object ?? []).map((rule) => ({ if: shapeOf(base), then: rule }))];
  return { description: spec.summary, ...aware, properties, ...(allOf.length ? { allOf } : {}) };
}

/** The step rules of one action: its parameters, whether it takes a connection or a host, what it needs without a connection. */
function stepRules(name: ActionName): JsonSchema {
  const spec: ActionSpec = CATALOGUE[name];
  // An action whose parameters are not all optional needs `with`: validation checks a missing one as {}.
  const needsWith = !spec.params.safeParse({}).success;
  const required = [...(needsWith ? ['with'] : []), ...(spec.connection === 'required' ? ['connection'] : [])];
  const destination = spec.destinationField;
  return {
    if: { properties: { action: { const: name } }, required: ['action'] },
    then: {
      properties: {
        with: { $ref: `#/$defs/params:${name}` },
        ...(spec.connection === 'none' ? { connection: false } : {}),
        ...(spec.takesHost ? {} : { host: false }),
      },
      ...(required.length ? { required } : {}),
      // Without a connection the destination comes from the step itself.
      ...(destination ? { allOf: [{ if: { not: { required: ['connection'] } }, then: { required: ['with'], properties: { with: { type: 'object', required: [destination] } } } }] } : {}),
    },
  };
}

const NOT_PROTOTYPE_NAME: JsonSchema = { not: { enum: [...PROTOTYPE_NAMES] } };

/**
 * The chain JSON Schema: `action` one of the catalogue's names, each step's `with` tied to its
 * action's parameter schema, template-aware wherever validation waits for rendering. It refuses
 * what `riposte validate` refuses where a schema can tell; the rest (step references, template
 * syntax, duplicate ids, connections of the installation) only `riposte validate` checks.
 */
export function chainJsonSchema(): JsonSchema {
  const schema = toJsonSchema(chainSchema);
  const properties = schema.properties as Record<string, JsonSchema>;
  const steps = properties.steps;
  const step = steps.items as JsonSchema;
  const stepProps = step.properties as Record<string, JsonSchema>;
  stepProps.id = { ...stepProps.id, ...NOT_PROTOTYPE_NAME };
  stepProps.connection = { ...stepProps.connection, ...NOT_PROTOTYPE_NAME };
  stepProps.action = { type: 'string', enum: [...ACTION_NAMES], description: 'an action from the catalogue (`riposte actions list`)' };
  step.allOf = ACTION_NAMES.map(stepRules);
  // "Exactly one of" refinements of the chain's own blocks.
  properties.schedule = { ...properties.schedule, oneOf: [{ required: ['cron'] }, { required: ['every'] }] };
  properties.search = { ...properties.search, oneOf: [{ required: ['sql'] }, { required: ['url'] }] };
  const defs: Record<string, unknown> = { template: TEMPLATE };
  for (const name of ACTION_NAMES) defs[`params:${name}`] = paramsJsonSchema(name);
  return {
    ...schema,
    $id: 'https://riposte.dev/schema/chain-v1.json',
    title: 'riposte chain (DSL v1)',
    $defs: { ...((schema.$defs as Record<string, unknown>) ?? {}), ...defs },
  };
}
