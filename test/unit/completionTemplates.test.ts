import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FimTokens } from '../../src/core/engine/protocol';
import type { ContextSnippet } from '../../src/core/completion/extraContext';
import { NoFimSupportError, selectFimTemplate, type FimPromptParts } from '../../src/core/completion/fimTemplates';

const snippet: ContextSnippet = {
  uri: 'file:///repo/src/util.ts',
  path: 'src/util.ts',
  languageId: 'typescript',
  startLine: 0,
  text: 'export const one = 1;\n',
  tokens: 10,
};

function parts(overrides: Partial<FimPromptParts> = {}): FimPromptParts {
  return {
    prefix: ['a\n', 'b\n', 'let x = '],
    suffix: ';\nc',
    path: 'src/main.ts',
    languageId: 'typescript',
    repoName: 'demo',
    snippets: [],
    ...overrides,
  };
}

const QWEN: FimTokens = {
  prefix: '<|fim_prefix|>',
  suffix: '<|fim_suffix|>',
  middle: '<|fim_middle|>',
  pad: '<|fim_pad|>',
  repoName: '<|repo_name|>',
  fileSeparator: '<|file_sep|>',
};

describe('FIM templates', () => {
  test('Qwen2.5-Coder metadata renders the repository-level form with each prefix piece as its own segment', () => {
    const t = selectFimTemplate({ name: 'Qwen2.5 Coder 1.5B', architecture: 'qwen2', fim: QWEN });
    assert.equal(t.family, 'qwen');
    assert.deepEqual(t.render(parts({ snippets: [snippet] })), [
      { special: '<|repo_name|>' },
      { text: 'demo\n' },
      { special: '<|file_sep|>' },
      { text: 'src/util.ts\nexport const one = 1;\n' },
      { special: '<|file_sep|>' },
      { text: 'src/main.ts\n' },
      { special: '<|fim_prefix|>' },
      { text: 'a\n' },
      { text: 'b\n' },
      { text: 'let x = ' },
      { special: '<|fim_suffix|>' },
      { text: ';\nc' },
      { special: '<|fim_middle|>' },
    ]);
    for (const stop of ['<|endoftext|>', '<|fim_pad|>', '<|file_sep|>', '<|im_end|>'])
      assert.ok(t.stop.includes(stop), stop);
  });

  test('Qwen metadata without repository tokens falls back to plain prefix-suffix-middle', () => {
    const t = selectFimTemplate({
      name: 'qwen2.5-coder',
      fim: { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
    });
    assert.equal(t.family, 'qwen');
    assert.deepEqual(t.render(parts()), [
      { special: '<|fim_prefix|>' },
      { text: 'a\n' },
      { text: 'b\n' },
      { text: 'let x = ' },
      { special: '<|fim_suffix|>' },
      { text: ';\nc' },
      { special: '<|fim_middle|>' },
    ]);
  });

  test('DeepSeek-Coder uses its full-width-bar tokens, a BOS token and commented extra context inside the prefix', () => {
    const t = selectFimTemplate({
      name: 'deepseek-coder-1.3b-base',
      fim: { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>' },
    });
    assert.equal(t.family, 'deepseek');
    assert.deepEqual(t.render(parts({ snippets: [snippet] })), [
      { special: '<｜begin▁of▁sentence｜>' },
      { special: '<｜fim▁begin｜>' },
      { text: '// src/util.ts\nexport const one = 1;\n\n// src/main.ts\n' },
      { text: 'a\n' },
      { text: 'b\n' },
      { text: 'let x = ' },
      { special: '<｜fim▁hole｜>' },
      { text: ';\nc' },
      { special: '<｜fim▁end｜>' },
    ]);
  });

  test('StarCoder2 separates extra files with <file_sep> and names the current file inside the prefix', () => {
    const t = selectFimTemplate({
      name: 'starcoder2-3b',
      fim: { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>', fileSeparator: '<file_sep>' },
    });
    assert.equal(t.family, 'starcoder');
    assert.deepEqual(t.render(parts({ snippets: [snippet] })), [
      { special: '<file_sep>' },
      { text: 'src/util.ts\nexport const one = 1;\n' },
      { special: '<file_sep>' },
      { special: '<fim_prefix>' },
      { text: 'src/main.ts\n' },
      { text: 'a\n' },
      { text: 'b\n' },
      { text: 'let x = ' },
      { special: '<fim_suffix>' },
      { text: ';\nc' },
      { special: '<fim_middle>' },
    ]);
    assert.deepEqual(t.render(parts()).slice(0, 2), [{ special: '<fim_prefix>' }, { text: 'a\n' }]);
    assert.ok(t.stop.includes('<file_sep>') && t.stop.includes('<|endoftext|>'));
  });

  test('CodeLlama puts spaces around the prefix and before the middle token', () => {
    const t = selectFimTemplate({ name: 'CodeLlama 7B', fim: { prefix: '<PRE>', suffix: '<SUF>', middle: '<MID>' } });
    assert.equal(t.family, 'codellama');
    assert.deepEqual(t.render(parts()), [
      { special: '<s>' },
      { special: '<PRE>' },
      { text: ' ' },
      { text: 'a\n' },
      { text: 'b\n' },
      { text: 'let x = ' },
      { text: ' ' },
      { special: '<SUF>' },
      { text: ';\nc' },
      { text: ' ' },
      { special: '<MID>' },
    ]);
    assert.ok(t.stop.includes('<EOT>'));
  });

  test('Codestral puts the suffix first ([SUFFIX]S[PREFIX]P) and has no middle token in the prompt', () => {
    const t = selectFimTemplate({
      name: 'Codestral 22B',
      fim: { prefix: '[PREFIX]', suffix: '[SUFFIX]', middle: '[MIDDLE]' },
    });
    assert.equal(t.family, 'codestral');
    assert.deepEqual(t.render(parts()), [
      { special: '<s>' },
      { special: '[SUFFIX]' },
      { text: ';\nc' },
      { special: '[PREFIX]' },
      { text: 'a\n' },
      { text: 'b\n' },
      { text: 'let x = ' },
    ]);
    assert.ok(t.stop.includes('[PREFIX]') && t.stop.includes('[SUFFIX]'));
  });

  test('CodeGemma is told apart from Qwen by its <|file_separator|> token and starts with <bos>', () => {
    const t = selectFimTemplate({
      name: 'codegemma-2b',
      architecture: 'gemma',
      fim: {
        prefix: '<|fim_prefix|>',
        suffix: '<|fim_suffix|>',
        middle: '<|fim_middle|>',
        fileSeparator: '<|file_separator|>',
      },
    });
    assert.equal(t.family, 'codegemma');
    assert.deepEqual(t.render(parts({ snippets: [snippet] })), [
      { special: '<bos>' },
      { text: 'src/util.ts\nexport const one = 1;\n' },
      { special: '<|file_separator|>' },
      { special: '<|fim_prefix|>' },
      { text: 'a\n' },
      { text: 'b\n' },
      { text: 'let x = ' },
      { special: '<|fim_suffix|>' },
      { text: ';\nc' },
      { special: '<|fim_middle|>' },
    ]);
    assert.ok(t.stop.includes('<|file_separator|>') && t.stop.includes('<end_of_turn>'));
  });

  test('an unknown family with FIM metadata gets a generic template built from the metadata texts', () => {
    const t = selectFimTemplate({ name: 'my-model', fim: { prefix: '<PFX>', suffix: '<SFX>', middle: '<MDL>' } });
    assert.equal(t.family, 'generic');
    assert.deepEqual(t.render(parts({ prefix: ['x'], suffix: '' })), [
      { special: '<PFX>' },
      { text: 'x' },
      { special: '<SFX>' },
      { special: '<MDL>' },
    ]);
  });

  test('metadata wins over the name: a model named like DeepSeek with StarCoder tokens renders StarCoder', () => {
    const t = selectFimTemplate({
      name: 'deepseek-coder-merge',
      fim: { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>' },
    });
    assert.equal(t.family, 'starcoder');
    assert.deepEqual(t.render(parts({ prefix: ['p'], suffix: 's' })), [
      { special: '<fim_prefix>' },
      { text: 'p' },
      { special: '<fim_suffix>' },
      { text: 's' },
      { special: '<fim_middle>' },
    ]);
  });

  test('the name is used only when the metadata has no FIM tokens', () => {
    const t = selectFimTemplate({ name: 'Qwen2.5-Coder-7B-Q4_K_M', fim: null });
    assert.equal(t.family, 'qwen');
    assert.equal(t.tokens.fileSeparator, '<|file_sep|>');
  });

  test('the engine may override the BOS token or turn it off', () => {
    const fim = { prefix: '<PRE>', suffix: '<SUF>', middle: '<MID>' };
    assert.deepEqual(selectFimTemplate({ name: 'codellama', fim, bos: null }).render(parts())[0], { special: '<PRE>' });
    assert.deepEqual(selectFimTemplate({ name: 'codellama', fim, bos: '<BOS>' }).render(parts())[0], {
      special: '<BOS>',
    });
  });

  test('a chat model with no FIM tokens and no known family gets a clear error, not a garbage prompt', () => {
    assert.throws(
      () => selectFimTemplate({ name: 'Llama-3.2-3B-Instruct', architecture: 'llama', fim: null }),
      (e: unknown) =>
        e instanceof NoFimSupportError &&
        e.code === 'noFim' &&
        /Llama-3\.2-3B-Instruct has no fill-in-the-middle tokens; pick a code completion model such as Qwen2\.5-Coder base/.test(
          e.message,
        ),
    );
  });

  test('empty prefix pieces are skipped, so a file start renders no empty text segments', () => {
    const t = selectFimTemplate({ name: 'q', fim: QWEN });
    const segments = t.render(parts({ prefix: ['', '', 'im'], suffix: '' }));
    assert.ok(segments.every((s) => !('text' in s) || s.text.length > 0));
  });
});
