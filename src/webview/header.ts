// The chat's header: the chat model (a button that switches it) and the engine's state, with a
// banner when there is something to do: a model loading (with its progress), or an engine that
// crashed or stopped. (No model yet is offered in the composer, where the user would type.)
import type { EngineView, WebviewCommand } from '../core/chat/webviewProtocol';
import { h, icon } from './dom';
import { post } from './vscodeApi';

const PHASE_TEXT: Record<EngineView['phase'], string> = {
  noModel: 'no model',
  stopped: 'not loaded',
  starting: 'starting…',
  loading: 'loading…',
  ready: 'ready',
  crashed: 'crashed',
  halted: 'stopped',
};

export class Header {
  readonly element: HTMLElement;
  private readonly modelName = h('span', { class: 'model-name' });
  private readonly phase = h('span', { class: 'engine-phase' });
  private readonly banner = h('div', { class: 'banner', role: 'status' });

  constructor() {
    const modelButton = h(
      'button',
      { type: 'button', class: 'model-button', title: 'Select the chat model', 'aria-label': 'Select the chat model' },
      icon('chip'),
      this.modelName,
      icon('chevron-down'),
    );
    modelButton.addEventListener('click', () => post({ type: 'command', command: 'selectModel' }));
    this.element = h(
      'div',
      { class: 'header-area' },
      h('header', { class: 'header' }, modelButton, this.phase),
      this.banner,
    );
  }

  update(engine: EngineView): void {
    this.modelName.textContent = engine.model ?? 'No chat model';
    this.phase.textContent =
      engine.phase === 'loading' && engine.progress !== undefined
        ? `loading ${Math.round(engine.progress * 100)}%`
        : PHASE_TEXT[engine.phase];
    this.phase.className = `engine-phase ${engine.phase}`;
    this.phase.title = engine.phase === 'stopped' ? 'The model loads when you send a message.' : (engine.error ?? '');
    this.element.dataset.phase = engine.phase;
    const banner = bannerFor(engine);
    this.banner.hidden = !banner;
    this.banner.className = `banner ${banner?.kind ?? ''}`;
    this.banner.replaceChildren(...(banner?.content ?? []));
  }
}

function action(label: string, command: WebviewCommand, primary = false): HTMLButtonElement {
  const button = h('button', { type: 'button', class: primary ? 'text-button primary' : 'text-button' }, label);
  button.addEventListener('click', () => post({ type: 'command', command }));
  return button;
}

function bannerFor(engine: EngineView): { kind: string; content: Node[] } | undefined {
  switch (engine.phase) {
    case 'loading': {
      const progress = h('progress', { class: 'load-progress', max: '1', 'aria-label': 'Loading the model' });
      if (engine.progress !== undefined) progress.value = engine.progress;
      return {
        kind: 'info',
        content: [
          h('p', {}, icon('loading', 'codicon-modifier-spin'), ` Loading ${engine.model ?? 'the model'}…`),
          progress,
        ],
      };
    }
    case 'crashed':
      return {
        kind: 'warning',
        content: [
          h(
            'p',
            {},
            icon('warning'),
            ' The engine stopped unexpectedly and restarts with your next message. A partial answer was kept.',
          ),
          h('div', { class: 'banner-actions' }, action('Show Log', 'showLog')),
        ],
      };
    case 'halted':
      return {
        kind: 'error',
        content: [
          h('p', {}, icon('error'), ` ${engine.error ?? 'The engine stopped after repeated crashes.'}`),
          h(
            'div',
            { class: 'banner-actions' },
            action('Restart Engine', 'restartEngine', true),
            action('Show Log', 'showLog'),
          ),
        ],
      };
    default:
      return undefined;
  }
}
