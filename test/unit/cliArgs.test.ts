import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../src/cli/args';

const spec = {
  model: { type: 'string' as const },
  line: { type: 'number' as const },
  json: { type: 'boolean' as const },
  file: { type: 'string' as const, multiple: true },
};

describe('CLI argument parsing', () => {
  test('reads options with separate or inline values, flags and positionals', () => {
    const a = parseArgs(['--model', 'm.gguf', '--line=12', '--json', 'hello', 'world'], spec);
    assert.deepEqual(a.options, { model: 'm.gguf', line: 12, json: true });
    assert.deepEqual(a.positionals, ['hello', 'world']);
  });

  test('collects repeated options in order', () => {
    assert.deepEqual(parseArgs(['--file', 'a.ts', '--file', 'b.ts'], spec).options.file, ['a.ts', 'b.ts']);
  });

  test('treats everything after -- as positionals', () => {
    assert.deepEqual(parseArgs(['--', '--json'], spec).positionals, ['--json']);
  });

  test('rejects an unknown option instead of ignoring a typo', () => {
    assert.throws(
      () => parseArgs(['--modle', 'x'], spec),
      (e: Error) => e instanceof UsageError && /unknown option --modle/.test(e.message),
    );
  });

  test('rejects a missing or non-numeric value', () => {
    assert.throws(() => parseArgs(['--model'], spec), /--model needs a value/);
    assert.throws(() => parseArgs(['--line', 'ten'], spec), /--line must be a number/);
  });
});
