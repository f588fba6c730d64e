// The servers' commands, registered through the command registry like every feature's:
// "Alembic: Set API Key…", "Alembic: Clear API Key" and "Alembic: Check the Server Again".
import type * as vscode from 'vscode';
import type { CommandRegistry } from '../commands';
import type { EngineService } from '../engineService';

export const SERVER_COMMANDS = ['alembic.setApiKey', 'alembic.clearApiKey', 'alembic.retryServer'] as const;

export function registerServerCommands(engine: EngineService, commands: CommandRegistry): vscode.Disposable[] {
  return [
    commands.registerCommand('alembic.setApiKey', (origin?: string) => engine.apiKeys.setInteractively(origin)),
    commands.registerCommand('alembic.clearApiKey', (origin?: string) => engine.apiKeys.clearInteractively(origin)),
    commands.registerCommand('alembic.retryServer', () => engine.servers.retry()),
  ];
}
