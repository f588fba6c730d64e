// Model files that crashed the engine while it loaded them (llama.cpp aborted, or the engine stopped
// responding and was killed). Loading such a file again would crash again, and a client that
// retried on every keystroke would crash-loop until its brake stopped the engine for everything.
// A file is known by its path, size and modification time: a re-downloaded or repaired file is a
// new file and gets a new chance. Kept in memory, and in a small JSON file when one is given (the
// extension's global storage), so the next session does not crash on the same file either.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface BadModel {
  path: string;
  size: number;
  mtimeMs: number;
  /** How it crashed the engine ("killed by SIGABRT", "stopped responding for 30 s"). */
  reason: string;
  /** When, as an ISO date. */
  at: string;
}

const MAX_ENTRIES = 50;

export class BadModelRegistry {
  private entries: BadModel[] = [];

  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (Array.isArray(parsed)) this.entries = parsed.filter(isBadModel).slice(-MAX_ENTRIES);
    } catch {
      // No record yet, or an unreadable one: start empty.
    }
  }

  /** The record for the file as it is on disk now, if that exact file crashed the engine. */
  find(path: string): BadModel | undefined {
    const now = fileIdentity(path);
    if (!now) return undefined;
    return this.entries.find((e) => e.path === path && e.size === now.size && e.mtimeMs === now.mtimeMs);
  }

  remember(path: string, reason: string): BadModel | undefined {
    const identity = fileIdentity(path);
    if (!identity) return undefined;
    const entry: BadModel = { path, ...identity, reason, at: new Date().toISOString() };
    this.entries = [...this.entries.filter((e) => e.path !== path), entry].slice(-MAX_ENTRIES);
    this.save();
    return entry;
  }

  /** Forget every file (the user restarted the engine to try again). */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(this.file, `${JSON.stringify(this.entries, null, 2)}\n`);
    } catch {
      // Not persisted: the in-memory record still protects this session.
    }
  }
}

function fileIdentity(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const s = statSync(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

function isBadModel(v: unknown): v is BadModel {
  const e = v as BadModel;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.path === 'string' &&
    typeof e.size === 'number' &&
    typeof e.mtimeMs === 'number' &&
    typeof e.reason === 'string' &&
    typeof e.at === 'string'
  );
}
