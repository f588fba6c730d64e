// The one logging interface of the code base. The extension writes to its "Alembic" output channel,
// the engine process sends its lines to the client over IPC, the CLI writes to stderr, and tests
// pass `silentLogger` or a recording one; every component takes a Logger and never knows which.
// A component gets its tag from `child('name')`, once, where it is created: its lines read
// "[completion] …", never "[completion] [completion] …".

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** `error`, when given, is appended with its stack. */
  error(message: string, error?: unknown): void;
  /** A logger whose lines carry `[component]` (nested: `[parent/component]`). */
  child(component: string): Logger;
}

/** Where a logger's finished lines go. */
export type LogSink = (level: LogLevel, line: string) => void;

/** A Logger over a sink: tags lines with the component and appends errors with their stacks. */
export function createLogger(sink: LogSink, component?: string): Logger {
  const tag = (m: string) => (component ? `[${component}] ${m}` : m);
  return {
    trace: (m) => sink('trace', tag(m)),
    debug: (m) => sink('debug', tag(m)),
    info: (m) => sink('info', tag(m)),
    warn: (m) => sink('warn', tag(m)),
    error: (m, e) => sink('error', tag(e === undefined ? m : `${m}: ${describeError(e)}`)),
    child: (c) => createLogger(sink, component ? `${component}/${c}` : c),
  };
}

/** Drops every line (tests, and callers that asked for quiet). */
export const silentLogger: Logger = createLogger(() => undefined);

/** Writes warnings and errors to stderr: for code that was given no logger, so nothing is lost. */
export const consoleLogger: Logger = createLogger((level, line) => {
  if (level === 'warn' || level === 'error') console.error(`[alembic ${level}] ${line}`);
});

export function describeError(e: unknown): string {
  if (e instanceof Error) return e.stack ?? e.message;
  return String(e);
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}
