// Next-edit generation on the nextEdit sequence. A next-edit answer rewrites a region of the file
// and mostly copies it, so the sequence carries an input-lookup token predictor (node-llama-cpp's
// prompt-lookup decoding): where the tokens generated so far also occur in the prompt, the tokens
// that followed them there are proposed as a draft and checked in one batch, and every draft token
// the model agrees with costs no step of its own. The predictor can be switched off per request,
// so the benchmark measures the same sequence with and without it.
//
// Like completions, a prompt is compared with the tokens already in the KV cache and only the part
// after the first difference is evaluated (the formats put what changes last). Completions come
// first: an inline completion arriving while a next edit runs aborts it (`preempt`), so a
// suggestion at the cursor never waits behind a rewrite somewhere else.
import type { LlamaContextSequence, LlamaModel, Token, TokenPredictor } from 'node-llama-cpp';
import type { NextEditParams, NextEditResult, StopReason } from '../../core/engine/protocol';
import { alignSequence, checkFits, readUntilStop, tokenizeSegments } from './generation';
import { EngineError } from './engineError';
import type { LlamaRuntime } from './llamaRuntime';
import { Stopwatch } from './stopwatch';

type NodeLlamaCpp = typeof import('node-llama-cpp');

const NEXT_EDIT_PRIORITY = 2;
/** Smaller than a completion's chunk: a pre-empting completion waits at most one chunk. */
const PROMPT_CHUNK_TOKENS = 32;

/** The predictor the nextEdit sequence is created with: input lookup that a request can turn off. */
export interface SwitchablePredictor extends TokenPredictor {
  enabled: boolean;
}

export function createInputLookupPredictor(lib: NodeLlamaCpp): SwitchablePredictor {
  class Switchable extends lib.TokenPredictor implements SwitchablePredictor {
    enabled = true;
    // Patterns of two tokens or more (one token matches everywhere in code); drafts up to 10.
    private readonly inner = new lib.InputLookupTokenPredictor({
      patternLength: { min: 2 },
      predictionLength: { max: 10 },
    });

    reset(params: Parameters<TokenPredictor['reset']>[0]): void {
      this.inner.reset(params);
    }
    pushTokens(tokens: Token[]): void {
      this.inner.pushTokens(tokens);
    }
    predictTokens(): Token[] {
      return this.enabled ? this.inner.predictTokens() : [];
    }
    override updateInputTokens(tokens: Token[]): void {
      this.inner.updateInputTokens(tokens);
    }
    override dispose(): void {
      this.inner.dispose();
    }
  }
  return new Switchable();
}

export class NextEditRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private running?: AbortController;

  constructor(private readonly runtime: LlamaRuntime) {}

  run(params: NextEditParams, signal: AbortSignal): Promise<NextEditResult> {
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const run = this.queue.then(
      () => this.generate(params, controller),
      () => this.generate(params, controller),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** An inline completion needs the machine: stop the running next edit (it answers "abort"). */
  preempt(): void {
    this.running?.abort();
  }

  private target(): { sequence: LlamaContextSequence; model: LlamaModel } {
    const slot = this.runtime.slotFor('nextEdit');
    const sequence = slot?.roles.nextEdit?.sequence;
    if (!slot || !sequence) throw new EngineError('noModel', 'No next-edit model is loaded.');
    return { sequence, model: slot.model };
  }

  private async generate(params: NextEditParams, controller: AbortController): Promise<NextEditResult> {
    this.running = controller;
    try {
      return await this.evaluate(params, controller.signal);
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  private async evaluate(params: NextEditParams, signal: AbortSignal): Promise<NextEditResult> {
    const watch = new Stopwatch(params.timeoutMs, signal);
    const { sequence, model } = this.target();
    // The last segment is the answer's header: drafts are looked up in everything before it.
    const source = tokenizeSegments(model, params.segments.slice(0, -1), true);
    const prompt = [...source, ...tokenizeSegments(model, params.segments.slice(-1), true)];
    if (prompt.length === 0) throw new EngineError('badRequest', 'The prompt is empty.');
    checkFits(prompt.length, 1, sequence.contextSize);
    const maxTokens = Math.min(params.maxTokens, sequence.contextSize - prompt.length);

    const predictor = sequence.tokenPredictor as SwitchablePredictor | undefined;
    if (predictor) {
      predictor.enabled = params.inputLookup ?? true;
      predictor.updateInputTokens(source);
    }
    const before = sequence.tokenPredictions;

    const reused = await alignSequence(sequence, prompt, prompt.length - 1);
    let evaluated = await evaluatePrompt(sequence, prompt.slice(reused, -1), watch);
    const output: Token[] = [];
    let text = '';
    let stopReason: StopReason = 'maxTokens';
    const early = watch.stopReason();
    if (early) {
      stopReason = early;
    } else {
      evaluated += 1;
      const generator = sequence.evaluate([prompt[prompt.length - 1]!], {
        temperature: 0,
        evaluationPriority: NEXT_EDIT_PRIORITY,
        yieldEogToken: true,
      });
      ({ text, stopReason } = await readUntilStop(generator, output, { model, watch, stop: params.stop, maxTokens }));
    }
    const after = sequence.tokenPredictions;
    const validated = after.validated - before.validated;
    const refuted = after.refuted - before.refuted;
    return {
      text,
      stopReason,
      accounting: watch.accounting(prompt.length, reused, evaluated, output.length),
      draftTokens: validated + refuted,
      acceptedDraftTokens: validated,
    };
  }
}

/** Evaluates prompt tokens in small chunks, stopping between chunks on abort or timeout. */
async function evaluatePrompt(sequence: LlamaContextSequence, tokens: Token[], watch: Stopwatch): Promise<number> {
  let done = 0;
  while (done < tokens.length && !watch.stopReason()) {
    const chunk = tokens.slice(done, done + PROMPT_CHUNK_TOKENS);
    await sequence.evaluateWithoutGeneratingNewTokens(chunk, { evaluationPriority: NEXT_EDIT_PRIORITY });
    done += chunk.length;
  }
  return done;
}
