// `alembic`: the command-line face of the same core the extension uses.
// Exit codes: 0 success, 1 failure, 2 bad usage or a file that is not a usable model.
import { CHAT_HELP, chatCommand } from './chatCommand';
import { COMPLETE_HELP, completeCommand } from './completeCommand';
import { DOWNLOAD_HELP, downloadCommand } from './downloadCommand';
import { INSPECT_HELP, inspectCommand } from './inspectCommand';
import { MODELS_HELP, modelsCommand } from './modelsCommand';
import { BENCH_HELP, benchCommand } from './benchCommand';
import { NEXT_EDIT_HELP, nextEditCommand } from './nextEditCommand';
import { SERVE_HELP, serveCommand } from './serveCommand';
import { CliExit, UsageError } from './args';
import { displayText } from '../core/util/displayText';

interface Command {
  summary: string;
  help: string;
  run: (argv: string[]) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  inspect: { summary: 'check a GGUF file and show its metadata', help: INSPECT_HELP, run: inspectCommand },
  complete: { summary: 'fill in the middle at a position in a file', help: COMPLETE_HELP, run: completeCommand },
  'next-edit': {
    summary: 'suggest the next edit after the recent edits in a diff',
    help: NEXT_EDIT_HELP,
    run: nextEditCommand,
  },
  chat: { summary: 'ask the model something; the answer streams to stdout', help: CHAT_HELP, run: chatCommand },
  models: { summary: 'list the recommended models for this machine', help: MODELS_HELP, run: modelsCommand },
  download: { summary: 'download a model (resumable)', help: DOWNLOAD_HELP, run: downloadCommand },
  bench: { summary: 'measure completion efficiency by replaying typing', help: BENCH_HELP, run: benchCommand },
  serve: { summary: 'serve the model over HTTP (OpenAI-compatible, /infill)', help: SERVE_HELP, run: serveCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: alembic <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "alembic <command> --help" for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${require('../../package.json').version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`alembic: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Messages can carry a model's own strings or llama.cpp's words: printed sanitized and capped.
    if (e instanceof UsageError) {
      process.stderr.write(`alembic ${name}: ${displayText(e.message)}\n\n${command.help}\n`);
      return 2;
    }
    if (e instanceof CliExit) {
      process.stderr.write(`alembic ${name}: ${displayText(e.message)}\n`);
      return e.code;
    }
    process.stderr.write(`alembic ${name}: ${displayText(e instanceof Error ? e.message : String(e))}\n`);
    return 1;
  }
}

// `alembic inspect model.gguf | head` closes the pipe before the output is written: that is the
// reader saying it has enough, not an error worth a stack trace. Exit quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`alembic: ${displayText(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
    process.exitCode = 1;
  },
);
