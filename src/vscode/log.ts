// The one log channel ("Alembic" in the Output panel), with component tags: `log.child('engine')`.
import * as vscode from 'vscode';

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
  child(component: string): Logger;
}

export function createLogger(channel: vscode.LogOutputChannel, component?: string): Logger {
  const tag = (m: string) => (component ? `[${component}] ${m}` : m);
  return {
    trace: (m) => channel.trace(tag(m)),
    debug: (m) => channel.debug(tag(m)),
    info: (m) => channel.info(tag(m)),
    warn: (m) => channel.warn(tag(m)),
    error: (m, e) => channel.error(tag(e === undefined ? m : `${m}: ${describeError(e)}`)),
    child: (c) => createLogger(channel, component ? `${component}/${c}` : c),
  };
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return e.stack ?? e.message;
  return String(e);
}
