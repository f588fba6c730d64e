// Splits a streamed model answer into its reasoning ("thought") and its answer text.
// Reasoning models (DeepSeek-R1 distills, Qwen3) wrap their thinking in <think>…</think>. Some chat
// wrappers of node-llama-cpp already separate it as a segment; for the others the tags arrive as
// plain text, possibly cut across chunks ("<thi" + "nk>"), so the splitter holds back any tail that
// could still become a tag. Some templates open the think block in the prompt, so an answer that
// starts with a closing tag (or the R1 convention of thinking first) is also handled.

export type AnswerSegment = 'text' | 'thought';

export interface SplitPiece {
  segment: AnswerSegment;
  text: string;
}

const OPEN = '<think>';
const CLOSE = '</think>';

export class ThinkSplitter {
  private inThought = false;
  private pending = '';
  private seenAnyText = false;
  private sawOpen = false;
  private thoughtText = '';
  private answerText = '';

  /** Feed the next streamed chunk; returns the pieces that are now certain. */
  push(chunk: string): SplitPiece[] {
    this.pending += chunk;
    const out: SplitPiece[] = [];
    for (;;) {
      const tag = this.inThought ? CLOSE : OPEN;
      const at = this.pending.indexOf(tag);
      if (at >= 0) {
        this.emit(out, this.pending.slice(0, at));
        this.pending = this.pending.slice(at + tag.length);
        if (!this.inThought && this.pending.startsWith('\n')) this.pending = this.pending.slice(1);
        this.inThought = !this.inThought;
        this.sawOpen = true;
        if (!this.inThought) this.pending = this.pending.replace(/^\n+/, '');
        continue;
      }
      // A closing tag with no opening one: the prompt opened the block, so what came so far was
      // thought. Pieces already streamed as text cannot be recalled, but the final answer and
      // thought (what is stored and sent back as context) are corrected.
      if (!this.inThought && !this.sawOpen) {
        const closeAt = this.pending.indexOf(CLOSE);
        if (closeAt >= 0) {
          this.thoughtText += this.answerText;
          this.answerText = '';
          this.seenAnyText = false;
          this.emitAs(out, 'thought', this.pending.slice(0, closeAt));
          this.pending = this.pending.slice(closeAt + CLOSE.length).replace(/^\n+/, '');
          this.sawOpen = true;
          continue;
        }
      }
      const keep = partialTagSuffix(this.pending, this.inThought ? [CLOSE] : [OPEN, CLOSE]);
      const ready = this.pending.slice(0, this.pending.length - keep);
      // Before any answer text, hold text back while a leading "</think>" is still possible.
      if (!this.inThought && !this.seenAnyText && ready.trim() === '' && keep > 0) break;
      this.emit(out, ready);
      this.pending = this.pending.slice(ready.length);
      break;
    }
    return out;
  }

  /** Flush what is held back at the end of the stream. */
  end(): SplitPiece[] {
    const out: SplitPiece[] = [];
    this.emit(out, this.pending);
    this.pending = '';
    return out;
  }

  get thought(): string {
    return this.thoughtText.trim();
  }

  get answer(): string {
    return this.answerText;
  }

  private emit(out: SplitPiece[], text: string): void {
    this.emitAs(out, this.inThought ? 'thought' : 'text', text);
  }

  private emitAs(out: SplitPiece[], segment: AnswerSegment, text: string): void {
    if (!text) return;
    if (segment === 'text') {
      if (!this.seenAnyText) text = text.replace(/^\s+/, ''); // no leading blank lines before the answer
      if (!text) return;
      this.seenAnyText = true;
      this.answerText += text;
    } else {
      this.thoughtText += text;
    }
    const last = out[out.length - 1];
    if (last && last.segment === segment) last.text += text;
    else out.push({ segment, text });
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of one of the tags. */
function partialTagSuffix(text: string, tags: string[]): number {
  let best = 0;
  for (const tag of tags) {
    for (let n = Math.min(tag.length - 1, text.length); n > best; n--) {
      if (text.endsWith(tag.slice(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}

/** Removes reasoning from a finished answer (used when a stored answer goes back into the context). */
export function stripThoughts(answer: string): string {
  const s = new ThinkSplitter();
  s.push(answer);
  s.end();
  return s.answer;
}
