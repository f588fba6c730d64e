// A chat answer as the server backends stream it (OpenAI-compatible and Ollama alike): reasoning
// arrives either in a field of its own (`reasoning_content`, Ollama's `thinking`) or inside the text
// as <think>…</think>; both end up in the answer's thought, as with the local engine. Each piece goes
// to the caller as it arrives, and the time to the first one is taken once.
import { ThinkSplitter, type AnswerSegment } from '../chat/thinkSplitter';
import type { StopReason } from '../engine/protocol';
import type { ChatOptions } from './serverBackend';
import { ServerError } from './serverError';

export class StreamedAnswer {
  private readonly splitter = new ThinkSplitter();
  private reasoning = '';
  private firstTokenMs = 0;

  constructor(
    private readonly started: number,
    private readonly onChunk: ChatOptions['onChunk'],
  ) {}

  /** Reasoning the server sent apart from the text. */
  addThought(text: string | undefined): void {
    if (!text) return;
    this.reasoning += text;
    this.emit('thought', text);
  }

  /** Answer text, which may still hold <think>…</think>. */
  addContent(text: string | undefined): void {
    if (text) for (const piece of this.splitter.push(text)) this.emit(piece.segment, piece.text);
  }

  /** Milliseconds from the request to the first piece (0: none came). */
  get timeToFirstTokenMs(): number {
    return this.firstTokenMs;
  }

  /** Ends the answer: what the splitter held back (a tail that could have become a tag) goes out too. */
  end(): { text: string; thought: string } {
    for (const piece of this.splitter.end()) this.emit(piece.segment, piece.text);
    return {
      text: this.splitter.answer,
      thought: [this.reasoning, this.splitter.thought].filter(Boolean).join('\n').trim(),
    };
  }

  private emit(segment: AnswerSegment, text: string): void {
    if (!text) return;
    if (!this.firstTokenMs) this.firstTokenMs = performance.now() - this.started;
    this.onChunk?.({ segment, text });
  }
}

/**
 * How a streamed chat answer that failed part-way ends: Stop and the total timeout keep what was
 * written (the user reads it and may ask again); any other failure is the caller's error to report.
 * A chat's timeout ends it the same way whether or not the first token came (a completion's does not:
 * `streamFailure`).
 */
export function chatStreamFailure(e: unknown): Extract<StopReason, 'abort' | 'timeout'> {
  if (e instanceof ServerError && e.code === 'aborted') return 'abort';
  if (e instanceof ServerError && e.code === 'timeout') return 'timeout';
  throw e;
}
