// Coalesces an answer's streamed pieces into fewer webview messages. A small model on a GPU makes
// hundreds of tokens a second, and in a remote window (code-server, SSH) every message to the
// webview crosses the network: one message per token would queue up behind each other and delay
// what matters, such as the answer's end after Stop. Pieces are merged while they keep the same
// segment (answer text or reasoning), so order is kept, and flushed after a short delay or on demand.

export interface Piece {
  segment: 'text' | 'thought';
  text: string;
}

export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class ChunkBatcher {
  private pending: Piece[] = [];
  private timer?: unknown;

  constructor(
    private readonly emit: (piece: Piece) => void,
    private readonly delayMs = 25,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  push(piece: Piece): void {
    if (!piece.text) return;
    const last = this.pending[this.pending.length - 1];
    if (last && last.segment === piece.segment) last.text += piece.text;
    else this.pending.push({ ...piece });
    this.timer ??= this.timers.setTimeout(() => this.flush(), this.delayMs);
  }

  /** Emits everything pending now, in order. */
  flush(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const pieces = this.pending;
    this.pending = [];
    for (const piece of pieces) this.emit(piece);
  }

  /** Forgets what is pending: the receiver got it another way (a full snapshot of the turn). */
  drop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
