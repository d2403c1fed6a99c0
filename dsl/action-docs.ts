// An action's parameters as users read them (name, short type, default, description), from its zod schema.
import { z } from 'zod';

/** One parameter of an action, from its zod schema. */
export interface ParameterInfo {
  name: string;
  /** A short type: `string`, `integer`, `boolean`, `string | string[]`, `"GET" | "POST"`, `object`. */
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
};

/** A JSON Schema node as a short type expression. */
function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = s.anyOf ?? s.oneOf;
  if (union) return [...new Set(union.map(typeOf))].join(' | ');
  if (s.type === 'array') return `${s.items ? wrap(typeOf(s.items)) : 'any'}[]`;
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? 'any';
}

function wrap(t: string): string {
  return t.includes(' | ') ? `(${t})` : t;
}

/** The parameters of a schema with types, defaults and whether they are required. */
export function parametersOf(params: z.ZodType): ParameterInfo[] {
  const schema = z.toJSONSchema(params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    type: typeOf(p),
    required: required.has(name),
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(p.description ? { description: p.description } : {}),
  }));
}
