// The pre-check fuzzer: seeded mutants of the generated test model go through the pre-check, and
// every mutant it accepts is loaded in a real engine process (dist/engine.js, node-llama-cpp) and
// used once: a completion, a tokenization with special tokens and a short chat. A crash of that
// process (llama.cpp aborting, a segmentation fault) or a hang is a finding: the pre-check let
// through a file llama.cpp cannot take. A clean refusal by llama.cpp is fine. Run by
// `npm run fuzz` (long) and by test/engine/fuzz.test.ts (a small seeded sample).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isGgufCheckError, inspectGguf } from '../../src/core/gguf/ggufCheck';
import type { PromptSegment } from '../../src/core/engine/protocol';
import { EngineClient, EngineClientError } from '../../src/engine/client/engineClient';
import { parseGguf } from './ggufEditor';
import { mutants } from './ggufMutants';
import { requireBuiltEngine } from './testModel';

export interface FuzzOptions {
  /** The valid model the mutants derive from. */
  base: Buffer;
  seed: number;
  /** Stop once this many mutants were accepted and loaded... */
  targetAccepted: number;
  /** ...or this many were made, or this much time passed. */
  maxMutants?: number;
  timeBudgetMs?: number;
  /** Scratch folder for the mutant files; findings are copied into `findingsDir`. */
  workDir: string;
  findingsDir?: string;
  /** Longest a load and its requests may take before the mutant counts as a hang. */
  useTimeoutMs?: number;
  onEvent?: (line: string) => void;
}

export interface FuzzFinding {
  index: number;
  label: string;
  kind: 'crash' | 'hang' | 'inconsistent';
  detail: string;
  file?: string;
}

export interface FuzzReport {
  mutants: number;
  accepted: number;
  /** Accepted mutants that llama.cpp refused with an error of its own (no crash). */
  loadErrors: number;
  findings: FuzzFinding[];
  crashes: number;
  /** Slowest pre-check of a mutant, and slowest load-and-use of an accepted one. */
  maxPrecheckMs: number;
  maxUseMs: number;
  elapsedMs: number;
}

const FIM: PromptSegment[] = [
  { special: '<|fim_prefix|>' },
  { text: 'function total(items) {\n  return ' },
  { special: '<|fim_suffix|>' },
  { text: '\n}\n' },
  { special: '<|fim_middle|>' },
];
const UNICODE_TEXT = 'héllo wörld — 漢字 🙂 \u0000\t\n<|im_start|>user\n';

function newClient(): EngineClient {
  return new EngineClient({
    enginePath: requireBuiltEngine(),
    gpu: 'off',
    restartDelaysMs: [0],
    crashLimit: 1_000_000,
    idleUnloadMs: 0,
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Loads `path` and uses it once; resolves to what happened. */
async function use(client: EngineClient, path: string): Promise<'ok' | 'loadError' | EngineClientError> {
  client.configure({ completionModel: path, chatModel: path, contextSize: 512, threads: 1, gpuLayers: 0 });
  try {
    await client.load();
  } catch (e) {
    return e instanceof EngineClientError && e.code === 'crashed' ? e : 'loadError';
  }
  const steps: (() => Promise<unknown>)[] = [
    () => client.complete({ segments: FIM, maxTokens: 8, timeoutMs: 10_000 }),
    () => client.tokenize('completion', UNICODE_TEXT, true),
    () => client.chat({ messages: [{ role: 'user', content: UNICODE_TEXT }], maxTokens: 8, timeoutMs: 10_000 }),
  ];
  for (const step of steps) {
    try {
      await step();
    } catch (e) {
      if (e instanceof EngineClientError && e.code === 'crashed') return e;
      // Any other refusal (no FIM tokens, a template error) is a clean answer.
    }
  }
  return 'ok';
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const log = options.onEvent ?? (() => undefined);
  const base = parseGguf(options.base);
  const archValue = base.metadata.get('general.architecture') as { value: Buffer };
  const arch = archValue.value.toString();
  mkdirSync(options.workDir, { recursive: true });
  const report: FuzzReport = {
    mutants: 0,
    accepted: 0,
    loadErrors: 0,
    findings: [],
    crashes: 0,
    maxPrecheckMs: 0,
    maxUseMs: 0,
    elapsedMs: 0,
  };
  let client = newClient();
  const useTimeoutMs = options.useTimeoutMs ?? 60_000;
  try {
    for (const mutant of mutants(base, arch, options.seed)) {
      if (report.accepted >= options.targetAccepted) break;
      if (options.maxMutants !== undefined && report.mutants >= options.maxMutants) break;
      if (options.timeBudgetMs !== undefined && performance.now() - started > options.timeBudgetMs) break;
      const index = report.mutants++;
      // A new name each time, the old file unlinked: rewriting a file the engine has mapped
      // (the client may be serving an earlier mutant again) would kill it with SIGBUS.
      const path = join(options.workDir, `mutant-${index}.gguf`);
      writeFileSync(path, mutant.bytes);
      if (index > 0) rmSync(join(options.workDir, `mutant-${index - 1}.gguf`), { force: true });
      const checkStarted = performance.now();
      let accepted = true;
      try {
        await inspectGguf(path);
      } catch (e) {
        if (!isGgufCheckError(e)) throw e; // the pre-check must only ever refuse with its own error
        accepted = false;
      }
      report.maxPrecheckMs = Math.max(report.maxPrecheckMs, performance.now() - checkStarted);
      if (!accepted) continue;
      report.accepted++;
      const useStarted = performance.now();
      const outcome = await withTimeout(use(client, path), useTimeoutMs);
      report.maxUseMs = Math.max(report.maxUseMs, performance.now() - useStarted);
      if (outcome === 'loadError') report.loadErrors++;
      if (outcome === 'ok' || outcome === 'loadError') {
        log(`#${index} accepted, ${outcome === 'ok' ? 'loaded and used' : 'refused by llama.cpp'}: ${mutant.label}`);
        continue;
      }
      const finding: FuzzFinding = {
        index,
        label: mutant.label,
        kind: outcome === 'timeout' ? 'hang' : 'crash',
        detail: outcome === 'timeout' ? `no answer within ${useTimeoutMs} ms` : outcome.message,
      };
      if (options.findingsDir) {
        mkdirSync(options.findingsDir, { recursive: true });
        finding.file = join(options.findingsDir, `seed${options.seed}-mutant${index}.gguf`);
        writeFileSync(finding.file, mutant.bytes);
      }
      report.findings.push(finding);
      log(`#${index} ${finding.kind.toUpperCase()}: ${mutant.label}: ${finding.detail}`);
      if (outcome === 'timeout') {
        await client.dispose().catch(() => undefined);
        client = newClient();
      }
    }
  } finally {
    await client.dispose().catch(() => undefined);
    rmSync(options.workDir, { recursive: true, force: true });
  }
  report.crashes = report.findings.length;
  report.elapsedMs = performance.now() - started;
  return report;
}

/** The report as the lines `npm run fuzz` prints. */
export function formatFuzzReport(r: FuzzReport, seed: number): string {
  const lines = [
    `seed ${seed}: ${r.mutants} mutants, ${r.accepted} accepted by the pre-check (${r.loadErrors} of ` +
      `them then refused by llama.cpp itself), ${r.crashes} crashes or hangs`,
    `max time: pre-check ${r.maxPrecheckMs.toFixed(1)} ms, load and use ${(r.maxUseMs / 1000).toFixed(1)} s; ${(r.elapsedMs / 1000).toFixed(0)} s in all`,
  ];
  for (const f of r.findings)
    lines.push(`  ${f.kind} #${f.index}: ${f.label} (${f.detail})${f.file ? ` -> ${f.file}` : ''}`);
  return lines.join('\n');
}
