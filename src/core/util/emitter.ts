// The one event shape of the core, VS Code's: `event(listener) → Disposable`, so a core event can
// be registered in a DisposableStore like any VS Code event, and VS Code code can subscribe to it.
import { consoleLogger, type Logger } from './logger';

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();

  /** `log` hears about listeners that throw (default: stderr). */
  constructor(private readonly log: Pick<Logger, 'error'> = consoleLogger) {}

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  /** Calls every listener. One that throws does not stop the others or the emitter's owner; its
   * error is reported, because a swallowed error is a bug nobody can find. */
  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (e) {
        this.log.error('an event listener failed', e);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
