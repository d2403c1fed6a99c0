// JSON Schema from zod schemas, template-aware, for the chain schema, the action schemas and the configuration schema.
import { z } from 'zod';
import { DECIMAL } from './actions/shared/common';

/** A JSON Schema node. */
export type JsonSchema = Record<string, unknown>;

/**
 * What `Number(text)` turns into a finite number: the strings a `z.coerce.number()` parameter
 * accepts. Empty and blank strings become 0.
 */
const NUMERIC_STRING = '^\\s*(?:[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+)?\\s*$';

/** What the WHATWG URL parser needs at least (a scheme), which is what `z.url()` checks with it. */
const URL_SCHEME = '^[\\u0000-\\u0020]*[A-Za-z][A-Za-z0-9+.-]*:';

/** A string holding a token: accepted wherever a parameter is checked only once rendered. */
export const TEMPLATE: JsonSchema = {
  type: 'string',
  pattern: '\\{\\{',
  description: 'a Handlebars template ({{...}}): the field is checked once the template is rendered',
};
export const TEMPLATE_REF: JsonSchema = { $ref: '#/$defs/template' };

/** Rewrites a case-insensitive regular expression's source so it matches the same text without the `i` flag. */
export function caseInsensitiveSource(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      out += c + (source[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      // A letter range a-z gains A-Z, a lone letter its other case.
      if (/[a-zA-Z]/.test(c) && source[i + 1] === '-' && /[a-zA-Z]/.test(source[i + 2] ?? '')) {
        const end = source[i + 2];
        out += `${c}-${end}${swapCase(c)}-${swapCase(end)}`;
        i += 2;
        continue;
      }
      out += /[a-zA-Z]/.test(c) ? c + swapCase(c) : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      continue;
    }
    out += /[a-zA-Z]/.test(c) ? `[${c}${swapCase(c)}]` : c;
  }
  return out;
}

function swapCase(c: string): string {
  return c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
}

interface ZodInternals {
  _zod: { def: { type?: string; coerce?: boolean; out?: ZodInternals; checks?: { _zod: { def: { format?: string; pattern?: RegExp } } }[] } };
}

/**
 * Makes zod's JSON Schema say what the zod schema accepts, for any JSON Schema validator without
 * extra formats: case-insensitive patterns spelt out, coerced numbers also as numeric strings,
 * formats replaced by the pattern zod checks (or the part of a URL check a pattern can express).
 */
function adjust(zodSchema: unknown, json: JsonSchema): void {
  const def = (zodSchema as ZodInternals)._zod?.def;
  if (!def) return;
  for (const check of def.checks ?? []) {
    const pattern = check._zod.def.pattern;
    if (!(pattern instanceof RegExp) || !pattern.flags.includes('i')) continue;
    const replace = (node: JsonSchema) => {
      if (node.pattern === pattern.source) node.pattern = caseInsensitiveSource(pattern.source);
    };
    replace(json);
    if (Array.isArray(json.allOf)) (json.allOf as JsonSchema[]).forEach(replace);
  }
  // A pipe into another check (`z.string().refine(...).pipe(z.email())`) takes what both sides take;
  // zod describes only the input side. A pipe into a transform has nothing more to say.
  if (def.type === 'pipe' && def.out && def.out._zod.def.type !== 'transform') {
    const { $schema: _drop, ...out } = toJsonSchema(def.out as unknown as z.ZodType);
    void _drop;
    // After a transform (a number written as text, `numberFromText`) the out side checks the number
    // the text became: a schema can say so for a number written as one, and leaves text to validate.
    const input = (def as { in?: ZodInternals }).in?._zod.def;
    const afterTransform = input?.type === 'pipe' && input.out?._zod.def.type === 'transform';
    const rule = afterTransform ? { if: { type: 'number' }, then: out } : out;
    if (afterTransform) {
      // The text must read as a decimal number (anything else fails once rendered): a template stays the alternative.
      const branches = Array.isArray(json.anyOf) ? (json.anyOf as JsonSchema[]) : Array.isArray(json.type) ? (json.type as string[]).map((type) => ({ type })) : [];
      if (branches.some((b) => b.type === 'string')) {
        delete json.type;
        json.anyOf = branches.map((b) => (b.type === 'string' ? { ...b, pattern: DECIMAL.source } : b));
      }
    }
    if (Object.keys(out).length > 0) json.allOf = [...(Array.isArray(json.allOf) ? (json.allOf as JsonSchema[]) : []), rule];
  }
  if (typeof json.format === 'string') {
    if (json.format === 'uri' && json.pattern === undefined) json.pattern = URL_SCHEME;
    if (json.pattern !== undefined) delete json.format;
  }
  if (def.coerce && (json.type === 'number' || json.type === 'integer')) {
    const { default: fallback, description, ...number } = json;
    for (const key of Object.keys(json)) delete json[key];
    Object.assign(json, {
      ...(description !== undefined ? { description } : {}),
      ...(fallback !== undefined ? { default: fallback } : {}),
      anyOf: [number, { type: 'string', pattern: NUMERIC_STRING, description: 'a number written as text' }],
    });
  }
}

/** zod's JSON Schema of what a file may hold (the input side), adjusted by {@link adjust}. */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', override: (ctx) => adjust(ctx.zodSchema, ctx.jsonSchema as JsonSchema) }) as JsonSchema;
  return typeListsAsAlternatives(out) as JsonSchema;
}

/** A list of types (`"type": ["string", "number"]`) becomes alternatives, which strict validators (ajv) take without options. */
function typeListsAsAlternatives(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(typeListsAsAlternatives);
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'type' && Array.isArray(value) && (node as JsonSchema).anyOf === undefined) out.anyOf = (value as string[]).map((type) => ({ type }));
    else out[key] = ['enum', 'const', 'required', 'default'].includes(key) ? value : typeListsAsAlternatives(value);
  }
  return out;
}

/** Keywords that check a value's content rather than its shape: zod reports them as continuable issues. */
const CONTENT_KEYWORDS = new Set(['pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'propertyNames', 'format', 'default', 'description']);

/**
 * The shape of a parameter schema (types, enums, required keys) without content checks. zod runs an
 * object's refinements only when its fields have no shape problem (a token where a boolean or an
 * enum is expected is one, until rendered); the refinements below are guarded by this shape to match.
 */
export function shapeOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shapeOf);
  if (!node || typeof node !== 'object') return node;
  const src = node as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(src)) {
    if (CONTENT_KEYWORDS.has(key) && !(key === 'pattern' && value === NUMERIC_STRING)) continue;
    // Unknown keys are reported without stopping refinements; union branches become alternatives.
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, shapeOf(v)]));
    else out[key === 'oneOf' ? 'anyOf' : key] = shapeOf(value);
  }
  return out;
}

/** True when the node takes every string as it is, so a template needs no alternative of its own. */
function takesAnyString(node: JsonSchema): boolean {
  if (Object.keys(node).length === 0) return true;
  const types = Array.isArray(node.type) ? (node.type as string[]) : [node.type];
  if (types.includes('string') && Object.keys(node).every((k) => ['type', 'default', 'description'].includes(k))) return true;
  return Array.isArray(node.anyOf) && (node.anyOf as JsonSchema[]).some(takesAnyString);
}

/** The node with the schemas below it made template-aware (union branches stay exclusive). */
export function templateAwareChildren(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  if (node.properties) out.properties = Object.fromEntries(Object.entries(node.properties as Record<string, JsonSchema>).map(([k, v]) => [k, templateAware(v)]));
  if (node.items && typeof node.items === 'object') out.items = templateAware(node.items as JsonSchema);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') out.additionalProperties = templateAware(node.additionalProperties as JsonSchema);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(node[key])) out[key] = (node[key] as JsonSchema[]).map(templateAwareChildren);
  }
  return out;
}

/**
 * Validation leaves a field holding a token (`{{...}}`) to be checked after rendering, whatever
 * type the field has: so does the schema, by offering a template as an alternative everywhere.
 */
export function templateAware(node: JsonSchema): JsonSchema {
  const inner = templateAwareChildren(node);
  if (takesAnyString(node)) return inner;
  const { default: fallback, description, ...rest } = inner;
  return { ...(description !== undefined ? { description } : {}), ...(fallback !== undefined ? { default: fallback } : {}), anyOf: [rest, TEMPLATE_REF] };
}

/** A name matched whatever its case, as a pattern without flags. */
export function anyCase(name: string): string {
  return caseInsensitiveSource(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** A string a token may not be in: no alternative for a template, and no `{{` in it. */
export const NO_TOKEN: JsonSchema = { not: { pattern: '\\{\\{' } };

/** Line breaks and NUL, which validation refuses in one-line fields. */
export const LINE_BREAK = '[\\r\\n\\u0000]';
