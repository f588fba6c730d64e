// The one message protocol between the chat webview (src/webview) and the extension
// (src/vscode/chat). Both sides import these types; the extension validates every message that
// comes from the webview (webviewMessageValidator.ts) because the webview renders model output and
// must be treated as untrusted.
//
// The exchange:
//   1. The webview loads and posts `ready`. The extension posts nothing before that: a hidden view is
//      destroyed (no retainContextWhenHidden), so every `ready` is answered with a full `init`.
//   2. `send` carries a request id chosen by the webview; the answer streams back as `chunk`s tagged
//      with that id and ends with one `answerEnd`. `stop` names the request id to abort.
//   3. Everything else the webview asks for is an enumerated action (`command`, `codeAction`,
//      attachments): it never names a file path or a VS Code command id of its own choosing.

/** What an attachment chip stands for. `current` follows the active editor (its selection, or the file). */
export type AttachmentKind = 'selection' | 'file' | 'diagnostics' | 'text';

/** An attachment as the webview shows it: a chip with a label. The content stays in the extension. */
export interface AttachmentView {
  id: string;
  kind: AttachmentKind;
  /** "a.ts:10-20", "cart.js", "Problems in a.ts". */
  label: string;
  /** Tooltip: the full path and what will be sent. */
  detail: string;
  /** True for the chip that follows the active editor. */
  auto: boolean;
}

export type TurnStatus = 'streaming' | 'done' | 'stopped' | 'interrupted' | 'error';

export interface AnswerStats {
  model: string;
  tokensPerSecond: number;
  generatedTokens: number;
  totalMs: number;
}

/** One turn of a conversation as the webview shows it. */
export interface TurnView {
  id: string;
  role: 'user' | 'assistant';
  /** User: what was typed (or the action's title). Assistant: the answer without its reasoning. */
  text: string;
  createdAt: number;
  /** User turns: the chips that were attached. */
  attachments?: { kind: AttachmentKind; label: string }[];
  /** Assistant turns: the reasoning, shown folded. */
  thought?: string;
  /** How long the model thought, in ms (from its first thought token to its first answer token). */
  thoughtMs?: number;
  status?: TurnStatus;
  /** A failure to show under the (possibly partial) answer. */
  error?: string;
  stats?: AnswerStats;
}

export interface ConversationView {
  id: string;
  title: string;
  turns: TurnView[];
  /** The request id of the answer streaming now into the last turn, if any. */
  streamingRequestId?: string;
}

export type EnginePhaseView = 'noModel' | 'stopped' | 'starting' | 'loading' | 'ready' | 'crashed' | 'halted';

/** The header's view of the engine. */
export interface EngineView {
  phase: EnginePhaseView;
  /** The chat model's name (loaded) or file name (configured, not loaded yet). */
  model?: string;
  /** 0..1 while loading. */
  progress?: number;
  /** A failure worth showing (a crash, a refused model). */
  error?: string;
}

// ---------- extension → webview ----------

export type ToWebview =
  | { type: 'init'; conversation: ConversationView; engine: EngineView; attachments: AttachmentView[] }
  | { type: 'conversation'; conversation: ConversationView }
  /** A turn was added, or replaced (same id). */
  | { type: 'turn'; turn: TurnView; streamingRequestId?: string }
  | { type: 'chunk'; requestId: string; turnId: string; segment: 'text' | 'thought'; text: string }
  | { type: 'answerEnd'; requestId: string; turn: TurnView }
  | { type: 'engine'; engine: EngineView }
  | { type: 'attachments'; attachments: AttachmentView[] }
  | { type: 'focusInput' };

// ---------- webview → extension ----------

/** The only extension actions the webview may trigger by name. */
export const WEBVIEW_COMMANDS = [
  'newChat',
  'showHistory',
  'selectModel',
  'downloadModel',
  'restartEngine',
  'showLog',
] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

export const CODE_ACTIONS = ['copy', 'insert', 'apply'] as const;
export type CodeAction = (typeof CODE_ACTIONS)[number];

export const ATTACH_KINDS = ['current', 'file', 'diagnostics'] as const;
export type AttachRequestKind = (typeof ATTACH_KINDS)[number];

export type FromWebview =
  | { type: 'ready' }
  | { type: 'send'; requestId: string; text: string; attachmentIds: string[] }
  | { type: 'stop'; requestId: string }
  | { type: 'addAttachment'; kind: AttachRequestKind }
  | { type: 'removeAttachment'; id: string }
  /** A code block of an answer, by the answer's turn id and the block's index in it. */
  | { type: 'codeAction'; action: CodeAction; turnId: string; block: number }
  | { type: 'openLink'; url: string }
  | { type: 'command'; command: WebviewCommand };

export type FromWebviewType = FromWebview['type'];

/** Caps on what the webview may send. */
export const LIMITS = {
  /** A typed message; longer text belongs in an attachment. */
  maxInputChars: 32_000,
  maxUrlChars: 2048,
  maxIdChars: 64,
  maxAttachments: 16,
  maxCodeBlockIndex: 999,
} as const;

/** Ids are short and plain: they travel in messages and become parts of storage keys. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
