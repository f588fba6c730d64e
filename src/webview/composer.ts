// The input area: attachment chips (removable), the message box and Send / Stop. Without a chat
// model, Send is off and the composer itself offers Select Model… and Download Model… (the draft
// is kept), so nobody types a question only to have it fail.
// Keyboard: Enter sends, Shift+Enter adds a line, Escape stops the answer, `@` at the start of a
// word opens the workspace file picker (the picked file becomes a chip and "@name" in the text).
// The draft is kept in the webview state, so hiding the view or reloading it keeps what was typed.
import type { AttachmentView, EngineView, WebviewCommand } from '../core/chat/webviewProtocol';
import { h, icon, iconButton } from './dom';
import { ATTACHMENT_ICONS } from './transcript';
import { loadState, newRequestId, post, saveState } from './vscodeApi';

export class Composer {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly chips = h('div', { class: 'chips', role: 'list', 'aria-label': 'Attachments' });
  private readonly send = iconButton('send', 'Send (Enter)', 'send-button');
  private readonly stop = iconButton('debug-stop', 'Stop (Escape)', 'stop-button');
  private attachments: AttachmentView[] = [];
  /** Where an `@` was typed while the file picker is open. */
  private mentionAt?: number;
  private streaming = false;
  private noModel = false;
  private readonly noModelNotice = h(
    'div',
    { class: 'no-model', role: 'status', hidden: true },
    h('p', {}, icon('info'), ' No chat model yet: select a GGUF file you have, or download one.'),
    h(
      'div',
      { class: 'banner-actions' },
      noticeButton('Select Model…', 'selectModel', true),
      noticeButton('Download Model…', 'downloadModel'),
    ),
  );

  constructor(private readonly onStop: () => void) {
    this.input = h('textarea', {
      class: 'input',
      rows: '1',
      placeholder: 'Ask about your code (@ attaches a file)',
      title: 'Enter sends, Shift+Enter adds a line, Escape stops the answer, @ attaches a file',
      'aria-label': 'Message to Alembic',
    });
    this.input.value = loadState().draft;
    const attachCurrent = iconButton('file-add', 'Attach the active file or selection');
    const attachFile = iconButton('mention', 'Attach a workspace file (@)');
    const attachProblems = iconButton('warning', 'Attach the problems of the active file');
    attachCurrent.addEventListener('click', () => post({ type: 'addAttachment', kind: 'current' }));
    attachFile.addEventListener('click', () => post({ type: 'addAttachment', kind: 'file' }));
    attachProblems.addEventListener('click', () => post({ type: 'addAttachment', kind: 'diagnostics' }));
    this.send.addEventListener('click', () => this.submit());
    this.stop.addEventListener('click', () => this.onStop());
    this.input.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.input.addEventListener('input', (e) => this.onInput(e as InputEvent));
    this.element = h(
      'footer',
      { class: 'composer' },
      this.noModelNotice,
      this.chips,
      h('div', { class: 'input-row' }, this.input),
      h(
        'div',
        { class: 'composer-actions' },
        h('div', { class: 'attach-actions' }, attachCurrent, attachFile, attachProblems),
        h('div', { class: 'send-actions' }, this.send, this.stop),
      ),
    );
    this.setStreaming(false);
    queueMicrotask(() => this.autosize());
  }

  focus(): void {
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
  }

  setStreaming(streaming: boolean): void {
    this.streaming = streaming;
    this.send.hidden = streaming;
    this.stop.hidden = !streaming;
    this.element.classList.toggle('streaming', streaming);
  }

  /** Follows the engine: with no chat model, sending is replaced by the way to get one. */
  setEngine(engine: EngineView): void {
    this.noModel = engine.phase === 'noModel';
    this.noModelNotice.hidden = !this.noModel;
    this.send.disabled = this.noModel;
    this.send.title = this.noModel ? 'Select or download a model first' : 'Send (Enter)';
    this.element.classList.toggle('no-model-yet', this.noModel);
  }

  setAttachments(attachments: AttachmentView[]): void {
    const before = new Set(this.attachments.map((a) => a.id));
    this.attachments = attachments;
    if (this.mentionAt !== undefined) {
      const added = attachments.find((a) => !before.has(a.id) && a.kind === 'file');
      if (added && this.input.value[this.mentionAt] === '@') {
        this.replaceRange(this.mentionAt, this.mentionAt + 1, `@${added.label} `);
      }
      this.mentionAt = undefined;
    }
    this.chips.replaceChildren(...attachments.map((a) => this.chip(a)));
    this.chips.hidden = attachments.length === 0;
  }

  private chip(a: AttachmentView): HTMLElement {
    const remove = iconButton('close', `Remove ${a.label}`, 'chip-remove');
    remove.addEventListener('click', () => {
      post({ type: 'removeAttachment', id: a.id });
      this.input.focus();
    });
    return h(
      'span',
      { class: `chip${a.auto ? ' auto' : ''}`, role: 'listitem', title: a.detail },
      icon(ATTACHMENT_ICONS[a.kind]),
      h('span', { class: 'chip-label' }, a.label),
      a.auto ? h('span', { class: 'chip-note' }, 'current') : null,
      remove,
    );
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    } else if (e.key === 'Escape' && this.streaming) {
      e.preventDefault();
      this.onStop();
    }
  }

  private onInput(e: InputEvent): void {
    this.autosize();
    saveState({ draft: this.input.value });
    if (e.data !== '@') return;
    const at = this.input.selectionStart - 1;
    const before = at > 0 ? this.input.value[at - 1] : ' ';
    if (/\s/.test(before ?? ' ')) {
      this.mentionAt = at;
      post({ type: 'addAttachment', kind: 'file' });
    }
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text || this.streaming) return;
    if (this.noModel) {
      // The draft stays; the way to a model is right above it.
      this.noModelNotice.classList.remove('attention');
      void this.noModelNotice.offsetWidth; // restart the highlight
      this.noModelNotice.classList.add('attention');
      return;
    }
    const requestId = newRequestId();
    post({ type: 'send', requestId, text, attachmentIds: this.attachments.map((a) => a.id) });
    this.input.value = '';
    saveState({ draft: '' });
    this.autosize();
  }

  private replaceRange(start: number, end: number, text: string): void {
    this.input.setRangeText(text, start, end, 'end');
    saveState({ draft: this.input.value });
    this.autosize();
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 240)}px`;
  }
}

function noticeButton(label: string, command: WebviewCommand, primary = false): HTMLButtonElement {
  const button = h('button', { type: 'button', class: primary ? 'text-button primary' : 'text-button' }, label);
  button.addEventListener('click', () => post({ type: 'command', command }));
  return button;
}
