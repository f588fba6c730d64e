// One streaming answer: asks the engine, feeds each chunk into the assistant turn (answer text and
// reasoning kept apart, the reasoning timed), and settles the turn's status, stats and error.
// Stop aborts through the engine client's AbortSignal, which makes the engine abort the native
// generation at its next token; the turn is marked stopped at once and later chunks are ignored,
// so what the user saw when pressing Stop is what is kept.
// A failure never loses the partial answer: the engine crashing mid-answer marks it interrupted.
import type { ChatMessage, ChatChunk, StopReason } from '../../core/engine/protocol';
import type { ChatTurn } from '../../core/chat/conversation';
import { EngineClientError } from '../../engine/client/engineClient';
import { getSetting } from '../config';
import type { EngineService } from '../engineService';

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
    private readonly engine: EngineService,
  ) {}

  get stopped(): boolean {
    return this.stoppedAt !== undefined;
  }

  /** Stops the answer now; the engine aborts the native generation. */
  stop(): void {
    if (this.stopped || this.turn.status !== 'streaming') return;
    this.stoppedAt = Date.now();
    this.settleThought();
    this.turn.status = 'stopped';
    this.abort.abort();
  }

  /** Runs the answer to its end. `prompt` builds the messages for the loaded model's context size. */
  async run(
    prompt: (contextSize: number) => ChatMessage[],
    onChunk: (chunk: Pick<ChatChunk, 'segment' | 'text'>) => void,
  ): Promise<void> {
    const turn = this.turn;
    const maxTokens = getSetting('chat.maxTokens');
    const timeoutSeconds = getSetting('chat.timeoutSeconds');
    try {
      if (this.stopped) return;
      if (!this.engine.hasModelFor('chat')) {
        throw new EngineClientError(
          'noModel',
          'No chat model is selected. Choose one with "Select Chat Model…" at the top of the chat.',
        );
      }
      if (!this.engine.state.models.chat) await this.engine.engine.load();
      const model = this.engine.state.models.chat;
      if (!model) throw new EngineClientError('noModel', 'The chat model is not loaded.');
      if (this.stopped) return;
      const result = await this.engine.engine.chat(
        {
          messages: prompt(model.contextSize),
          maxTokens,
          timeoutMs: timeoutSeconds * 1000,
          temperature: getSetting('chat.temperature'),
        },
        { signal: this.abort.signal, onChunk: (chunk) => this.onChunk(chunk, onChunk) },
      );
      this.stopReason = result.stopReason;
      if (this.stoppedAt !== undefined) this.stopLatencyMs = Date.now() - this.stoppedAt;
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
        turn.error = `The answer reached the limit of ${maxTokens} tokens (setting alembic.chat.maxTokens).`;
      if (result.stopReason === 'timeout')
        turn.error = `The answer took longer than ${timeoutSeconds} s and was cut off (setting alembic.chat.timeoutSeconds).`;
    } catch (e) {
      this.settleThought();
      const code = e instanceof EngineClientError ? e.code : undefined;
      const message = e instanceof Error ? e.message : String(e);
      if (this.stopped) turn.status = 'stopped';
      else if (e instanceof EngineClientError && (code === 'crashed' || code === 'unresponsive')) {
        // The client's message ends "The chat request was lost."; here the partial answer is kept.
        const exit = e.details.exit;
        const how =
          code === 'unresponsive'
            ? 'it stopped responding'
            : exit?.signal
              ? `killed by ${exit.signal}`
              : exit
                ? `exit code ${exit.code}`
                : undefined;
        turn.status = 'interrupted';
        turn.error = `The engine stopped unexpectedly${how ? ` (${how})` : ''}. What was written so far is kept; the engine restarts with your next message.`;
      } else if (code === 'stopped') {
        turn.status = 'interrupted';
        turn.error = message;
      } else {
        turn.status = turn.text ? 'interrupted' : 'error';
        turn.error = message;
      }
    }
  }

  private onChunk(chunk: ChatChunk, forward: (chunk: Pick<ChatChunk, 'segment' | 'text'>) => void): void {
    if (this.stopped || !chunk.text) return;
    if (chunk.segment === 'thought') {
      this.thoughtStartedAt ??= Date.now();
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
      this.turn.thoughtMs = (this.stoppedAt ?? Date.now()) - this.thoughtStartedAt;
    }
  }
}
