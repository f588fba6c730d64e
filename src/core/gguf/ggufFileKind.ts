// What a file that does not start with "GGUF" probably is, so the user hears "this is an HTML page
// (the download saved a web page)" rather than "bad magic". The checks run on the first few bytes
// only; they are hints for the message, never a reason to accept a file.
import { GgufCheckError } from './ggufCheckError';

/** How many leading bytes describeNonGguf looks at. */
export const SNIFF_BYTES = 64;

/** Magic numbers of the pre-GGUF ggml formats, as the bytes they were written as (uint32 LE). */
const LEGACY_GGML_MAGICS = ['lmgg', 'fmgg', 'tjgg', 'algg']; // ggml, ggmf, ggjt, ggla

function startsWithText(head: Buffer): string {
  let text = head.toString('latin1');
  if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3); // UTF-8 byte order mark
  return text.trimStart().toLowerCase();
}

/** The error for a file whose first bytes (`head`, up to SNIFF_BYTES) are not a GGUF header. */
export function describeNonGguf(head: Buffer, fileSize: number): GgufCheckError {
  const fail = (message: string) => new GgufCheckError('not-gguf', message, 0);
  if (fileSize === 0) return fail('The file is empty (0 bytes), not a GGUF model.');
  const text = startsWithText(head);
  if (
    text.startsWith('<!doctype html') ||
    text.startsWith('<html') ||
    text.startsWith('<head') ||
    text.startsWith('<body')
  ) {
    return fail(
      'This is an HTML page, not a GGUF model: the download probably saved a web page (a login or error page) instead of the file.',
    );
  }
  if (text.startsWith('<')) return fail('This is an XML or HTML document, not a GGUF model.');
  if (text.startsWith('version https://git-lfs')) {
    return fail(
      'This is a Git LFS pointer, not the model itself: fetch the real file (git lfs pull, or download it from the model page).',
    );
  }
  if (text.startsWith('{') || text.startsWith('[')) return fail('This is a JSON or text file, not a GGUF model.');
  const magic = head.subarray(0, 4).toString('latin1');
  if (LEGACY_GGML_MAGICS.includes(magic)) {
    return fail(
      'This is a model in the old GGML/GGJT format, which llama.cpp no longer reads: download a GGUF version of it.',
    );
  }
  if (magic === 'PK\x03\x04')
    return fail(
      'This is a ZIP archive (a PyTorch checkpoint?), not a GGUF model: convert it or download a GGUF version.',
    );
  if (head.length >= 9 && head[8] === 0x7b /* '{' */) {
    return fail(
      'This looks like a safetensors file, not a GGUF model: convert it with llama.cpp or download a GGUF version.',
    );
  }
  if (fileSize < 4) return fail(`The file is only ${fileSize} bytes long, too short to be a GGUF model.`);
  return fail('This is not a GGUF model file: it does not start with the "GGUF" signature.');
}

/** The error for a GGUF version this build cannot read, or undefined for versions 2 and 3. */
export function checkGgufVersion(version: number): GgufCheckError | undefined {
  if (version === 2 || version === 3) return undefined;
  const fail = (message: string) => new GgufCheckError('unsupported-version', message, 4);
  if (version === 1) {
    return fail(
      'This is a GGUF version 1 file, an obsolete format that llama.cpp no longer reads: download a current GGUF of this model.',
    );
  }
  // A big-endian file's version 2 or 3 reads as 0x02000000 or 0x03000000 on a little-endian machine.
  if ((version & 0x00ffffff) === 0 && (version >>> 24 === 2 || version >>> 24 === 3)) {
    return fail('This is a big-endian GGUF file; this machine needs the little-endian version of the model.');
  }
  return fail(
    `GGUF version ${version} is not supported (versions 2 and 3 are): the file is corrupt or newer than this build of llama.cpp.`,
  );
}
