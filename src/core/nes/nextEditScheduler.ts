// When to ask for a next edit: after the user edits a file and then pauses, and never ahead of an
// inline completion. Every edit cancels the request in flight (its answer would describe a document
// that no longer exists) and restarts the pause. When the pause is over but the engine is serving
// an inline completion or a chat answer (foreground work), the request waits until that is done;
// the engine also stops a running next edit as soon as a completion arrives, and the request is
// made again once the completion is done (the user has not moved on). Moving the cursor alone
// asks nothing: a next edit follows an edit. Explicit requests (a command) skip the pause.
import type { Clock } from '../completion/clock';
import type { CompletionDocument, Position } from '../completion/documentWindow';
import type { Disposable } from '../util/emitter';
import { NextEditPreempted, type NesSuggestion, type NextEditPipeline } from './nextEditPipeline';

/** How many times a request stopped by inline completions is made before it gives up. */
const MAX_PREEMPTED_ATTEMPTS = 3;

export interface ForegroundWork {
  /** The engine is serving an inline completion or a chat answer now. */
  readonly busy: boolean;
  /** Called once busy turns false. */
  onIdle(listener: () => void): Disposable;
}

export interface NextEditSchedulerOptions {
  pipeline: NextEditPipeline;
  clock: Clock;
  /** How long the user must pause after an edit, in milliseconds (read at each edit). */
  pauseMs: () => number;
  foreground: ForegroundWork;
  /** Whether next edits are on for this document (setting, language). */
  enabled: (doc: CompletionDocument) => boolean;
  /** A suggestion to show, or null to clear what is shown. */
  onSuggestion: (suggestion: NesSuggestion | null, doc: CompletionDocument) => void;
  onError?: (error: unknown) => void;
}

export class NextEditScheduler implements Disposable {
  private controller?: AbortController;
  private target?: { doc: CompletionDocument; cursor: Position };

  constructor(private readonly options: NextEditSchedulerOptions) {}

  /** The user edited `doc`; the cursor is now at `cursor`. */
  noteEdit(doc: CompletionDocument, cursor: Position): void {
    this.cancel();
    this.options.onSuggestion(null, doc);
    if (!this.options.enabled(doc)) return;
    this.target = { doc, cursor };
    void this.run(this.options.pauseMs());
  }

  /** The cursor moved without an edit: a request waiting for its pause uses the new place. */
  noteCursor(doc: CompletionDocument, cursor: Position): void {
    if (this.target && this.target.doc.uri === doc.uri) this.target = { doc, cursor };
  }

  /** Ask now, without waiting for a pause (the command, the CLI). */
  requestNow(doc: CompletionDocument, cursor: Position): Promise<void> {
    this.cancel();
    this.target = { doc, cursor };
    return this.run(0);
  }

  cancel(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  dispose(): void {
    this.cancel();
  }

  private async run(pauseMs: number): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const { signal } = controller;
    try {
      if (!(await this.options.clock.sleep(pauseMs, signal))) return;
      if (!(await this.foregroundIdle(signal))) return;
      let suggestion: NesSuggestion | null = null;
      let target = this.target;
      for (let attempt = 1; target; attempt++) {
        try {
          suggestion = await this.options.pipeline.provide({ doc: target.doc, cursor: target.cursor, signal });
          break;
        } catch (e) {
          // An inline completion took the engine: ask again once it is done, a few times at most.
          if (!(e instanceof NextEditPreempted) || attempt >= MAX_PREEMPTED_ATTEMPTS) throw e;
          if (!(await this.foregroundIdle(signal))) return;
          target = this.target;
        }
      }
      if (!target || signal.aborted) return;
      // The document may have changed without an edit event reaching us yet.
      if (suggestion && suggestion.version !== target.doc.version) return;
      this.options.onSuggestion(suggestion, target.doc);
    } catch (e) {
      if (!signal.aborted) this.options.onError?.(e);
    } finally {
      if (this.controller === controller) this.controller = undefined;
    }
  }

  /** Resolves true once no foreground work runs, false if aborted first. */
  private foregroundIdle(signal: AbortSignal): Promise<boolean> {
    const foreground = this.options.foreground;
    if (!foreground.busy) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        subscription.dispose();
        signal.removeEventListener('abort', onAbort);
        resolve(idle);
      };
      const onAbort = () => done(false);
      const subscription = foreground.onIdle(() => done(!signal.aborted));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
