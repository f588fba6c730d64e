// What the client needs of an engine: its own child process (engineProcess.ts) or a connection to
// the shared engine every window uses (../shared/sharedEngineLink.ts). Both carry the same typed
// protocol; only the transport differs.
import type { EngineRequestKind, EngineRequests } from '../../core/engine/protocol';
import type { ProcessExit, RequestOptions } from './engineProcess';

export interface EngineLink {
  /** The engine process's id. */
  readonly pid: number | undefined;
  request<K extends EngineRequestKind>(
    kind: K,
    params: EngineRequests[K]['params'],
    options?: RequestOptions,
  ): Promise<EngineRequests[K]['result']>;
  /** Kinds of the requests in flight. */
  pendingKinds(): EngineRequestKind[];
  /** Called once when the engine is gone (its process ended, or the connection to it closed). */
  onDidExit(
    listener: (exit: ProcessExit, pending: { kind: EngineRequestKind; reject: (e: Error) => void }[]) => void,
  ): void;
  /** Lets go of the engine: ends an own process, or closes the connection to the shared one. */
  stop(): Promise<void>;
}
