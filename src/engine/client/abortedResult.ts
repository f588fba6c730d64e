// The answer to a generation aborted before it reached the engine (the client's one abort rule:
// an aborted generation resolves with stopReason "abort", it never rejects). The shared engine's
// host answers a request aborted in its queue the same way.
import type { EngineRequests, TokenAccounting } from '../../core/engine/protocol';

export type Generation = 'complete' | 'prefill' | 'chat';

const NO_WORK: TokenAccounting = {
  promptTokens: 0,
  evaluatedTokens: 0,
  reusedTokens: 0,
  generatedTokens: 0,
  timeToFirstTokenMs: 0,
  tokensPerSecond: 0,
  totalMs: 0,
};

export function abortedResult<K extends Generation>(kind: K): EngineRequests[K]['result'] {
  const accounting = { ...NO_WORK };
  const results: { [G in Generation]: EngineRequests[G]['result'] } = {
    complete: { text: '', stopReason: 'abort', accounting, replayed: false },
    prefill: { accounting },
    chat: { text: '', thought: '', stopReason: 'abort', accounting },
  };
  return results[kind];
}
