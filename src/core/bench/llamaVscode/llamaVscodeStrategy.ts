// The llama.vscode strategy: llama.vscode's completion client (ggml-org/llama.vscode v0.0.63,
// src/completion.ts getCompletionItems) against a real llama-server, event for event:
//   - no debounce; a request waits, polling every 150 ms, until the previous one has finished
//     (its HTTP request is never aborted: a keystroke only makes the waiting calls give up);
//   - the LRU cache and its typed-ahead lookup answer first (resultCache.ts);
//   - otherwise one /infill request with n_cmpl 3 (request.ts), whose answers are filtered as the
//     extension filters them (suggestions.ts) and cached; the first is shown;
//   - after a suggestion shows, if the rest of the line is empty, the "future suggestion" request
//     for the context after accepting it (sent even when its answer cannot be cached: with n_cmpl
//     above 1 the server answers a list, and the extension only caches an answer with `content`),
//     and the cached remainder after accepting its first line; then chunks for the ring;
//   - the ring of extra chunks (chunkRing.ts) is updated once a second while idle, each change
//     sent ahead with an n_predict 0 request.
import type { Clock } from '../../completion/clock';
import type { CompletionSuggestion } from '../../completion/completionPipeline';
import { OverheadTimer } from '../../completion/completionStats';
import type { EditorEvent, Workspace } from '../editorEvents';
import type { InfillClient } from '../infillClient';
import type { Oracle } from '../oracle';
import { createRandom } from '../random';
import type { BenchStrategy, StrategyCounters, StrategyRequest } from '../strategies';
import { ChunkRing } from './chunkRing';
import { infillRequest, LLAMA_VSCODE_CONFIG, localContext, ringUpdateRequest, type LocalContext } from './request';
import { ResultCache } from './resultCache';
import { completionsOf, removeLeadingSpaces, shouldDiscard, suggestionLines, updateSuggestion } from './suggestions';

export interface LlamaVscodeContext {
  client: Pick<InfillClient, 'infill'>;
  clock: Clock;
  seed: number;
  oracle?: Oracle;
}

export class LlamaVscodeStrategy implements BenchStrategy {
  readonly name = 'llama.vscode';
  readonly note =
    "llama.vscode v0.0.63's client against a real llama-server (its README's flags for a 1.5B " +
    'model): serial /infill requests (n_cmpl 3) polled every 150 ms and never aborted, its LRU cache ' +
    'with typed-ahead lookup, a future-suggestion request after each shown one, its ring of extra ' +
    "chunks; evaluated tokens are the server's timings.prompt_n";
  readonly overheadMs: number[] = [];
  readonly evaluatesWholePrompt = false;
  readonly ring: ChunkRing;
  private readonly cache = new ResultCache();
  private readonly config = LLAMA_VSCODE_CONFIG;
  private readonly stop = new AbortController();
  private saveTimer?: AbortController;
  private inProgress = false;
  private readonly count = { cacheHits: 0, typedAheadHits: 0, futureRequests: 0, backgroundErrors: 0 };

  constructor(private readonly context: LlamaVscodeContext) {
    this.ring = new ChunkRing(context.clock, createRandom(context.seed * 13 + 5));
    this.tickRing();
  }

  async request(r: StrategyRequest): Promise<CompletionSuggestion | null> {
    const timer = new OverheadTimer();
    try {
      while (this.inProgress) {
        timer.pause();
        await this.context.clock.sleep(this.config.pollMs);
        timer.resume();
        if (r.signal.aborted) return null;
      }
      this.inProgress = true;
      try {
        return await this.complete(r, timer);
      } finally {
        this.inProgress = false;
      }
    } finally {
      this.overheadMs.push(timer.stop());
    }
  }

  accepted(): void {}

  onEditor(event: EditorEvent, workspace: Workspace): void {
    if (event.kind === 'switch') {
      // onDidChangeActiveTextEditor picks around the cursor twice: its "previous" editor is
      // window.activeTextEditor, which is already the new one.
      this.ring.pickAround(event.to.line, event.to);
      this.ring.pickAround(event.to.line, event.to);
    } else if (event.kind === 'save') {
      // handleDocumentSave: 1 s after the last save, around the cursor of the saved document's editor.
      this.saveTimer?.abort();
      const timer = new AbortController();
      this.saveTimer = timer;
      void this.context.clock.sleep(1000, timer.signal).then((fired) => {
        if (!fired) return;
        const active = workspace.active();
        if (active.doc.uri === event.doc.uri) this.ring.pickAround(active.line, active);
        else this.ring.pickWhole({ doc: event.doc, dirty: false });
      });
    }
  }

  counters(): StrategyCounters {
    return {
      cacheHits: this.count.cacheHits,
      typedAheadHits: this.count.typedAheadHits,
      inFlightReuses: 0,
      prefetches: this.count.futureRequests,
      snippets: this.ring.chunks.length,
      backgroundErrors: this.count.backgroundErrors,
    };
  }

  dispose(): void {
    this.stop.abort();
    this.saveTimer?.abort();
  }

  private async complete(r: StrategyRequest, timer: OverheadTimer): Promise<CompletionSuggestion | null> {
    this.ring.lastCompletionStart = this.context.clock.now();
    const ctx = localContext(r.doc, r.position, this.config);
    if (ctx.lineSuffix.length > this.config.maxLineSuffix) return null; // automatic trigger only
    const key = ResultCache.key(ctx.inputPrefix, ctx.inputSuffix, ctx.prompt);
    const found = this.cache.lookup(ctx.inputPrefix, ctx.inputSuffix, ctx.prompt);
    let completions: string[];
    if (found) {
      completions = found.completions;
      if (found.typedAhead) this.count.typedAheadHits++;
      else this.count.cacheHits++;
    } else {
      if (r.signal.aborted) return null;
      timer.pause();
      const answer = await this.ask(ctx, ctx.nindent);
      timer.resume();
      completions = completionsOf(answer);
    }
    if (completions.length === 0) return null;
    const shown: string[] = [];
    let firstLines: string[] = [];
    for (const completion of completions) {
      const lines = suggestionLines(completion);
      if (shouldDiscard(lines, r.doc, r.position, ctx.linePrefix, ctx.lineSuffix)) continue;
      shown.push(updateSuggestion(lines, ctx.lineSuffix));
      if (firstLines.length === 0) firstLines = lines;
    }
    if (shown.length === 0) return null;
    if (!found) this.cache.put(key, shown);
    // setTimeout(0) in the extension: runs after the suggestion is returned.
    void Promise.resolve().then(() => this.afterShown(ctx, firstLines, r));
    const insertText = removeLeadingSpaces(shown[0]!, ctx.spacesToRemove);
    return {
      insertText,
      range: { start: r.position, end: r.position },
      source: found ? (found.typedAhead ? 'typedAhead' : 'cache') : 'model',
      multiline: insertText.includes('\n'),
    };
  }

  /** One /infill completion request; the first answer goes through the oracle when there is one. */
  private async ask(
    ctx: Pick<LocalContext, 'inputPrefix' | 'inputSuffix' | 'prompt'>,
    nindent: number,
  ): Promise<unknown> {
    const answer = await this.context.client.infill(infillRequest(ctx, this.ring.chunks, nindent, this.config));
    const oracle = this.context.oracle;
    if (!oracle) return answer;
    const results = Array.isArray(answer) ? [...(answer as unknown[])] : [answer];
    const first = results[0] as { content?: unknown } | undefined;
    if (!first || typeof first.content !== 'string') return answer;
    results[0] = { ...first, content: oracle.answer(ctx.inputPrefix + ctx.prompt, first.content) };
    return Array.isArray(answer) ? results : results[0];
  }

  private async afterShown(ctx: LocalContext, lines: string[], r: StrategyRequest): Promise<void> {
    if (this.stop.signal.aborted) return;
    if (!r.signal.aborted && ctx.lineSuffix.trim() === '') {
      try {
        await this.cacheFutureSuggestion(ctx, lines);
      } catch {
        this.count.backgroundErrors++; // the extension's setTimeout callback would log it
      }
      this.cacheFutureAcceptLine(ctx, lines);
    }
    if (!r.signal.aborted) this.ring.afterCompletion(r.position.line, { doc: r.doc, dirty: true });
  }

  private async cacheFutureSuggestion(ctx: LocalContext, lines: string[]): Promise<void> {
    let prefix = ctx.inputPrefix;
    let prompt = ctx.prompt + lines[0];
    if (lines.length > 1) {
      prefix = ctx.inputPrefix + ctx.prompt + lines.slice(0, -1).join('\n') + '\n';
      prompt = lines[lines.length - 1]!;
      const prefixLines = prefix.slice(0, -1).split(/\r?\n/);
      if (prefixLines.length > this.config.nPrefix)
        prefix = prefixLines.slice(prefixLines.length - this.config.nPrefix).join('\n') + '\n';
    }
    const key = ResultCache.key(prefix, ctx.inputSuffix, prompt);
    if (this.cache.get(key) !== undefined) return;
    this.count.futureRequests++;
    const answer = await this.ask(
      { inputPrefix: prefix, inputSuffix: ctx.inputSuffix, prompt },
      ctx.prompt.length - ctx.prompt.trimStart().length,
    );
    // As written: `futureData.content` is undefined when the server answers a list (n_cmpl > 1).
    const content = (answer as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || content.trim() === '') return;
    this.cache.put(
      key,
      completionsOf(answer).map((s) => suggestionLines(s).join('\n')),
    );
  }

  private cacheFutureAcceptLine(ctx: LocalContext, lines: string[]): void {
    if (lines.length <= 1) return;
    const key = ResultCache.key(ctx.inputPrefix + ctx.prompt + lines[0] + '\n', ctx.inputSuffix, '');
    if (this.cache.get(key) === undefined) this.cache.put(key, [lines.slice(1).join('\n')]);
  }

  /** periodicRingBufferUpdate every ring_update_ms, for as long as the strategy lives. */
  private tickRing(): void {
    void this.context.clock.sleep(this.config.ringUpdateMs, this.stop.signal).then((fired) => {
      if (!fired) return;
      if (this.ring.periodicUpdate()) {
        // updateExtraContext: fire and forget.
        this.context.client.infill(ringUpdateRequest(this.ring.chunks, this.config)).catch(() => {
          this.count.backgroundErrors++;
        });
      }
      this.tickRing();
    });
  }
}
