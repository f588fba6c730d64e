// The webview's handle on VS Code: typed posting to the extension and the state VS Code keeps for
// the view while it is hidden (the draft input), which survives the page being reloaded.
import type { FromWebview } from '../core/chat/webviewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(message: FromWebview): void {
  api.postMessage(message);
}

export interface ViewState {
  draft: string;
}

export function loadState(): ViewState {
  const state = api.getState() as Partial<ViewState> | undefined;
  return { draft: typeof state?.draft === 'string' ? state.draft : '' };
}

export function saveState(state: ViewState): void {
  api.setState(state);
}

let counter = 0;

/** A request id for `send`: unique in this page and across reloads of it. */
export function newRequestId(): string {
  const random = new Uint32Array(2);
  crypto.getRandomValues(random);
  return `w${(counter++).toString(36)}${random[0]!.toString(36)}${random[1]!.toString(36)}`;
}
