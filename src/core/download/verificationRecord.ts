// The record a finished download leaves beside its file (`<name>.gguf.verified`): what was checked
// when it completed (its size, its SHA-256 and what that was compared with) and the size and
// modification time the file had then. "Already downloaded" trusts a file only through its record:
// a file that merely starts with "GGUF" may be the first 37% of one, and a record whose size or
// time no longer match the file describes another file.
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';

export const VERIFIED_SUFFIX = '.verified';

export interface VerificationRecord {
  version: 1;
  fileName: string;
  bytes: number;
  sha256: string;
  /** What the file was compared with when it completed: an expected SHA-256 (the caller's or the
   * one the server announced), or only the length the server stated. */
  verifiedAgainst: 'caller' | 'server' | 'length';
  /** The file's modification time when the record was written. */
  mtimeMs: number;
  completedAt: string;
  url: string;
}

const MAX_RECORD_BYTES = 4096;

function parseRecord(text: string): VerificationRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<VerificationRecord>;
    const ok =
      r.version === 1 &&
      typeof r.fileName === 'string' &&
      Number.isSafeInteger(r.bytes) &&
      typeof r.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(r.sha256) &&
      (r.verifiedAgainst === 'caller' || r.verifiedAgainst === 'server' || r.verifiedAgainst === 'length') &&
      typeof r.mtimeMs === 'number';
    return ok ? (r as VerificationRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** The record of the file at `path` when it still describes that file (same size and modification
 * time), else undefined. A missing, unreadable or malformed record is the same as none. */
export async function readVerificationRecord(path: string): Promise<VerificationRecord | undefined> {
  const [text, info] = await Promise.all([
    readFile(path + VERIFIED_SUFFIX, 'utf8').catch(() => undefined),
    stat(path).catch(() => undefined),
  ]);
  if (text === undefined || text.length > MAX_RECORD_BYTES || !info?.isFile()) return undefined;
  const record = parseRecord(text);
  if (!record || record.bytes !== info.size || record.mtimeMs !== info.mtimeMs) return undefined;
  return record;
}

/** Writes the record for the file at `path` as it is now (written aside and renamed, so a crash
 * never leaves half a record). */
export async function writeVerificationRecord(
  path: string,
  fields: Omit<VerificationRecord, 'version' | 'bytes' | 'mtimeMs' | 'completedAt'>,
): Promise<VerificationRecord> {
  const info = await stat(path);
  const record: VerificationRecord = {
    version: 1,
    ...fields,
    bytes: info.size,
    mtimeMs: info.mtimeMs,
    completedAt: new Date().toISOString(),
  };
  const temp = `${path}${VERIFIED_SUFFIX}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(record, null, 2));
  await rename(temp, path + VERIFIED_SUFFIX);
  return record;
}

/** Removes the record (before the file it describes is replaced). */
export async function removeVerificationRecord(path: string): Promise<void> {
  await unlink(path + VERIFIED_SUFFIX).catch(() => undefined);
}
