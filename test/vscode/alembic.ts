// Helpers for the extension-host tests: the running Alembic extension and waits on its engine.
import * as vscode from 'vscode';
import type { AlembicApi } from '../../src/vscode/extension';
import type { EngineState } from '../../src/engine/client/engineClient';

export const EXTENSION_ID = 'alembic.alembic';

export async function alembic(): Promise<{ extension: vscode.Extension<AlembicApi>; api: AlembicApi }> {
  const extension = vscode.extensions.getExtension<AlembicApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded`);
  const api = await extension.activate();
  return { extension, api };
}

/** Resolves with the engine state once `accept` holds (checked now and on every change). */
export function engineState(
  api: AlembicApi,
  what: string,
  accept: (s: EngineState) => boolean,
  timeoutMs = 45_000,
): Promise<EngineState> {
  return new Promise((resolve, reject) => {
    const done = (s: EngineState) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    };
    const timer = setTimeout(() => {
      sub.dispose();
      reject(
        new Error(
          `timed out after ${timeoutMs / 1000} s waiting for ${what}; the engine is ${JSON.stringify({ ...api.engine.state, gpu: undefined })}`,
        ),
      );
    }, timeoutMs);
    const sub = api.engine.onDidChangeState((s) => {
      if (accept(s)) done(s);
    });
    if (accept(api.engine.state)) done(api.engine.state);
  });
}

export const isReadyWithTestModel = (s: EngineState) =>
  s.phase === 'ready' && s.models.completion?.name === 'Alembic Test Tiny';

/** Polls `check` every 50 ms until it returns a value (for what the workbench reports a moment later). */
export async function waitUntil<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Show = (message: string, ...rest: unknown[]) => Thenable<unknown>;

/** Records the notifications commands show (answering none), and restores the real ones. */
export function recordNotifications(): { shown: { level: string; message: string }[]; restore(): void } {
  const window = vscode.window as unknown as Record<string, Show>;
  const shown: { level: string; message: string }[] = [];
  const originals = new Map<string, Show>();
  for (const [name, level] of [
    ['showInformationMessage', 'info'],
    ['showWarningMessage', 'warning'],
    ['showErrorMessage', 'error'],
  ] as const) {
    originals.set(name, window[name]!);
    window[name] = (message: string) => {
      shown.push({ level, message });
      return Promise.resolve(undefined);
    };
  }
  return { shown, restore: () => originals.forEach((fn, name) => (window[name] = fn)) };
}
