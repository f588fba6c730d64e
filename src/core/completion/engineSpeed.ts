// How fast the engine is, from its own timings: every answer's accounting says how many prompt
// tokens it evaluated before its first token and how fast it generated after it. The pipeline uses
// the figures to decide whether a call is cheap enough to make at once, without waiting for the
// typing pause: on a GPU a one-line answer takes about as long as the user's pause between keys,
// on a laptop CPU several times that. Figures are moving averages, so they follow a machine whose
// load changes; the backend's name never enters.
import type { TokenAccounting } from '../engine/protocol';

/** Weight of the newest observation in the moving averages. */
const WEIGHT = 0.3;
/** Fewer evaluated tokens than this say more about a call's fixed cost than about the speed. */
const MIN_PROMPT_SAMPLE = 16;

export class EngineSpeed {
  private promptMsPerToken?: number;
  private generatedMsPerToken?: number;
  private answerTokens?: number;
  /** Time before the first token that does not grow with the prompt (a call's fixed cost). */
  private callMs?: number;

  /** Learns from one answer's accounting (an aborted call's too: its timings are as real). */
  observe(a: TokenAccounting, finished: boolean): void {
    if (a.generatedTokens >= 2 && a.tokensPerSecond > 0)
      this.generatedMsPerToken = average(this.generatedMsPerToken, 1000 / a.tokensPerSecond);
    if (a.generatedTokens >= 1 && a.timeToFirstTokenMs > 0) {
      // The first token is generated too: what is left is the prompt's evaluation.
      const promptMs = Math.max(0, a.timeToFirstTokenMs - (this.generatedMsPerToken ?? 0));
      if (a.evaluatedTokens >= MIN_PROMPT_SAMPLE)
        this.promptMsPerToken = average(this.promptMsPerToken, promptMs / a.evaluatedTokens);
      else this.callMs = average(this.callMs, Math.max(0, promptMs - a.evaluatedTokens * (this.promptMsPerToken ?? 0)));
    }
    if (finished) this.answerTokens = average(this.answerTokens, a.generatedTokens);
  }

  /** A prefill evaluates without generating: its whole time is prompt evaluation. */
  observePrefill(a: TokenAccounting): void {
    if (a.evaluatedTokens >= MIN_PROMPT_SAMPLE && a.totalMs > 0)
      this.promptMsPerToken = average(this.promptMsPerToken, a.totalMs / a.evaluatedTokens);
  }

  /** What the engine is measured at, for the log and the tests. */
  get figures(): { promptTokensPerSecond?: number; generatedTokensPerSecond?: number; answerTokens?: number } {
    return {
      promptTokensPerSecond: this.promptMsPerToken ? 1000 / this.promptMsPerToken : undefined,
      generatedTokensPerSecond: this.generatedMsPerToken ? 1000 / this.generatedMsPerToken : undefined,
      answerTokens: this.answerTokens,
    };
  }

  /** How long a call that evaluates `evaluatedTokens` and writes a usual answer takes, in ms;
   * undefined until both speeds have been measured. */
  projectMs(evaluatedTokens: number): number | undefined {
    if (this.promptMsPerToken === undefined || this.generatedMsPerToken === undefined) return undefined;
    const answer = this.answerTokens ?? 16;
    return (this.callMs ?? 0) + evaluatedTokens * this.promptMsPerToken + answer * this.generatedMsPerToken;
  }
}

function average(previous: number | undefined, value: number): number {
  return previous === undefined ? value : previous * (1 - WEIGHT) + value * WEIGHT;
}
