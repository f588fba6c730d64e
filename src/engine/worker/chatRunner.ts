// Chat generation on the chat sequence through node-llama-cpp's LlamaChat, which renders the
// model's chat template, reuses the KV cache for the unchanged start of the conversation and
// shifts the context window when a conversation outgrows it (so a long chat never fails).
// The client sends the whole conversation each time; answers stream back as chunks tagged as
// answer text or reasoning. Chat runs at a lower evaluation priority than completions.
// The chat template renders synchronously on this thread: a model whose template did not pass the
// time-boxed check at load (templateCheck.ts) gets a format chosen without rendering it.
import type { LlamaChat, LlamaChatResponseChunk } from 'node-llama-cpp';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { ChatChunk, ChatParams, ChatResult, ChatToolCall, StopReason } from '../../core/engine/protocol';
import { toChatFunctions, toChatHistory } from './chatHistory';
import { ThinkSplitter } from '../../core/chat/thinkSplitter';
import { EngineError } from './engineError';
import { fallbackChatWrapper } from './chatWrapperFallback';
import type { LlamaRuntime } from './llamaRuntime';
import type { ModelSlot } from './modelSlot';
import { Stopwatch } from './stopwatch';

const CHAT_PRIORITY = 1;

export class ChatRunner {
  private chat?: { slot: ModelSlot; chat: LlamaChat };
  private queue: Promise<unknown> = Promise.resolve();
  private active = 0;

  constructor(
    private readonly runtime: LlamaRuntime,
    /** Tells the watchdog what the main thread is doing, for its report if it blocks. */
    private readonly setActivity: (label: string) => void = () => undefined,
  ) {}

  /** True while an answer is being generated. */
  get busy(): boolean {
    return this.active > 0;
  }

  /** The chat wrapper name for the loaded chat model (resolved from its template). */
  wrapperName(): string {
    return this.chatFor()?.chatWrapper.wrapperName ?? '';
  }

  reset(): void {
    this.chat?.chat.dispose({ disposeSequence: false });
    this.chat = undefined;
  }

  run(
    params: ChatParams,
    signal: AbortSignal,
    emit: (chunk: Omit<ChatChunk, 'type' | 'id'>) => void,
  ): Promise<ChatResult> {
    const job = async () => {
      this.active++;
      try {
        return await this.generate(params, signal, emit);
      } finally {
        this.active--;
      }
    };
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private chatFor(): LlamaChat | undefined {
    const slot = this.runtime.slotFor('chat');
    const sequence = slot?.roles.chat?.sequence;
    if (!slot || !sequence) return undefined;
    if (this.chat?.slot !== slot) {
      this.reset();
      const lib = this.runtime.library;
      const template = slot.model.fileInfo.metadata?.tokenizer?.chat_template;
      const chatWrapper =
        slot.templateVerdict?.ok === false && typeof template === 'string'
          ? fallbackChatWrapper(lib, slot.model, template)
          : 'auto';
      this.setActivity(`resolving the chat format of ${basename(slot.path)}`);
      this.chat = {
        slot,
        chat: new lib.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false, chatWrapper }),
      };
    }
    return this.chat.chat;
  }

  private async generate(
    params: ChatParams,
    signal: AbortSignal,
    emit: (chunk: Omit<ChatChunk, 'type' | 'id'>) => void,
  ): Promise<ChatResult> {
    const chat = this.chatFor();
    if (!chat) throw new EngineError('noModel', 'No chat model is loaded.');
    const history = toChatHistory(params.messages);
    const functions = toChatFunctions(params.tools);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer =
      params.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, params.timeoutMs)
        : undefined;
    const watch = new Stopwatch(0, controller.signal);

    const tokensBefore = chat.sequence.contextTokens;
    const meterBefore = chat.sequence.tokenMeter.getState();
    const splitter = new ThinkSplitter();
    let thought = '';
    const forward = (pieces: { segment: 'text' | 'thought'; text: string }[]) => pieces.forEach((p) => emit(p));

    this.setActivity(
      `rendering the chat template of ${basename(chat.sequence.model.filename ?? 'the chat model')} for a chat request`,
    );
    try {
      const response = await chat.generateResponse(history, {
        signal: controller.signal,
        stopOnAbortSignal: true,
        maxTokens: params.maxTokens,
        temperature: params.temperature,
        topK: params.topK,
        topP: params.topP,
        seed: params.seed,
        evaluationPriority: CHAT_PRIORITY,
        customStopTriggers: params.stop?.filter((s) => s.length > 0),
        // Arguments are generated under the grammar of the tool's schema; one call per answer,
        // which is what small models get right (the client sends the result and asks again).
        ...(functions ? { functions, maxParallelFunctionCalls: 1 } : {}),
        onToken: (tokens) => tokens.forEach(() => watch.markToken()),
        onResponseChunk: (chunk: LlamaChatResponseChunk) => {
          if (chunk.type === 'segment') {
            if (chunk.segmentType === 'thought' && chunk.text) {
              thought += chunk.text;
              emit({ segment: 'thought', text: chunk.text });
            }
          } else {
            forward(splitter.push(chunk.text));
          }
        },
      });
      forward(splitter.end());
      // The meter counts prompt tokens evaluated as input and generated tokens as output; what the
      // new context shares with the old one from the start was reused from the KV cache.
      const used = chat.sequence.tokenMeter.diff(meterBefore);
      const generated = used.usedOutputTokens;
      const evaluatedPrompt = used.usedInputTokens;
      const reused = commonPrefixLength(tokensBefore, chat.sequence.contextTokens);
      const promptTokens = reused + evaluatedPrompt;
      const toolCalls: ChatToolCall[] | undefined = response.functionCalls?.map((call) => ({
        id: `call_${randomBytes(9).toString('base64url')}`,
        name: call.functionName,
        arguments: call.params ?? {},
      }));
      return {
        text: splitter.answer.trim(),
        thought: (thought + splitter.thought).trim(),
        stopReason: toolCalls?.length ? 'toolCalls' : mapStopReason(response.metadata.stopReason, timedOut),
        accounting: watch.accounting(promptTokens, reused, evaluatedPrompt, generated),
        ...(toolCalls?.length ? { toolCalls } : {}),
      };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function mapStopReason(reason: string, timedOut: boolean): StopReason {
  switch (reason) {
    case 'maxTokens':
      return 'maxTokens';
    case 'abort':
      return timedOut ? 'timeout' : 'abort';
    case 'customStopTrigger':
      return 'stop';
    default:
      return 'eos';
  }
}
