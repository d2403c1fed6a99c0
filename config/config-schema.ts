// The JSON Schema of riposte.config.json, generated from its zod schema, for editors and `riposte schema --config`.
import { toJsonSchema, type JsonSchema } from '../dsl/json-schema';
import { configSchema } from './config';

/** The configuration file's JSON Schema. Editors that know JSONC take its comments too. */
export function configJsonSchema(): JsonSchema {
  return {
    ...toJsonSchema(configSchema),
    $id: 'https://riposte.dev/schema/config-v1.json',
    title: 'riposte.config.json',
    description: 'riposte configuration: connections, store, Temporal, API, scripts, logs and retention. Values may be overridden from the environment (see the README).',
  };
}
