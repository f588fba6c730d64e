// Token counts estimated from characters. The tokenizer lives in the engine process, and asking it
// on every keystroke would cost a round trip, so the layout estimates and the engine reports the
// exact count afterwards. The estimate is meant to err high: ASCII code is counted at
// `charsPerToken` (code tokenizers average 3.5–4.5), every other UTF-16 unit as two tokens (a
// byte-level tokenizer needs at most 2 per unit for BMP text, 4 per surrogate pair). When the
// engine reports more tokens than estimated, `observe` lowers the ratio so later prompts fit.

export class TokenEstimator {
  constructor(private ratio = 3.2) {}

  get charsPerToken(): number {
    return this.ratio;
  }

  /** Estimated tokens of a text; never less than `lowerBound(text.length)`. Scans the text once. */
  estimate(text: string): number {
    let nonAscii = 0;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) nonAscii++;
    return Math.ceil((text.length - nonAscii) / this.ratio) + 2 * nonAscii;
  }

  /** The least `estimate` can return for a text of this length: lets callers reject a huge line
   * without scanning it. */
  lowerBound(length: number): number {
    return Math.ceil(length / this.ratio);
  }

  /** Characters of ASCII text that fit in `tokens`. */
  charsFor(tokens: number): number {
    return Math.max(0, Math.floor(tokens * this.ratio));
  }

  /** Learn from an exact count reported by the engine: when the estimate was low, shrink the ratio
   * (with 10% headroom) so the next prompts are estimated high again. Never grows it back. */
  observe(estimatedTokens: number, actualTokens: number): void {
    if (estimatedTokens <= 0 || actualTokens <= estimatedTokens) return;
    this.ratio = Math.max(1, (this.ratio * estimatedTokens) / actualTokens / 1.1);
  }
}
