// `alembic inspect <file.gguf> [--json]`: the bounded pre-check and the model's metadata.
// Exit 2 with the reason when the file is not a usable GGUF model.
import { formatGgufSummary, inspectGguf, isGgufCheckError } from '../core/gguf/ggufCheck';
import { CliExit, flag, parseArgs, UsageError } from './args';

export const INSPECT_HELP = `usage: alembic inspect <file.gguf> [--json]
  Checks the file's structure without loading it into llama.cpp and prints its architecture,
  size, quantization, context length, fill-in-the-middle tokens and chat template.`;

export async function inspectCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { json: { type: 'boolean' } });
  const [path, extra] = args.positionals;
  if (!path || extra) throw new UsageError('exactly one GGUF file is required');
  try {
    const summary = await inspectGguf(path);
    if (flag(args, 'json')) {
      const { chatTemplate, ...rest } = summary;
      process.stdout.write(`${JSON.stringify({ ...rest, chatTemplate: chatTemplate ?? null }, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatGgufSummary(summary)}\n`);
    }
    return 0;
  } catch (e) {
    if (isGgufCheckError(e)) throw new CliExit(2, `${path}: ${e.message}`);
    throw e;
  }
}
