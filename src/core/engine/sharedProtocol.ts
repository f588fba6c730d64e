// The shared engine's wire protocol: the engine protocol (protocol.ts) itself, carried over a local
// socket as newline-delimited JSON, plus the few frames that only a shared engine needs: the
// greeting with its token and version, the host's answer, the host's own status, and the notice
// that the engine process ended. Request ids are the connection's own: the host maps them, so a
// window never sees another window's ids, chunks or answers.
import type { FromEngine, ToEngine } from './protocol';

/** The first frame on every connection. */
export interface SharedHello {
  type: 'hello';
  /** The contents of the 0600 token file: proof that the client runs as the same user. */
  token: string;
  /** The client's Alembic version: a newer one replaces an older host once it is idle. */
  version: string;
  /** The client's process id, for the host's log and status. */
  pid: number;
  /** What the client is ("VS Code window", "alembic serve"), for the host's status. */
  label: string;
}

export interface SharedWelcome {
  type: 'welcome';
  version: string;
  hostPid: number;
  /** The engine process the host runs (undefined until its first start). */
  enginePid?: number;
}

/** The host will not serve this client: a wrong token, or an older host that is retiring for a
 * newer client (it stops listening at once and exits when its last request is answered). */
export interface SharedRefused {
  type: 'refused';
  reason: 'token' | 'outdated' | 'protocol';
  message: string;
}

/** The host's own figures (the engine's are in the `status` request). */
export interface SharedHostStatusRequest {
  type: 'hostStatus';
  id: number;
}

export interface SharedHostStatus {
  type: 'hostStatus';
  id: number;
  version: string;
  hostPid: number;
  enginePid?: number;
  clients: { pid: number; label: string; version: string }[];
  /** Model loads the engine performed since the host started (a load of what is loaded is not one). */
  modelLoads: number;
  /** Engine processes the host started. */
  engineStarts: number;
}

/** The engine process ended (a crash, or killed for passing a cap); the host exits right after. */
export interface SharedEngineExit {
  type: 'engineExit';
  code: number | null;
  signal: string | null;
  /** Set when the host killed a wedged engine: what it was doing. */
  killedFor?: { kind: string; message: string };
}

export type ToSharedEngine = ToEngine | SharedHello | SharedHostStatusRequest;
export type FromSharedEngine = FromEngine | SharedWelcome | SharedRefused | SharedHostStatus | SharedEngineExit;

/** A frame longer than this ends the connection: a request is a prompt of at most a few MB. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Splits a byte stream into JSON frames, one per line. */
export class FrameReader<T> {
  private buffered = '';

  constructor(
    private readonly onFrame: (frame: T) => void,
    private readonly onError: (message: string) => void,
  ) {}

  push(data: Buffer | string): void {
    this.buffered += typeof data === 'string' ? data : data.toString('utf8');
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (!line.trim()) continue;
      let frame: unknown;
      try {
        frame = JSON.parse(line);
      } catch {
        this.onError('a frame is not JSON');
        return;
      }
      if (typeof frame !== 'object' || frame === null || typeof (frame as { type?: unknown }).type !== 'string') {
        this.onError('a frame has no type');
        return;
      }
      this.onFrame(frame as T);
    }
    if (this.buffered.length > MAX_FRAME_BYTES) {
      this.buffered = '';
      this.onError(`a frame is longer than ${MAX_FRAME_BYTES} bytes`);
    }
  }
}

export function encodeFrame(frame: ToSharedEngine | FromSharedEngine): string {
  return `${JSON.stringify(frame)}\n`;
}

/** Compares two "major.minor.patch" versions (anything after a '-' is ignored): <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .split('-')[0]!
      .split('.')
      .map((n) => Number.parseInt(n, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
