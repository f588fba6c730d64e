// Turns the JSON schema of a tool's parameters, as clients send it (VS Code's tools, OpenAI-style
// `tools`), into the subset node-llama-cpp compiles into a grammar. With that grammar every token of
// a call's arguments is constrained, so even a 1.5B model writes arguments that parse and match.
//
// node-llama-cpp's grammar writes every property an object schema lists, in order. So when a schema
// says which properties are `required`, only those are kept: a small model forced to fill optional
// ones invents values (an empty glob, a zero limit) that change what the tool does, while leaving
// them out lets the tool use its defaults. A schema without `required` keeps all its properties.
// `$ref`s into `$defs`/`definitions` are inlined (recursion is cut at MAX_DEPTH with "any JSON"),
// keywords a grammar cannot enforce (pattern, minimum, format other than dates…) are dropped, and a
// schema too large to be a tool's parameters is refused with a clear message.

/** The schema subset node-llama-cpp's grammar generator reads (GbnfJsonSchema). */
export type GrammarSchema =
  | { type: GrammarType | GrammarType[]; description?: string }
  | { const: Scalar; description?: string }
  | { enum: Scalar[]; description?: string }
  | { oneOf: GrammarSchema[]; description?: string }
  | {
      type: 'string';
      minLength?: number;
      maxLength?: number;
      format?: 'date-time' | 'time' | 'date';
      description?: string;
    }
  | {
      type: 'object';
      properties?: Record<string, GrammarSchema>;
      required?: string[];
      additionalProperties?: boolean | GrammarSchema;
      description?: string;
    }
  | { type: 'array'; items?: GrammarSchema; minItems?: number; maxItems?: number; description?: string };

type GrammarType = 'string' | 'number' | 'integer' | 'boolean' | 'null';
type Scalar = string | number | boolean | null;

export class ToolSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolSchemaError';
  }
}

const MAX_DEPTH = 8;
const MAX_NODES = 2000;
const MAX_ENUM = 500;
const SCALAR_TYPES: readonly GrammarType[] = ['string', 'number', 'integer', 'boolean', 'null'];
const DATE_FORMATS = new Set(['date-time', 'time', 'date']);

/** Any JSON value: what an unconstrained schema ({} or true) allows. */
export const ANY_JSON: GrammarSchema = {
  oneOf: [
    { type: ['string', 'number', 'boolean', 'null'] },
    { type: 'array' },
    { type: 'object', additionalProperties: true },
  ],
};

/** A tool's parameters as a grammar schema; no schema means "no arguments" (an empty object). */
export function toGrammarSchema(schema: unknown, toolName: string): GrammarSchema {
  if (schema === undefined || schema === null) return { type: 'object', properties: {} };
  if (!isObject(schema))
    throw new ToolSchemaError(`The parameters of tool "${toolName}" are not a JSON schema object.`);
  const converter = new Converter(schema, toolName);
  return converter.convert(schema, 0);
}

class Converter {
  private nodes = 0;
  private readonly defs: Record<string, unknown>;

  constructor(
    root: Record<string, unknown>,
    private readonly toolName: string,
  ) {
    this.defs = { ...asRecord(root.definitions), ...asRecord(root.$defs) };
  }

  convert(node: unknown, depth: number): GrammarSchema {
    if (++this.nodes > MAX_NODES)
      throw new ToolSchemaError(
        `The parameters schema of tool "${this.toolName}" is too large (over ${MAX_NODES} parts).`,
      );
    if (node === true || node === undefined) return ANY_JSON;
    if (!isObject(node))
      throw new ToolSchemaError(`The parameters schema of tool "${this.toolName}" has a part that is not a schema.`);
    if (depth > MAX_DEPTH) return ANY_JSON;
    const description = typeof node.description === 'string' ? { description: node.description.slice(0, 1000) } : {};

    if (typeof node.$ref === 'string') return this.convert(this.resolve(node.$ref), depth + 1);
    if ('const' in node && isScalar(node.const)) return { const: node.const, ...description };
    if (Array.isArray(node.enum)) {
      const values = node.enum.filter(isScalar);
      if (values.length === 0) return ANY_JSON;
      if (values.length > MAX_ENUM)
        throw new ToolSchemaError(
          `Tool "${this.toolName}" has an enum of ${values.length} values (at most ${MAX_ENUM}).`,
        );
      return { enum: values, ...description };
    }
    const alternatives = [node.anyOf, node.oneOf].find(Array.isArray);
    if (alternatives) {
      const options = alternatives.map((a) => this.convert(a, depth + 1));
      return options.length === 1 ? { ...options[0]!, ...description } : { oneOf: options, ...description };
    }
    if (Array.isArray(node.allOf)) return this.convert(mergeAll(node.allOf), depth + 1);

    const type = node.type;
    if (Array.isArray(type)) {
      const types = type.filter((t): t is string => typeof t === 'string');
      if (types.every((t): t is GrammarType => SCALAR_TYPES.includes(t as GrammarType)))
        return { type: types, ...description };
      return { oneOf: types.map((t) => this.convert({ ...node, type: t }, depth + 1)), ...description };
    }
    switch (type) {
      case 'string':
        return this.string(node, description);
      case 'number':
      case 'integer':
      case 'boolean':
      case 'null':
        return { type, ...description };
      case 'array':
        return this.array(node, depth, description);
      case 'object':
        return this.object(node, depth, description);
      case undefined:
        if (isObject(node.properties)) return this.object(node, depth, description);
        if (node.items !== undefined) return this.array(node, depth, description);
        return ANY_JSON;
      default:
        throw new ToolSchemaError(`Tool "${this.toolName}" uses the unknown JSON schema type "${String(type)}".`);
    }
  }

  private string(node: Record<string, unknown>, description: { description?: string }): GrammarSchema {
    if (typeof node.format === 'string' && DATE_FORMATS.has(node.format))
      return { type: 'string', format: node.format as 'date-time' | 'time' | 'date', ...description };
    const out: { type: 'string'; minLength?: number; maxLength?: number; description?: string } = {
      type: 'string',
      ...description,
    };
    if (isCount(node.minLength)) out.minLength = node.minLength;
    if (isCount(node.maxLength)) out.maxLength = node.maxLength;
    return out;
  }

  private array(node: Record<string, unknown>, depth: number, description: { description?: string }): GrammarSchema {
    const out: { type: 'array'; items?: GrammarSchema; minItems?: number; maxItems?: number; description?: string } = {
      type: 'array',
      ...description,
    };
    if (node.items !== undefined && !Array.isArray(node.items)) out.items = this.convert(node.items, depth + 1);
    if (isCount(node.minItems)) out.minItems = node.minItems;
    if (isCount(node.maxItems)) out.maxItems = node.maxItems;
    return out;
  }

  private object(node: Record<string, unknown>, depth: number, description: { description?: string }): GrammarSchema {
    const properties = asRecord(node.properties);
    const required = Array.isArray(node.required)
      ? node.required.filter((k): k is string => typeof k === 'string' && Object.hasOwn(properties, k))
      : undefined;
    const keys = required ?? Object.keys(properties);
    if (keys.length > 200)
      throw new ToolSchemaError(`Tool "${this.toolName}" has an object with ${keys.length} properties.`);
    const kept: Record<string, GrammarSchema> = {};
    for (const key of keys) kept[key] = this.convert(properties[key], depth + 1);
    const extra = node.additionalProperties;
    // An object that lists nothing accepts any members (a free-form "options" bag); one that lists
    // properties gets exactly those, unless it says what the others may be.
    const additionalProperties =
      keys.length === 0 && Object.keys(properties).length === 0 && extra !== false
        ? isObject(extra)
          ? this.convert(extra, depth + 1)
          : true
        : isObject(extra) && keys.length === 0
          ? this.convert(extra, depth + 1)
          : false;
    return { type: 'object', properties: kept, required: keys, additionalProperties, ...description };
  }

  private resolve(ref: string): unknown {
    const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
    const target = m ? this.defs[decodeURIComponent(m[1]!)] : undefined;
    if (target === undefined)
      throw new ToolSchemaError(
        `Tool "${this.toolName}" refers to "${ref.slice(0, 100)}", which its schema does not define.`,
      );
    return target;
  }
}

/** allOf of object schemas: their properties and required lists together. */
function mergeAll(parts: unknown[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const part of parts) {
    if (!isObject(part)) continue;
    Object.assign(properties, asRecord(part.properties));
    if (Array.isArray(part.required)) required.push(...part.required.filter((k): k is string => typeof k === 'string'));
    for (const [k, v] of Object.entries(part)) if (k !== 'properties' && k !== 'required') merged[k] ??= v;
  }
  if (Object.keys(properties).length > 0) {
    merged.type = 'object';
    merged.properties = properties;
    merged.required = required;
  }
  return merged;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asRecord(v: unknown): Record<string, unknown> {
  return isObject(v) ? v : {};
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1_000_000;
}
