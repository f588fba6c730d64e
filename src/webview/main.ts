// The chat webview's entry point (bundled to media/dist/chat.js; styles to media/dist/chat.css).
// It builds the page, says `ready`, and from then on mirrors the extension's state: `init` and
// `conversation` replace everything, the other messages update parts of it. Nothing here opens a
// link, runs a command or touches a file: those are requests to the extension.
import type { ToWebview } from '../core/chat/webviewProtocol';
import { h } from './dom';
import { Composer } from './composer';
import { Header } from './header';
import { Transcript } from './transcript';
import { post } from './vscodeApi';

const header = new Header();
const transcript = new Transcript(() => composer.setStreaming(transcript.streamingRequestId !== undefined));
const stop = () => {
  // The message goes first: the engine should not wait for the page to redraw.
  const requestId = transcript.streamingRequestId;
  if (!requestId) return;
  post({ type: 'stop', requestId });
  transcript.stopLocally();
};
const composer = new Composer(stop);

document
  .getElementById('app')!
  .append(h('div', { class: 'layout' }, header.element, transcript.element, composer.element));

// Escape stops the answer from anywhere in the view, not only from the input.
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && transcript.streamingRequestId !== undefined && !e.defaultPrevented) {
    e.preventDefault();
    stop();
  }
});

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  switch (message?.type) {
    case 'init':
      header.update(message.engine);
      composer.setEngine(message.engine);
      composer.setAttachments(message.attachments);
      transcript.setConversation(message.conversation);
      return;
    case 'conversation':
      transcript.setConversation(message.conversation);
      composer.focus();
      return;
    case 'turn':
      transcript.upsert(message.turn, message.streamingRequestId);
      return;
    case 'chunk':
      transcript.appendChunk(message.requestId, message.turnId, message.segment, message.text);
      return;
    case 'answerEnd':
      transcript.endAnswer(message.requestId, message.turn);
      return;
    case 'engine':
      header.update(message.engine);
      composer.setEngine(message.engine);
      return;
    case 'attachments':
      composer.setAttachments(message.attachments);
      return;
    case 'focusInput':
      composer.focus();
      return;
  }
});

post({ type: 'ready' });
