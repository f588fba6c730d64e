// The chat format for a model whose own chat template was not accepted (it did not finish
// rendering in time). Nothing here renders the template: the format is recognised from marker
// texts in it, the way llama.cpp's llama_chat_apply_template recognises formats, else
// node-llama-cpp resolves it from the model's name, file name and architecture with the template
// left out of what it sees.
import type { ChatWrapper, LlamaModel } from 'node-llama-cpp';

type NodeLlamaCpp = typeof import('node-llama-cpp');

export function fallbackChatWrapper(lib: NodeLlamaCpp, model: LlamaModel, template: string): ChatWrapper {
  const byMarker: [string, () => ChatWrapper][] = [
    ['<|im_start|>', () => new lib.ChatMLChatWrapper()],
    ['<|start_header_id|>', () => new lib.Llama3ChatWrapper()],
    ['<start_of_turn>', () => new lib.GemmaChatWrapper()],
    ['[INST]', () => new lib.Llama2ChatWrapper()],
  ];
  for (const [marker, create] of byMarker) if (template.includes(marker)) return create();
  const fileInfo = model.fileInfo;
  const withoutTemplate = {
    ...fileInfo,
    metadata: { ...fileInfo.metadata, tokenizer: { ...fileInfo.metadata?.tokenizer, chat_template: undefined } },
  } as typeof fileInfo;
  return (
    lib.resolveChatWrapper({
      bosString: model.tokens.bosString,
      filename: model.filename,
      fileInfo: withoutTemplate,
      tokenizer: model.tokenizer,
      noJinja: true,
    }) ?? new lib.GeneralChatWrapper()
  );
}
