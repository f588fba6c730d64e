// Models the engine must not keep trying: a file that crashed llama.cpp while it loaded (remembered
// as bad, the previous model restored) and a model whose contexts cannot fit in memory (refused
// before loading, with what to change).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptSegment } from '../../src/core/engine/protocol';
import { EngineClientError } from '../../src/engine/client/engineClient';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';
import { duplicateTokenModel } from '../helpers/hostileModels';

const quick = {
  segments: [
    { special: '<|fim_prefix|>' },
    { text: 'let total = ' },
    { special: '<|fim_suffix|>' },
    { special: '<|fim_middle|>' },
  ] as PromptSegment[],
  maxTokens: 16,
  timeoutMs: 10_000,
};

describe('a file that crashes llama.cpp while it loads', () => {
  test(
    'is remembered as bad, the previous model is restored, and the message names the file and what to do',
    { timeout: 120_000 },
    async () => {
      // Duplicate token texts make llama.cpp's vocabulary loader abort (GGML_ASSERT). The pre-check
      // is switched off for this engine (a test-only switch) so that the crash happens whatever
      // the pre-check learns to refuse: what is tested is what the client does after a native crash.
      const bad = duplicateTokenModel('crashes-llama.gguf');
      const { client } = startEngine({ env: { ALEMBIC_ENGINE_PRECHECK: 'off' } });
      try {
        await client.load();
        const good = client.configuration;
        client.configure({ ...good, completionModel: bad, chatModel: bad });
        await assert.rejects(
          client.load(),
          (e: EngineClientError) =>
            e.code === 'badModel' &&
            e.details.file === bad &&
            e.details.exit?.signal === 'SIGABRT' &&
            /Loading crashes-llama\.gguf broke the engine: The engine process stopped unexpectedly \(killed by SIGABRT\)/.test(
              e.message,
            ) &&
            /download it again or pick another model/.test(e.message),
        );
        assert.equal(client.state.phase, 'ready');
        assert.equal(client.state.models.completion?.path, good.completionModel, 'the previous model serves again');
        assert.match(client.state.error ?? '', /crashes-llama\.gguf/);
        assert.equal((await client.complete(quick)).text, FIM_ANSWER);

        const pid = client.pid;
        client.configure({ ...good, chatModel: bad });
        await assert.rejects(
          client.load(),
          (e: EngineClientError) =>
            e.code === 'badModel' && /crashes-llama\.gguf crashed the engine when it was last loaded/.test(e.message),
        );
        assert.equal(client.pid, pid, 'refused without loading it: the engine did not crash again');
        assert.equal(client.state.models.chat?.path, good.chatModel);
      } finally {
        await client.dispose();
      }
    },
  );
});

describe('a model that cannot fit in memory', () => {
  test(
    'is refused before anything is unloaded, with the figures and the context size that would fit',
    { timeout: 60_000 },
    async () => {
      // The test switch stands in for a machine with 64 MB free: a KV cache of 131072 tokens (256 MB
      // for this model) cannot fit there.
      const { client } = startEngine({ env: { ALEMBIC_ENGINE_RAM_BYTES: String(64 * 1024 * 1024) } });
      try {
        await client.load();
        const good = client.configuration;
        client.configure({ ...good, contextSize: 131072, completionContextSize: 131072 });
        await assert.rejects(
          client.load(),
          (e: EngineClientError) =>
            e.code === 'insufficientMemory' &&
            // The completion context stops at the model's training size (8192); chat takes what it is told.
            /Alembic Test Tiny needs about [\d.]+ MB with these settings \(weights [\d.]+ MB, KV cache 272 MB for 8192 \+ 131072 tokens of context/.test(
              e.message,
            ) &&
            /lower the context size to \d+ tokens or less \(setting alembic\.engine\.contextSize, or --context-size/.test(
              e.message,
            ),
        );
        assert.equal(client.state.phase, 'ready');
        assert.equal(client.state.models.completion?.contextSize, 2048, 'the previous configuration serves');
        assert.equal((await client.complete(quick)).text, FIM_ANSWER);
      } finally {
        await client.dispose();
      }
    },
  );
});
