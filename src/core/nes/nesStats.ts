// Counters and figures of the next-edit pipeline: what the status item's tooltip, the CLI's --json
// and the benchmark report. Latencies are kept for the model's answers only (the cache and the
// rewrite's remaining edits answer at once).
import type { NextEditResult } from '../engine/protocol';

export type NesCounter = 'requests' | 'modelCalls' | 'cacheHits' | 'restHits' | 'shownEdits' | 'accepted' | 'dismissed';

export interface NesTotals extends Record<NesCounter, number> {
  promptTokens: number;
  evaluatedTokens: number;
  generatedTokens: number;
  draftTokens: number;
  acceptedDraftTokens: number;
}

const RECENT = 50;

export class NesStats {
  private readonly totals: NesTotals = {
    requests: 0,
    modelCalls: 0,
    cacheHits: 0,
    restHits: 0,
    shownEdits: 0,
    accepted: 0,
    dismissed: 0,
    promptTokens: 0,
    evaluatedTokens: 0,
    generatedTokens: 0,
    draftTokens: 0,
    acceptedDraftTokens: 0,
  };
  private readonly latencies: number[] = [];
  private readonly speeds: number[] = [];

  count(counter: NesCounter): void {
    this.totals[counter]++;
  }

  engine(result: NextEditResult): void {
    const a = result.accounting;
    this.totals.promptTokens += a.promptTokens;
    this.totals.evaluatedTokens += a.evaluatedTokens;
    this.totals.generatedTokens += a.generatedTokens;
    this.totals.draftTokens += result.draftTokens;
    this.totals.acceptedDraftTokens += result.acceptedDraftTokens;
    if (a.tokensPerSecond > 0) push(this.speeds, a.tokensPerSecond);
  }

  shown(suggestion: { source: string; latencyMs: number }): void {
    this.totals.shownEdits++;
    if (suggestion.source === 'model') push(this.latencies, suggestion.latencyMs);
  }

  snapshot(): NesTotals & { lastLatencyMs?: number; lastTokensPerSecond?: number } {
    return {
      ...this.totals,
      lastLatencyMs: this.latencies[this.latencies.length - 1],
      lastTokensPerSecond: this.speeds[this.speeds.length - 1],
    };
  }
}

function push(list: number[], value: number): void {
  list.push(value);
  if (list.length > RECENT) list.shift();
}
