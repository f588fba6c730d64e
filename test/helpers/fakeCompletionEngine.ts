// A scripted completion engine for the completion pipeline's tests: it records every call with
// its prompt and AbortSignal, and answers when the test says so (or at once, with `reply`).
import type { CompleteParams, CompleteResult, PrefillParams, PrefillResult, PromptSegment, StopReason } from '../../src/core/engine/protocol';
import type { CompletionEngine } from '../../src/core/completion/engineContract';

export interface FakeCall {
  params: CompleteParams;
  signal: AbortSignal;
  prompt: string;
  respond(text: string, stopReason?: StopReason): void;
  settled: boolean;
}

export class FakeCompletionEngine implements CompletionEngine {
  readonly calls: FakeCall[] = [];
  readonly prefills: PrefillParams[] = [];
  /** When set, every call is answered at once with what it returns for the prompt text. */
  reply?: (prompt: string, params: CompleteParams) => string;
  /** Prompt tokens reported as evaluated (the rest as reused); all of them by default. */
  evaluated = (params: CompleteParams) => tokensOf(promptText(params.segments));

  complete(params: CompleteParams, signal: AbortSignal): Promise<CompleteResult> {
    return new Promise((resolve) => {
      const prompt = promptText(params.segments);
      const call: FakeCall = {
        params,
        signal,
        prompt,
        settled: false,
        respond: (text, stopReason = 'eos') => {
          if (call.settled) return;
          call.settled = true;
          resolve(result(text, stopReason, tokensOf(prompt), this.evaluated(params)));
        },
      };
      this.calls.push(call);
      signal.addEventListener('abort', () => call.respond('', 'abort'), { once: true });
      if (this.reply) call.respond(this.reply(prompt, params));
    });
  }

  prefill(params: PrefillParams, signal: AbortSignal): Promise<PrefillResult> {
    this.prefills.push(params);
    if (signal.aborted) return Promise.reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    return Promise.resolve({ accounting: result('', 'eos', tokensOf(promptText(params.segments)), 10).accounting });
  }

  get last(): FakeCall {
    const call = this.calls[this.calls.length - 1];
    if (!call) throw new Error('the engine was not called');
    return call;
  }
}

export function promptText(segments: readonly PromptSegment[]): string {
  return segments.map((s) => ('special' in s ? s.special : s.text)).join('');
}

/** Four characters per token: what a code tokenizer gives on ASCII code. */
export function tokensOf(text: string): number {
  return Math.ceil(text.length / 4);
}

function result(text: string, stopReason: StopReason, promptTokens: number, evaluatedTokens: number): CompleteResult {
  return {
    text,
    stopReason,
    replayed: false,
    accounting: {
      promptTokens,
      evaluatedTokens: Math.min(evaluatedTokens, promptTokens),
      reusedTokens: Math.max(0, promptTokens - evaluatedTokens),
      generatedTokens: text.length,
      timeToFirstTokenMs: 1,
      tokensPerSecond: 50,
      totalMs: 10,
    },
  };
}
