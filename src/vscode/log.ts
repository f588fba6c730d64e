// The one log channel ("Alembic" in the Output panel) behind the core's Logger interface, with
// component tags: `log.child('engine')`.
import type * as vscode from 'vscode';
import { createLogger, type Logger } from '../core/util/logger';

export type { Logger } from '../core/util/logger';

export function createChannelLogger(channel: vscode.LogOutputChannel): Logger {
  return createLogger((level, line) => channel[level](line));
}
