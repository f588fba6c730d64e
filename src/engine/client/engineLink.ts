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

/** A request's promise over either transport: `sendAbort` tells the engine to stop it when `signal`
 * aborts, and the abort listener goes once the request settles (a finished request must not keep
 * one per call on a long-lived signal). `register` keeps the settling functions with the request. */
export function abortableRequest<T>(
  signal: AbortSignal | undefined,
  sendAbort: () => void,
  register: (resolve: (value: T) => void, reject: (error: Error) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    signal?.addEventListener('abort', sendAbort, { once: true });
    const settle = () => signal?.removeEventListener('abort', sendAbort);
    register(
      (value) => {
        settle();
        resolve(value);
      },
      (error) => {
        settle();
        reject(error);
      },
    );
  });
}
