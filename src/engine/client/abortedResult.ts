// The answer to a generation aborted before it reached the engine (the client's one abort rule:
// an aborted generation resolves with stopReason "abort", it never rejects). The shared engine's
// host answers a request aborted in its queue the same way.
import type { EngineRequests } from '../../core/engine/protocol';
import { emptyAccounting } from '../../core/remote/serverBackend';

export type Generation = 'complete' | 'prefill' | 'chat';

export function abortedResult<K extends Generation>(kind: K): EngineRequests[K]['result'] {
  const accounting = emptyAccounting();
  const results: { [G in Generation]: EngineRequests[G]['result'] } = {
    complete: { text: '', stopReason: 'abort', accounting, replayed: false },
    prefill: { accounting },
    chat: { text: '', thought: '', stopReason: 'abort', accounting },
  };
  return results[kind];
}
