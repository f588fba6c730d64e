// The one error the GGUF pre-check throws. Its message is written for the user who picked the file
// (what is wrong and, where it helps, what to do); its code lets callers react without parsing it.

export type GgufCheckErrorCode =
  /** No file at the path. */
  | 'not-found'
  /** The path is a directory, a device, a pipe: not a regular file. */
  | 'not-a-file'
  /** The file exists but cannot be opened or read (permissions, I/O error). */
  | 'unreadable'
  /** Empty, or not a GGUF file at all (an HTML page, a Git LFS pointer, another model format). */
  | 'not-gguf'
  /** A GGUF version this build cannot read (1 is obsolete; above 3 is newer than llama.cpp here). */
  | 'unsupported-version'
  /** The file ends before what its header describes: an interrupted download or a lying length. */
  | 'truncated'
  /** A count, length or size beyond the limits the pre-check accepts. */
  | 'too-large'
  /** Structurally invalid: unknown types, bad dimensions, misaligned or overlapping tensors. */
  | 'malformed'
  /** A well-formed GGUF that cannot serve as a language model (no architecture, no vocabulary). */
  | 'not-a-model';

export class GgufCheckError extends Error {
  override readonly name = 'GgufCheckError';

  constructor(
    readonly code: GgufCheckErrorCode,
    message: string,
    /** Byte offset in the file where the problem was found, when it is at one place. */
    readonly offset?: number,
  ) {
    super(message);
  }
}

export function isGgufCheckError(error: unknown): error is GgufCheckError {
  return error instanceof GgufCheckError;
}
