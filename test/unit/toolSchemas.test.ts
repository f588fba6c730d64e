import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANY_JSON, toGrammarSchema, ToolSchemaError } from '../../src/core/tools/grammarSchema';

describe('tool parameter schemas as grammar schemas', () => {
  test('keeps only the required properties, in order, and forbids others', () => {
    const schema = toGrammarSchema(
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: {
          query: { type: 'string', description: 'what to look for', pattern: '^a' },
          maxResults: { type: 'integer', minimum: 1 },
          isRegexp: { type: 'boolean' },
        },
        required: ['query', 'isRegexp'],
      },
      'search',
    );
    assert.deepEqual(schema, {
      type: 'object',
      properties: { query: { type: 'string', description: 'what to look for' }, isRegexp: { type: 'boolean' } },
      required: ['query', 'isRegexp'],
      additionalProperties: false,
    });
  });

  test('keeps every property of a schema that names none as required', () => {
    const schema = toGrammarSchema({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'null' } } }, 't');
    assert.deepEqual(Object.keys((schema as { properties: object }).properties), ['a', 'b']);
  });

  test('inlines $ref into $defs and definitions, and cuts recursion with any JSON', () => {
    const schema = toGrammarSchema(
      {
        type: 'object',
        properties: { node: { $ref: '#/$defs/node' }, color: { $ref: '#/definitions/color' } },
        $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } } } },
        definitions: { color: { enum: ['red', 'green', 7] } },
      },
      'tree',
    ) as unknown as { properties: { node: unknown; color: unknown } };
    assert.deepEqual(schema.properties.color, { enum: ['red', 'green', 7] });
    let depth = 0;
    let node = schema.properties.node as { properties?: { child: unknown } };
    while (node.properties) {
      node = node.properties.child as typeof node;
      depth++;
    }
    assert.ok(depth >= 3, `recursion unrolled ${depth} levels`);
    assert.deepEqual(node, ANY_JSON);
  });

  test('turns anyOf, oneOf, type lists and allOf into what a grammar can hold', () => {
    assert.deepEqual(toGrammarSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 't'), {
      oneOf: [{ type: 'string' }, { type: 'null' }],
    });
    assert.deepEqual(toGrammarSchema({ type: ['string', 'null'] }, 't'), { type: ['string', 'null'] });
    const merged = toGrammarSchema(
      {
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { properties: { b: { type: 'boolean' } }, required: ['b'] },
        ],
      },
      't',
    ) as { required: string[] };
    assert.deepEqual(merged.required, ['a', 'b']);
  });

  test('keeps array bounds, string lengths and date formats, and drops other formats', () => {
    assert.deepEqual(
      toGrammarSchema({ type: 'array', items: { type: 'string', format: 'uri', maxLength: 9 }, maxItems: 3 }, 't'),
      { type: 'array', items: { type: 'string', maxLength: 9 }, maxItems: 3 },
    );
    assert.deepEqual(toGrammarSchema({ type: 'string', format: 'date' }, 't'), { type: 'string', format: 'date' });
  });

  test('no schema means no arguments; an empty object schema accepts any members', () => {
    assert.deepEqual(toGrammarSchema(undefined, 't'), { type: 'object', properties: {} });
    assert.deepEqual(toGrammarSchema({ type: 'object' }, 't'), {
      type: 'object',
      properties: {},
      required: [],
      additionalProperties: true,
    });
  });

  test('refuses a missing $ref, an unknown type and a schema too large, naming the tool', () => {
    assert.throws(() => toGrammarSchema({ $ref: '#/$defs/none' }, 'lookup'), /lookup.*does not define/);
    assert.throws(() => toGrammarSchema({ type: 'bigint' }, 'calc'), ToolSchemaError);
    const wide = {
      type: 'object',
      properties: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${i}`, {}])),
    };
    assert.throws(() => toGrammarSchema(wide, 'wide'), /wide.*300 properties/);
    const huge = { enum: Array.from({ length: 600 }, (_, i) => i) };
    assert.throws(() => toGrammarSchema(huge, 'huge'), /600 values/);
  });
});
