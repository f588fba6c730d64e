// The chat's view of the engine (the core's ChatEngine port): the configured chat model, loaded on
// demand (or the chat's server), its answers, and what a failure of the engine client means for an answer.
import type { ChatEngine, ChatFailure } from '../../core/chat/answerStream';
import { EngineClientError } from '../../engine/client/engineClient';
import type { EngineService } from '../engineService';

export function chatEngine(service: EngineService): ChatEngine {
  return {
    async chatModel() {
      if (!service.hasModelFor('chat'))
        throw new EngineClientError(
          'noModel',
          'No chat model is selected. Choose one with "Select Model…" or "Download Model…" in the chat.',
        );
      return service.chatModel(); // the local model loads, or the chat's server is checked
    },
    chat: (params, options) => service.chat(params, options), // to the chat's server, or the local engine
    failure: chatFailure,
  };
}

export function chatFailure(e: unknown): ChatFailure {
  const message = e instanceof Error ? e.message : String(e);
  if (!(e instanceof EngineClientError)) return { kind: 'other', message };
  switch (e.code) {
    case 'crashed':
    case 'unresponsive': {
      // The client's message ends "The chat request was lost."; the answer keeps what it has. The
      // cause comes from the structured details, never from the English message.
      const exit = e.details.exit;
      const cause =
        e.code === 'unresponsive'
          ? 'it stopped responding'
          : exit?.signal
            ? `killed by ${exit.signal}`
            : exit
              ? `exit code ${exit.code}`
              : undefined;
      return { kind: 'crashed', cause };
    }
    case 'stopped':
      return { kind: 'stopped', message };
    default:
      return { kind: 'other', message };
  }
}
