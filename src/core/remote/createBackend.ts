// The backend for a server configuration.
import { LlamaServerBackend } from './llamaServerBackend';
import { OllamaBackend } from './ollamaBackend';
import { OpenAiBackend } from './openAiBackend';
import type { ServerBackend, ServerConfig } from './serverBackend';

export function createServerBackend(config: ServerConfig): ServerBackend {
  switch (config.backend) {
    case 'llama-server':
      return new LlamaServerBackend(config);
    case 'openai':
      return new OpenAiBackend(config);
    case 'ollama':
      return new OllamaBackend(config);
  }
}

/** The backend's name as the status bar and messages show it. */
export function backendLabel(kind: ServerConfig['backend']): string {
  return kind === 'openai' ? 'OpenAI-compatible' : kind === 'ollama' ? 'Ollama' : 'llama-server';
}
