// Alembic's model through VS Code's language-model API, as another extension sees it: the small
// extension in test/lm-client calls vscode.lm.selectChatModels({vendor: 'alembic'}) and sendRequest.
// On a VS Code without the provider API (before 1.104) there is no model, and Alembic says why.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { CHAT_TEXT, TOOL_ANSWER, TOOL_ARGUMENTS, TOOL_NAME, TOOL_TRIGGER } from '../fixtures/testModelScripts';
import { alembic, engineState, isReadyWithTestModel } from './alembic';

interface Asked {
  models: { id: string; name: string; vendor: string; family: string; maxInputTokens: number }[];
  tokens?: number;
  first?: { pieces: string[]; text: string; calls: { callId: string; name: string; input: unknown }[] };
  second?: { text: string; calls: unknown[] };
}

const ask = (request: object) => vscode.commands.executeCommand<Asked>('alembicTest.lm.ask', request) as Promise<Asked>;
const hasProviderApi = () =>
  typeof (vscode.lm as { registerLanguageModelChatProvider?: unknown }).registerLanguageModelChatProvider ===
  'function';

/** The listed models change when the loaded chat model does: wait for VS Code to see the new one. */
async function modelsNamed(name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const models = await vscode.lm.selectChatModels({ vendor: 'alembic' });
    if (models.some((m) => m.name === name)) return;
    if (Date.now() > deadline)
      throw new Error(`no Alembic model named ${name}: ${JSON.stringify(models.map((m) => m.name))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

suite('Language model provider', () => {
  test('another extension finds the chat model by vendor and gets its streamed answer', async () => {
    const { api } = await alembic();
    await engineState(api, 'the test model to be ready', isReadyWithTestModel);
    const asked = await ask({ prompt: 'Write a function that adds two numbers.' });
    if (!hasProviderApi()) {
      assert.deepEqual(asked.models, [], `VS Code ${vscode.version} has no provider API, so no model`);
      return;
    }
    assert.equal(asked.models.length, 1);
    const [model] = asked.models;
    assert.equal(model!.vendor, 'alembic');
    assert.equal(model!.name, 'Alembic Test Tiny');
    assert.ok(
      model!.maxInputTokens > 0 && model!.maxInputTokens < 2048,
      `maxInputTokens ${model!.maxInputTokens} within the context`,
    );
    assert.equal(asked.first!.text, CHAT_TEXT, 'the answer without its reasoning');
    assert.ok(asked.first!.pieces.length > 1, `streamed in ${asked.first!.pieces.length} pieces`);
    // The character-vocabulary test model spends about a token per character.
    assert.ok(asked.tokens! >= 30 && asked.tokens! <= 45, `token count ${asked.tokens} from the model's own tokenizer`);
  });

  // Only where VS Code has the provider API; the test above covers the floor.
  if (!hasProviderApi()) return;
  test('a tool-call round trip: the model calls the offered tool, the caller sends its result, the model uses it', async () => {
    const qwen = process.env.ALEMBIC_TEST_QWEN_MODEL;
    assert.ok(qwen, 'the harness names the Qwen-vocabulary test model in ALEMBIC_TEST_QWEN_MODEL');
    const { api } = await alembic();
    const config = () => vscode.workspace.getConfiguration('alembic');
    const previous = config().inspect<string>('chat.model')?.globalValue;
    try {
      await config().update('chat.model', qwen, vscode.ConfigurationTarget.Global);
      await engineState(
        api,
        'the Qwen test model for chat',
        (s) => s.phase === 'ready' && s.models.chat?.path === qwen,
      );
      await modelsNamed(api.engine.state.models.chat!.name);
      const asked = await ask({
        prompt: `What is the ${TOOL_TRIGGER} in Paris?`,
        tool: {
          name: TOOL_NAME,
          description: 'Tells the weather in a city',
          inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
        toolResult: '{"forecast": "sunny"}',
      });
      assert.deepEqual(
        asked.first!.calls.map((c) => [c.name, c.input]),
        [[TOOL_NAME, TOOL_ARGUMENTS]],
      );
      assert.equal(asked.second!.text, TOOL_ANSWER);
      assert.deepEqual(asked.second!.calls, []);
    } finally {
      await config().update('chat.model', previous, vscode.ConfigurationTarget.Global);
      await engineState(
        api,
        'the suite model back for chat',
        (s) => isReadyWithTestModel(s) && s.models.chat?.path !== qwen,
      );
    }
  });
});
