// Checks every message that arrives from the chat webview before the extension acts on it. The
// webview renders model output, so a message is untrusted input: it must be a plain object of a
// known type with exactly the fields of that type, each of the right type and within its size cap.
// Anything else is dropped (the caller logs the reason, never the payload).
// Cost is bounded by the schema, not by the payload: a 50 MB string is rejected by its length,
// unknown fields by their name, without reading or copying them.
import {
  ATTACH_KINDS,
  CODE_ACTIONS,
  ID_PATTERN,
  LIMITS,
  WEBVIEW_COMMANDS,
  type FromWebview,
  type FromWebviewType,
} from './webviewProtocol';

export type FieldCheck = (value: unknown) => string | undefined;

const id: FieldCheck = (v) =>
  typeof v !== 'string' ? 'is not a string' : ID_PATTERN.test(v) ? undefined : 'is not a plain id';

const text =
  (max: number): FieldCheck =>
  (v) =>
    typeof v !== 'string' ? 'is not a string' : v.length > max ? `is longer than ${max} characters` : undefined;

const oneOf =
  (values: readonly string[]): FieldCheck =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `is not one of ${values.join(', ')}`;

const index =
  (max: number): FieldCheck =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max
      ? undefined
      : `is not an integer from 0 to ${max}`;

const idList =
  (max: number): FieldCheck =>
  (v) => {
    if (!Array.isArray(v)) return 'is not an array';
    if (v.length > max) return `has more than ${max} entries`;
    for (const entry of v) if (id(entry)) return 'holds an entry that is not a plain id';
    return undefined;
  };

/** A link the user may open (after confirming): http or https, nothing else. */
const webUrl: FieldCheck = (v) => {
  const bad = text(LIMITS.maxUrlChars)(v);
  if (bad) return bad;
  try {
    const url = new URL(v as string);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'is not an http(s) link';
  } catch {
    return 'is not a URL';
  }
};

/** The fields of one message type, besides `type`. */
type FieldsOf<T extends FromWebviewType> = Exclude<keyof Extract<FromWebview, { type: T }>, 'type'>;

/** One check per field of each message type, keyed by the message's own fields: a schema that
 * misses a field of its message, or checks one the message does not have, does not compile. */
export type WebviewSchemas = { [T in FromWebviewType]: { [F in FieldsOf<T>]-?: FieldCheck } };

const SCHEMAS: WebviewSchemas = {
  ready: {},
  send: { requestId: id, text: text(LIMITS.maxInputChars), attachmentIds: idList(LIMITS.maxAttachments) },
  stop: { requestId: id },
  addAttachment: { kind: oneOf(ATTACH_KINDS) },
  removeAttachment: { id },
  codeAction: { action: oneOf(CODE_ACTIONS), turnId: id, block: index(LIMITS.maxCodeBlockIndex) },
  openLink: { url: webUrl },
  command: { command: oneOf(WEBVIEW_COMMANDS) },
};

export type ValidationResult = { ok: true; message: FromWebview } | { ok: false; reason: string };

/** Accepts a message only if it matches its type's schema exactly. */
export function validateWebviewMessage(raw: unknown): ValidationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('the message is not an object');
  const proto = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return fail('the message is not a plain object');
  const message = raw as Record<string, unknown>;
  const type = message.type;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) {
    return fail(`unknown message type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type}`);
  }
  const schema: Record<string, FieldCheck> = SCHEMAS[type as FromWebviewType];
  const keys = Object.keys(message);
  const extra = keys.find((k) => k !== 'type' && !Object.hasOwn(schema, k));
  if (extra !== undefined) return fail(`${type}: unexpected field ${JSON.stringify(extra.slice(0, 40))}`);
  for (const [field, check] of Object.entries(schema)) {
    if (!Object.hasOwn(message, field)) return fail(`${type}: missing field ${field}`);
    const problem = check(message[field]);
    if (problem) return fail(`${type}: ${field} ${problem}`);
  }
  return { ok: true, message: message as unknown as FromWebview };
}

function fail(reason: string): ValidationResult {
  return { ok: false, reason };
}
