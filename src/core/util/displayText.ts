// Text that comes from a model file or from llama.cpp (a model's general.name, llama.cpp's error
// messages, generated text) made safe to print on a terminal or show in a notification. Such text
// is untrusted: a file can put escape sequences in its name that retitle the terminal, hide what
// follows or forge a hyperlink, bidirectional overrides that reorder what is read, and 200 kB of
// text in one error. One function for every place that shows it: the CLI and VS Code.

/** ESC-introduced sequences: CSI (ESC [ … final byte), OSC and the other string commands (ESC ] … BEL or
 * ESC \), and two-character escapes; the 8-bit CSI (U+009B) form as well. */
const ESCAPE_SEQUENCE =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][\s\S]*?(?:\u0007|\u001b\\|$)|\u001b[\s\S]?/g;
/** C0 and C1 control characters and DEL, but tab and line feed (kept or turned into spaces). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** A UTF-16 surrogate without its other half (cut text, or a malformed name). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Bidirectional embeddings, overrides and isolates ("Trojan Source" reordering). */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** Longest text of an engine or model message in a VS Code notification (the log keeps it whole). */
export const NOTIFICATION_MAX_CHARS = 500;

export interface DisplayTextOptions {
  /** Longest result, in characters, before the "… (N more characters)" note (default 2000). */
  maxChars?: number;
  /** Keep line feeds and tabs (default true); otherwise they become spaces (one-line labels). */
  multiline?: boolean;
}

/** `text` without escape sequences, control or bidirectional-override characters, cut to a length. */
export function displayText(text: string, options: DisplayTextOptions = {}): string {
  const maxChars = options.maxChars ?? 2000;
  // Work on a bounded prefix: a 200 kB message must not cost a 200 kB regex pass per display.
  const head = text.length > maxChars * 4 + 64 ? text.slice(0, maxChars * 4 + 64) : text;
  let clean = head.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '').replace(BIDI, '');
  if (options.multiline === false) clean = clean.replace(/[\t\n]+/g, ' ');
  clean = clean.replace(LONE_SURROGATE, '\ufffd');
  const dropped = text.length - head.length;
  if (clean.length <= maxChars && dropped === 0) return clean;
  let cut = clean.slice(0, maxChars);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  const more = clean.length - cut.length + dropped;
  return `${cut}… (${more.toLocaleString('en-US')} more characters)`;
}

/** For a stream written piece by piece (a generated answer): control characters are removed
 * without needing the rest of a sequence, so a sequence split across two pieces is still harmless
 * (what follows a removed ESC is printed as plain text). */
export function displayChunk(text: string): string {
  return text.replace(CONTROL, '').replace(BIDI, '');
}
