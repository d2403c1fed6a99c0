// An action's definition: its plain policy with the parts that run only outside the workflow (zod schema, checks, docs).
import type { z } from 'zod';
import type { Problem, ValidationContext } from '../problems';
import type { LiteralParams } from '../segments';
import type { ActionPolicy } from './policy';

/** A JSON Schema node. */
export type JsonSchemaNode = Record<string, unknown>;

/**
 * What an action's zod refinements and `beforeRender` hook check, in JSON Schema. `field` rules
 * hold whatever the other fields hold; `object` rules apply, as zod's object refinements do, only
 * when every field has the right shape; `literal` fields must be written out (a token cannot fill
 * them); `alternatives` are further forms a field takes. Refinements a schema cannot express are
 * left to `riposte validate`.
 */
export interface SchemaRefinements {
  field?: JsonSchemaNode[];
  object?: JsonSchemaNode[];
  literal?: string[];
  alternatives?: Record<string, JsonSchemaNode[]>;
}

/** What an action's own cross-field check sees of a step being validated. */
export interface StepCheck {
  /** The step as the chain wrote it. */
  step: Record<string, unknown>;
  /** The step's `with`, or `{}`. */
  params: Record<string, unknown>;
  connection?: string;
  context: ValidationContext;
  /** The chain as written. */
  chain: Record<string, unknown>;
  /** The step's path, `steps[i]`, as path segments. */
  prefix: (string | number)[];
  /** The path of a field of the step, e.g. `at('with', 'host')`. */
  at: (...rest: (string | number)[]) => string;
  policy: ActionPolicy;
}

/** A configuration connection type an action brings with it (its zod schema, checked with the configuration file). */
export interface ConnectionType {
  type: string;
  schema: z.ZodType;
}

/** One action, defined once. */
export interface ActionDefinition<P extends ActionPolicy = ActionPolicy, S extends z.ZodType = z.ZodType> {
  policy: P;
  /** The `with` parameters: checked before rendering (fields holding tokens after), and again in the activity. */
  params: S;
  /**
   * Reads the step's literal parameters before anything is rendered (at validation and before each
   * execution): where structure must come from the chain text and never from a rendered value
   * (argv word boundaries, recipient lists, a table or user chosen by a token), it splits or marks
   * the literal text here and reports what the chain may not do.
   */
  beforeRender?: (params: Record<string, unknown>) => LiteralParams;
  /** Cross-field checks of a step that the parameter schema cannot make (connections, other steps, the installation). */
  check?: (step: StepCheck) => Problem[];
  /** The refinements the chain JSON Schema spells out for this action. */
  jsonSchema?: SchemaRefinements;
  /** Connection types this action brings to the configuration. */
  connectionTypes?: readonly ConnectionType[];
  /** For the action's docs page: further paragraphs, what each parameter and output field holds, an example step. */
  docs?: { notes?: readonly string[]; parameters?: Readonly<Record<string, string>>; outputs?: Readonly<Record<string, string>>; example?: Record<string, unknown> };
}

/** Declares an action's definition, keeping its literal types (the policy's name, the schema's output). */
export function defineAction<const P extends ActionPolicy, S extends z.ZodType>(definition: ActionDefinition<P, S>): ActionDefinition<P, S> {
  return definition;
}
