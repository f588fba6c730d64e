// Binds the prompt parts to one loaded model: its template, the budgets fitted to its context
// size, and the final check that a rendered prompt plus the generation cap fits the context. The
// engine rejects a prompt that does not fit (it never cuts it), and node-llama-cpp's own habit of
// cutting the prefix from the left would destroy KV-cache reuse anyway, so the check happens here,
// on estimated tokens that err high; when the extra context would overflow, its oldest snippets
// are left out.
import type { CompleteParams, PromptSegment } from '../engine/protocol';
import type { CompletionSettings } from './completionSettings';
import { displayPath, type CompletionDocument, type Position } from './documentWindow';
import type { ContextSnippet } from './extraContext';

/** Where the assembler takes its snippets from (the pipeline's committed view of the ring). */
export interface SnippetSource {
  snippets(): readonly ContextSnippet[];
  setTokenBudget(tokens: number): void;
}
import { selectFimTemplate, type FimModel, type FimTemplate } from './fimTemplates';
import {
  buildCompletionContext,
  fitBudgets,
  prefixPieces,
  suffixText,
  type CompletionContext,
  type LayoutBudgets,
  type LayoutOptions,
} from './promptLayout';
import type { TokenEstimator } from './tokenEstimate';

/** The completion model as the pipeline needs it. */
export interface CompletionModel extends FimModel {
  /** Identifies the model in cache keys (its path, or name and quantization). */
  id: string;
  /** Tokens the completion sequence holds. */
  contextSize: number;
}

export interface RenderedPrompt {
  segments: PromptSegment[];
  estimatedTokens: number;
  /** Snippets of extra context left in. */
  snippets: number;
}

export class PromptAssembler {
  readonly template: FimTemplate;
  readonly budgets: LayoutBudgets;
  private readonly layout: LayoutOptions;

  /** Throws NoFimSupportError for a model that cannot fill in the middle. */
  constructor(
    readonly model: CompletionModel,
    private readonly settings: CompletionSettings,
    private readonly estimator: TokenEstimator,
    private readonly extra: SnippetSource,
    private readonly repoName: string,
  ) {
    this.template = selectFimTemplate(model);
    this.budgets = fitBudgets(settings, model.contextSize);
    this.layout = {
      chunkLines: settings.chunkLines,
      maxPrefixLines: settings.maxPrefixLines,
      maxSuffixLines: settings.maxSuffixLines,
      maxLinePrefixChars: 400,
      maxLineSuffixChars: 200,
    };
    extra.setTokenBudget(this.budgets.extraContextTokens);
  }

  contextAt(doc: CompletionDocument, position: Position): CompletionContext {
    return buildCompletionContext(doc, position, this.budgets, this.estimator, this.layout);
  }

  /** The prompt for a context, or undefined when even without extra context it would not fit. */
  render(ctx: CompletionContext, doc: Pick<CompletionDocument, 'uri' | 'relativePath'>): RenderedPrompt | undefined {
    let snippets = this.extra.snippets();
    const room = this.model.contextSize - this.budgets.maxTokens;
    for (;;) {
      const segments = this.template.render({
        prefix: prefixPieces(ctx),
        middleStart: ctx.linePrefix,
        suffix: suffixText(ctx),
        path: displayPath(doc),
        languageId: ctx.languageId,
        repoName: this.repoName,
        snippets,
      });
      const estimatedTokens = this.estimate(segments);
      if (estimatedTokens <= room) return { segments, estimatedTokens, snippets: snippets.length };
      if (snippets.length === 0) return undefined;
      snippets = snippets.slice(1);
    }
  }

  /** Request parameters: greedy (so a repeat can be replayed), the family's stops, and a line
   * break as a stop for single-line suggestions (no tokens spent on lines that would be cut).
   * The pipeline passes the timeout it reads live. */
  completeParams(prompt: RenderedPrompt, multiline: boolean, timeoutMs = this.settings.timeoutMs): CompleteParams {
    return {
      segments: prompt.segments,
      maxTokens: this.budgets.maxTokens,
      timeoutMs,
      stop: multiline ? [...this.template.stop] : [...this.template.stop, '\n'],
      temperature: 0,
      // Every template ends with the typed part of the cursor line, when there is one.
      healLastToken: this.settings.tokenHealing,
    };
  }

  estimate(segments: readonly PromptSegment[]): number {
    let tokens = 0;
    for (const s of segments) tokens += 'special' in s ? 1 : this.estimator.estimate(s.text) + 1;
    return tokens;
  }
}
