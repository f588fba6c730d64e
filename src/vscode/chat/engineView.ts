// The chat header's view of the engine: which chat model, and whether it is missing, loading
// (with progress), ready, or recovering from a crash.
import { basename } from 'node:path';
import type { EngineView } from '../../core/chat/webviewProtocol';
import { engineLoadParams } from '../config';
import type { EngineService } from '../engineService';
import { serverEngineView } from '../remote/serverViews';

export function engineView(service: EngineService): EngineView {
  const server = service.servers.view('chat');
  if (server) return serverEngineView(server);
  if (!service.hasModelFor('chat')) return { phase: 'noModel' };
  const state = service.state;
  const configured = engineLoadParams().chatModel ?? '';
  const model = state.models.chat?.name ?? basename(configured).replace(/\.gguf$/i, '');
  switch (state.phase) {
    case 'loading':
      return { phase: 'loading', model, progress: state.loadProgress };
    case 'starting':
      return { phase: 'starting', model };
    case 'ready':
      return state.models.chat ? { phase: 'ready', model } : { phase: 'stopped', model };
    case 'crashed':
      return { phase: 'crashed', model, error: state.error };
    case 'halted':
      return { phase: 'halted', model, error: state.error };
    default:
      // idle or stopped: the model loads with the next message.
      return { phase: 'stopped', model, ...(state.error ? { error: state.error } : {}) };
  }
}
