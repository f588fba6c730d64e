// Alembic's chat model for VS Code's own chat and for other extensions
// (vscode.lm.selectChatModels({ vendor: 'alembic' })): the model in alembic.chat.model (or the
// completion model), with its real context size, token counts from its own tokenizer, streamed
// answers, cancellation, and tool calls whose arguments are generated under the grammar of each
// tool's JSON schema, so that a 1.5B–7B model writes calls that parse and match.
//
// The model is listed once the engine has it loaded (its context size is only known then); until
// then, and without a chat model, the list is empty. It changes when the loaded chat model does.
import * as vscode from 'vscode';
import type { LoadedModelInfo } from '../../core/engine/protocol';
import { LmMessageError, messageText, toChatMessages, toChatTools } from '../../core/lm/lmMessages';
import { getSetting } from '../config';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import type {
  LanguageModelChatInformation,
  LanguageModelChatProvider,
  LanguageModelChatRequestMessage,
  LanguageModelResponsePart,
  ProvideLanguageModelChatResponseOptions,
} from './lmProviderApi';

export const LM_VENDOR = 'alembic';

interface AlembicModel extends LanguageModelChatInformation {
  readonly path: string;
}

export class AlembicChatProvider extends DisposableStore implements LanguageModelChatProvider<AlembicModel> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private listedKey = '';

  constructor(
    private readonly engine: EngineService,
    private readonly log: Logger,
  ) {
    super();
    this.register(
      engine.onDidChangeState((s) => {
        const key = modelKey(s.models.chat);
        if (key === this.listedKey) return;
        this.listedKey = key;
        this.changed.fire();
      }),
    );
    this.listedKey = modelKey(engine.state.models.chat);
  }

  provideLanguageModelChatInformation(): AlembicModel[] {
    const info = this.engine.state.models.chat;
    if (!info) return [];
    const maxOutputTokens = Math.min(getSetting('chat.maxTokens'), Math.floor(info.contextSize / 2));
    const where = this.engine.state.gpu?.backend === 'cpu' || info.gpuLayers === 0 ? 'CPU' : 'GPU';
    return [
      {
        id: `alembic:${info.path}`,
        path: info.path,
        name: info.name,
        family: info.architecture,
        version: '1',
        detail: `Alembic · local · ${where}`,
        tooltip: `${info.name} (${info.path}), run by Alembic on this machine: ${info.contextSize} tokens of context`,
        maxInputTokens: info.contextSize - maxOutputTokens,
        maxOutputTokens,
        capabilities: { toolCalling: true, imageInput: false },
      },
    ];
  }

  async provideLanguageModelChatResponse(
    model: AlembicModel,
    messages: readonly LanguageModelChatRequestMessage[],
    options: ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    this.checkModel(model);
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      const modelOptions = options.modelOptions ?? {};
      const result = await this.engine.engine.chat(
        {
          messages: toChatMessages(messages),
          tools: toChatTools(options.tools),
          maxTokens: numberOption(modelOptions, ['maxTokens', 'max_tokens']) ?? model.maxOutputTokens,
          temperature: numberOption(modelOptions, ['temperature']) ?? getSetting('chat.temperature'),
          timeoutMs: getSetting('chat.timeoutSeconds') * 1000,
        },
        {
          signal: controller.signal,
          // Reasoning stays out: the stable API has no part for it, and callers would read it as the answer.
          onChunk: (chunk) => {
            if (chunk.segment === 'text') progress.report(new vscode.LanguageModelTextPart(chunk.text));
          },
        },
      );
      for (const call of result.toolCalls ?? [])
        progress.report(new vscode.LanguageModelToolCallPart(call.id, call.name, (call.arguments ?? {}) as object));
      const a = result.accounting;
      this.log.debug(
        `answered a language-model request: ${result.stopReason}, ${a.promptTokens} prompt tokens ` +
          `(${a.reusedTokens} reused), ${a.generatedTokens} generated, ${result.toolCalls?.length ?? 0} tool calls`,
      );
    } catch (e) {
      if (controller.signal.aborted) return; // cancelled: whatever was streamed stands
      if (e instanceof LmMessageError) throw new Error(e.message);
      this.log.error('a language-model request failed', e);
      throw e;
    } finally {
      sub.dispose();
    }
  }

  async provideTokenCount(
    model: AlembicModel,
    text: string | LanguageModelChatRequestMessage,
    token: vscode.CancellationToken,
  ): Promise<number> {
    this.checkModel(model);
    if (token.isCancellationRequested) return 0;
    const plain = typeof text === 'string' ? text : messageText(text);
    if (!plain) return 0;
    return (await this.engine.engine.tokenize('chat', plain)).length;
  }

  private checkModel(model: AlembicModel): void {
    if (this.engine.state.models.chat?.path !== model.path)
      throw new Error(`${model.name} is no longer Alembic's chat model; pick the model again.`);
  }
}

function modelKey(info: LoadedModelInfo | undefined): string {
  return info ? `${info.path}|${info.contextSize}` : '';
}

function numberOption(options: { readonly [name: string]: unknown }, names: string[]): number | undefined {
  for (const name of names) {
    const v = options[name];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  }
  return undefined;
}
