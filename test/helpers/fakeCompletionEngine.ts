// A scripted completion engine for the completion pipeline's tests: it records every call with
// its prompt and AbortSignal, and answers when the test says so (or at once, with `reply`).
import type {
  CompleteParams,
  CompleteResult,
  PrefillParams,
  PrefillResult,
  PromptSegment,
  StopReason,
} from '../../src/core/engine/protocol';
import type { CompletionEngine, PartialAnswer } from '../../src/core/completion/engineContract';

export interface FakeCall {
  params: CompleteParams;
  signal: AbortSignal;
  prompt: string;
  respond(text: string, stopReason?: StopReason): void;
  /** The pipeline's listener for the answer so far, when it asked for a streamed answer. */
  onPartial?: (partial: PartialAnswer) => void;
  /** Streams `text` as the answer so far (one token per character), when the call listens. */
  stream(text: string): void;
  settled: boolean;
}

export class FakeCompletionEngine implements CompletionEngine {
  readonly calls: FakeCall[] = [];
  readonly prefills: PrefillParams[] = [];
  /** When set, every call is answered at once with what it returns for the prompt text. */
  reply?: (prompt: string, params: CompleteParams) => string;
  /** With `reply`: a call that listens hears the answer streamed first, a character (token) at a time. */
  streamsReplies = false;
  /** The speeds its timings report (tokens per second); by default a laptop CPU's, too slow for
   * the pipeline to call without waiting for the typing pause. */
  speeds: { prompt: number; generated: number } = { prompt: 300, generated: 25 };
  /** Prompt tokens reported as evaluated (the rest as reused); by default the KV-cache model below. */
  evaluated = (params: CompleteParams) => this.kvEvaluate(params.segments);
  private kvSegments: readonly PromptSegment[] = [];

  complete(
    params: CompleteParams,
    signal: AbortSignal,
    onPartial?: (partial: PartialAnswer) => void,
  ): Promise<CompleteResult> {
    return new Promise((resolve) => {
      const prompt = promptText(params.segments);
      const call: FakeCall = {
        params,
        signal,
        prompt,
        onPartial,
        stream: (text) => {
          if (!call.settled) onPartial?.({ text, generatedTokens: text.length });
        },
        settled: false,
        respond: (text, stopReason = 'eos') => {
          if (call.settled) return;
          call.settled = true;
          resolve(result(text, stopReason, tokensOf(prompt), this.evaluated(params), this.speeds));
        },
      };
      this.calls.push(call);
      signal.addEventListener('abort', () => call.respond('', 'abort'), { once: true });
      if (this.reply) {
        const text = this.reply(prompt, params);
        if (this.streamsReplies) for (let i = 1; i < text.length; i++) call.stream(text.slice(0, i));
        call.respond(text);
      }
    });
  }

  /** A model of the engine's KV cache: everything from the first difference with the previous
   * prompt is evaluated again. Segments are tokenized one by one, so the tokens of the segments
   * before the first changed one are identical; inside a changed text segment, the text before the
   * change keeps its tokens except for the last few around the change (8 characters of slack). */
  kvEvaluate(segments: readonly PromptSegment[]): number {
    const previous = this.kvSegments;
    this.kvSegments = segments;
    let same = 0;
    while (same < segments.length && same < previous.length && sameSegment(segments[same]!, previous[same]!)) same++;
    const changed = segments[same];
    const old = previous[same];
    let kept = 0;
    if (changed && old && 'text' in changed && 'text' in old) {
      while (kept < changed.text.length && changed.text[kept] === old.text[kept]) kept++;
      kept = Math.max(0, kept - 8);
    }
    return tokensOf(promptText(segments.slice(same)).slice(kept));
  }

  /** When set, prefills finish only once it resolves (or their signal aborts). */
  prefillGate?: Promise<void>;
  /** Prefills aborted before they finished. */
  abortedPrefills = 0;
  /** When set, a prefill fails with what it returns (undefined: it succeeds). */
  prefillError?: (params: PrefillParams) => Error | undefined;

  async prefill(params: PrefillParams, signal: AbortSignal): Promise<PrefillResult> {
    this.prefills.push(params);
    const aborted = () => Object.assign(new Error('aborted'), { name: 'AbortError' });
    if (signal.aborted) throw aborted();
    const failure = this.prefillError?.(params);
    if (failure) throw failure;
    if (this.prefillGate) {
      const gate = this.prefillGate;
      await new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(aborted()), { once: true });
        void gate.then(resolve);
      }).catch((e: unknown) => {
        this.abortedPrefills++;
        throw e;
      });
    }
    const evaluated = this.kvEvaluate(params.segments);
    return {
      accounting: result('', 'eos', tokensOf(promptText(params.segments)), evaluated, this.speeds).accounting,
    };
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

function sameSegment(a: PromptSegment, b: PromptSegment): boolean {
  return 'special' in a ? 'special' in b && a.special === b.special : 'text' in b && a.text === b.text;
}

/** Four characters per token: what a code tokenizer gives on ASCII code. */
export function tokensOf(text: string): number {
  return Math.ceil(text.length / 4);
}

function result(
  text: string,
  stopReason: StopReason,
  promptTokens: number,
  evaluatedTokens: number,
  speeds: { prompt: number; generated: number },
): CompleteResult {
  const evaluated = Math.min(evaluatedTokens, promptTokens);
  const firstTokenMs = (evaluated / speeds.prompt + 1 / speeds.generated) * 1000;
  return {
    text,
    stopReason,
    replayed: false,
    accounting: {
      promptTokens,
      evaluatedTokens: evaluated,
      reusedTokens: promptTokens - evaluated,
      generatedTokens: text.length,
      timeToFirstTokenMs: text.length > 0 ? firstTokenMs : 0,
      tokensPerSecond: speeds.generated,
      totalMs: firstTokenMs + (Math.max(0, text.length - 1) / speeds.generated) * 1000,
    },
  };
}
