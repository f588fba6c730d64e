// A small, strict command-line parser: `--name value`, `--flag`, positionals. Unknown options are
// errors (a typo must not be silently ignored).

/** A mistake in the command line: the message and the command's help are printed, exit 2. */
export class UsageError extends Error {}

/** A failure with a specific exit code and a message for the user (no stack). */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OptionSpec {
  /** Takes a value (`--file x`) or is a flag (`--json`). */
  type: 'string' | 'number' | 'boolean';
  /** May be given several times (values collected in order). */
  multiple?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | number | boolean | (string | number)[]>;
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const positionals: string[] = [];
  const options: ParsedArgs['options'] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const option = spec[name];
    if (!option) throw new UsageError(`unknown option --${name}`);
    let value: string | number | boolean;
    if (option.type === 'boolean') {
      value = inline === undefined ? true : inline !== 'false';
    } else {
      const raw = inline ?? argv[++i];
      if (raw === undefined) throw new UsageError(`--${name} needs a value`);
      if (option.type === 'number') {
        value = Number(raw);
        if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
      } else {
        value = raw;
      }
    }
    if (option.multiple) {
      const list = (options[name] as (string | number)[] | undefined) ?? [];
      list.push(value as string | number);
      options[name] = list;
    } else {
      options[name] = value;
    }
  }
  return { positionals, options };
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(args: ParsedArgs, name: string): number | undefined {
  const v = args.options[name];
  return typeof v === 'number' ? v : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.options[name] === true;
}

export function requireStr(args: ParsedArgs, name: string): string {
  const v = str(args, name);
  if (!v) throw new UsageError(`--${name} is required`);
  return v;
}

export function requireNum(args: ParsedArgs, name: string): number {
  const v = num(args, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}
