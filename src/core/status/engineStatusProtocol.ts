// The messages between the Engine Status webview (src/webview/status) and the extension
// (src/vscode/engineStatusView.ts). The page shows model strings and engine messages, so what it
// sends is checked like the chat's: a plain object of a known type with exactly its fields, and a
// command from a fixed list; anything else is dropped.
import type { EngineReport } from './engineReport';

/** What the page's buttons may ask for. */
export const STATUS_VIEW_COMMANDS = ['copy', 'refresh', 'selectModel', 'restartEngine', 'showLog'] as const;
export type StatusViewCommand = (typeof STATUS_VIEW_COMMANDS)[number];

export type ToStatusView = {
  type: 'report';
  report: EngineReport;
  /** The buttons that can do something now (no Restart without a model). */
  actions: StatusViewCommand[];
};

export type FromStatusView = { type: 'ready' } | { type: 'command'; command: StatusViewCommand };

export type StatusViewValidation = { ok: true; message: FromStatusView } | { ok: false; reason: string };

export function validateStatusViewMessage(raw: unknown): StatusViewValidation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const fields = Object.keys(raw);
  const type = (raw as { type?: unknown }).type;
  if (type === 'ready')
    return fields.length === 1 ? { ok: true, message: { type } } : { ok: false, reason: 'ready has extra fields' };
  if (type !== 'command') return { ok: false, reason: 'unknown message type' };
  if (fields.length !== 2 || !fields.includes('command')) return { ok: false, reason: 'command has other fields' };
  const command = (raw as { command?: unknown }).command;
  if (typeof command !== 'string' || !(STATUS_VIEW_COMMANDS as readonly string[]).includes(command))
    return { ok: false, reason: 'unknown command' };
  return { ok: true, message: { type, command: command as StatusViewCommand } };
}
