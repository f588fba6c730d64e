// One streaming answer: asks the engine, feeds each chunk into the assistant turn (answer text and
// reasoning kept apart, the reasoning timed), and settles the turn's status, stats and error.
// Stop aborts through the AbortSignal, which makes the engine abort the native generation at its
// next token; the turn is marked stopped at once and later chunks are ignored, so what the user saw
// when pressing Stop is what is kept.
// A failure never loses the partial answer: the engine crashing mid-answer marks it interrupted.
// The engine is a port (ChatEngine): the VS Code side adapts the engine client to it, the unit
// tests script it.
import type { ChatChunk, ChatParams, ChatResult, StopReason } from '../engine/protocol';
import type { ChatMessage } from '../engine/protocol';
import type { ChatTurn } from './conversation';

/** What a failed chat request means for the answer. */
export type ChatFailure =
  /** The engine process died or stopped answering; `cause` is a few words ("exit code 1"). */
  | { kind: 'crashed'; cause?: string }
  /** The engine is stopped (after repeated crashes) or could not run: `message` says why. */
  | { kind: 'stopped'; message: string }
  | { kind: 'other'; message: string };

export interface ChatEngine {
  /** The chat model, loaded now when it is not; throws when none is set (see `failure`). */
  chatModel(): Promise<{ name: string; contextSize: number }>;
  chat(
    params: ChatParams,
    options: { signal: AbortSignal; onChunk: (chunk: Pick<ChatChunk, 'segment' | 'text'>) => void },
  ): Promise<ChatResult>;
  /** How a thrown error reads for the answer. */
  failure(error: unknown): ChatFailure;
}

export interface AnswerSettings {
  maxTokens: number;
  timeoutSeconds: number;
  temperature: number;
}

export class AnswerStream {
  private readonly abort = new AbortController();
  private stoppedAt?: number;
  private thoughtStartedAt?: number;
  stopReason?: StopReason;
  /** After Stop: how long the engine took to end the generation. */
  stopLatencyMs?: number;

  constructor(
    readonly requestId: string,
    readonly turn: ChatTurn,
    private readonly engine: ChatEngine,
    private readonly now: () => number = Date.now,
  ) {}

  get stopped(): boolean {
    return this.stoppedAt !== undefined;
  }

  /** Stops the answer now; the engine aborts the native generation. */
  stop(): void {
    if (this.stopped || this.turn.status !== 'streaming') return;
    this.stoppedAt = this.now();
    this.settleThought();
    this.turn.status = 'stopped';
    this.abort.abort();
  }

  /** Runs the answer to its end. `prompt` builds the messages for the loaded model's context size. */
  async run(
    prompt: (contextSize: number) => ChatMessage[],
    settings: AnswerSettings,
    onChunk: (chunk: Pick<ChatChunk, 'segment' | 'text'>) => void,
  ): Promise<void> {
    const turn = this.turn;
    try {
      if (this.stopped) return;
      const model = await this.engine.chatModel();
      if (this.stopped) return;
      const result = await this.engine.chat(
        {
          messages: prompt(model.contextSize),
          maxTokens: settings.maxTokens,
          timeoutMs: settings.timeoutSeconds * 1000,
          temperature: settings.temperature,
        },
        { signal: this.abort.signal, onChunk: (chunk) => this.onChunk(chunk, onChunk) },
      );
      this.stopReason = result.stopReason;
      if (this.stoppedAt !== undefined) this.stopLatencyMs = this.now() - this.stoppedAt;
      this.settleThought();
      // The engine's final split is authoritative (a late </think> can reclassify streamed text),
      // except after Stop, where the text the user saw is what stays.
      if (!this.stopped) {
        turn.text = result.text;
        if (result.thought) turn.thought = result.thought;
        turn.status = result.stopReason === 'abort' ? 'stopped' : 'done';
      }
      turn.stats = {
        model: model.name,
        tokensPerSecond: result.accounting.tokensPerSecond,
        generatedTokens: result.accounting.generatedTokens,
        totalMs: result.accounting.totalMs,
      };
      if (result.stopReason === 'maxTokens')
        turn.error = `The answer reached the limit of ${settings.maxTokens} tokens (setting alembic.chat.maxTokens).`;
      if (result.stopReason === 'timeout')
        turn.error = `The answer took longer than ${settings.timeoutSeconds} s and was cut off (setting alembic.chat.timeoutSeconds).`;
    } catch (e) {
      this.settleThought();
      const failure = this.engine.failure(e);
      if (this.stopped) turn.status = 'stopped';
      else if (failure.kind === 'crashed') {
        turn.status = 'interrupted';
        turn.error =
          `The engine stopped unexpectedly${failure.cause ? ` (${failure.cause})` : ''}. What was written ` +
          `so far is kept; the engine restarts with your next message.`;
      } else if (failure.kind === 'stopped') {
        turn.status = 'interrupted';
        turn.error = failure.message;
      } else {
        turn.status = turn.text ? 'interrupted' : 'error';
        turn.error = failure.message;
      }
    }
  }

  private onChunk(
    chunk: Pick<ChatChunk, 'segment' | 'text'>,
    forward: (chunk: Pick<ChatChunk, 'segment' | 'text'>) => void,
  ): void {
    if (this.stopped || !chunk.text) return;
    if (chunk.segment === 'thought') {
      this.thoughtStartedAt ??= this.now();
      this.turn.thought = (this.turn.thought ?? '') + chunk.text;
    } else {
      this.settleThought();
      this.turn.text += chunk.text;
    }
    forward({ segment: chunk.segment, text: chunk.text });
  }

  /** The thinking time ends with the first answer token (or the end of the answer). */
  private settleThought(): void {
    if (this.thoughtStartedAt !== undefined && this.turn.thoughtMs === undefined) {
      this.turn.thoughtMs = (this.stoppedAt ?? this.now()) - this.thoughtStartedAt;
    }
  }
}
