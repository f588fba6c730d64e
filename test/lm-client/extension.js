// A second extension, as any other extension uses a chat model: vscode.lm.selectChatModels({vendor:
// 'alembic'}), then sendRequest with the response streamed, a tool offered, and the tool's result
// sent back. The extension-host tests (test/vscode/languageModel.test.ts) run its command and check
// what it got. Plain JavaScript, so it runs as it is, with no build step.
const vscode = require('vscode');

/** @param {vscode.ExtensionContext} context */
function activate(context) {
  context.subscriptions.push(vscode.commands.registerCommand('alembicTest.lm.ask', ask));
}

/**
 * @param {{ prompt: string, tool?: { name: string, description: string, inputSchema: object }, toolResult?: string }} request
 */
async function ask(request) {
  const models = await vscode.lm.selectChatModels({ vendor: 'alembic' });
  const listed = models.map((m) => ({
    id: m.id,
    name: m.name,
    vendor: m.vendor,
    family: m.family,
    maxInputTokens: m.maxInputTokens,
  }));
  if (models.length === 0) return { models: listed };
  const model = models[0];
  const tools = request.tool ? [request.tool] : undefined;
  const messages = [vscode.LanguageModelChatMessage.User(request.prompt)];
  const first = await collect(await model.sendRequest(messages, { tools }));
  const out = { models: listed, tokens: await model.countTokens(request.prompt), first };
  const call = first.calls[0];
  if (call && request.toolResult !== undefined) {
    messages.push(
      vscode.LanguageModelChatMessage.Assistant([
        new vscode.LanguageModelToolCallPart(call.callId, call.name, call.input),
      ]),
    );
    messages.push(
      vscode.LanguageModelChatMessage.User([
        new vscode.LanguageModelToolResultPart(call.callId, [new vscode.LanguageModelTextPart(request.toolResult)]),
      ]),
    );
    out.second = await collect(await model.sendRequest(messages, { tools }));
  }
  return out;
}

/** The streamed parts: text pieces as they came, and tool calls. */
async function collect(response) {
  const pieces = [];
  const calls = [];
  for await (const part of response.stream) {
    if (part instanceof vscode.LanguageModelTextPart) pieces.push(part.value);
    else if (part instanceof vscode.LanguageModelToolCallPart)
      calls.push({ callId: part.callId, name: part.name, input: part.input });
  }
  return { pieces, text: pieces.join(''), calls };
}

module.exports = { activate, deactivate: () => undefined };
