// One model file in memory and a context per role it serves. Each role gets its own context, sized
// to its work: the completion context holds the completion budgets plus the generation (~4k
// tokens), the chat context is as large as the settings and memory allow. One file used for both
// roles is loaded once (the weights are shared) with two contexts.
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import { basename } from 'node:path';
import { statSync } from 'node:fs';
import type { LoadedModelInfo, LoadParams, ModelRole } from '../../core/engine/protocol';
import { COMPLETION_CONTEXT_TOKENS } from '../../core/engine/protocol';
import { kvCacheBytes, withMemoryRemedy, type ContextPlan, type ModelShape } from '../../core/engine/memoryEstimate';
import type { GgufSummary } from '../../core/gguf/ggufCheck';
import type { Logger } from '../../core/util/logger';
import { EngineError } from './engineError';
import { createInputLookupPredictor } from './nextEditRunner';
import { checkChatTemplate, type TemplateVerdict } from './templateCheck';

/** The next-edit context, in tokens (or the explicit context size, if smaller). */
const NEXT_EDIT_CONTEXT_TOKENS = 4096;

type NodeLlamaCpp = typeof import('node-llama-cpp');

export interface RoleBinding {
  context: LlamaContext;
  sequence: LlamaContextSequence;
  info: LoadedModelInfo;
}

export interface ModelSlot {
  path: string;
  model: LlamaModel;
  summary: GgufSummary;
  shape: ModelShape;
  /** The estimated memory this slot holds (freed when it is unloaded). */
  estimatedBytes: number;
  /** The chat template's check, when the slot serves chat and the file has a template. */
  templateVerdict?: TemplateVerdict;
  roles: Partial<Record<ModelRole, RoleBinding>>;
}

/** The contexts a file needs for its roles, for the memory estimate. */
export function contextPlans(roles: ModelRole[], params: LoadParams, trainContextSize: number): ContextPlan[] {
  return roles.map((role) => {
    const size = contextSizeFor(role, params, trainContextSize);
    return typeof size === 'number'
      ? { role, contextSize: size, automatic: false }
      : { role, contextSize: size.min, automatic: true };
  });
}

/** A role's context size: a number, or node-llama-cpp's range to fit to free memory. */
function contextSizeFor(
  role: ModelRole,
  params: LoadParams,
  trainContextSize: number,
): number | { min: number; max: number } {
  const explicit = typeof params.contextSize === 'number' && params.contextSize > 0 ? params.contextSize : undefined;
  if (role === 'completion') {
    const need = params.completionContextSize ?? COMPLETION_CONTEXT_TOKENS;
    return Math.max(256, Math.min(need, explicit ?? need, trainContextSize || need));
  }
  if (role === 'nextEdit') {
    // A next-edit prompt is an excerpt, a few edits and snippets: well under 4k tokens in every format.
    return Math.max(
      256,
      Math.min(
        NEXT_EDIT_CONTEXT_TOKENS,
        explicit ?? NEXT_EDIT_CONTEXT_TOKENS,
        trainContextSize || NEXT_EDIT_CONTEXT_TOKENS,
      ),
    );
  }
  if (explicit) return explicit;
  return { min: 512, max: params.maxContextSize ?? 16384 };
}

export interface SlotLoader {
  lib: NodeLlamaCpp;
  llama: Llama;
  /** The detail llama.cpp logged for a refusal (its logger is the only place that says why). */
  explain(path: string, e: unknown, what?: string): EngineError;
  /** Called before each native step that can abort the process, with the file it concerns. */
  onProgress(role: ModelRole, progress: number): void;
  threadsIdeal: number;
  onGpu: boolean;
  log: Logger;
}

export async function loadSlot(
  loader: SlotLoader,
  path: string,
  roles: ModelRole[],
  params: LoadParams,
  summary: GgufSummary,
  shape: ModelShape,
  estimatedBytes: number,
): Promise<ModelSlot> {
  const { lib, llama } = loader;
  const started = Date.now();
  const progress = (p: number) => roles.forEach((r) => loader.onProgress(r, p));
  progress(0);
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: path, gpuLayers: params.gpuLayers ?? 'auto', onLoadProgress: progress });
  } catch (e) {
    if (!(e instanceof lib.InsufficientMemoryError) || params.gpuLayers === 0) throw loader.explain(path, e);
    loader.log.warn(`Not enough GPU memory for ${basename(path)}; loading it on the CPU instead.`);
    model = await llama.loadModel({ modelPath: path, gpuLayers: 0, onLoadProgress: progress }).catch((e2: unknown) => {
      throw loader.explain(path, e2);
    });
  }
  const slot: ModelSlot = { path, model, summary, shape, estimatedBytes, roles: {} };
  try {
    for (const role of roles) {
      const size = contextSizeFor(role, params, model.trainContextSize);
      let context: LlamaContext;
      try {
        context = await model.createContext({
          contextSize: size,
          threads: { ideal: loader.threadsIdeal, min: 1 },
        });
      } catch (e) {
        if (e instanceof lib.InsufficientMemoryError) {
          throw new EngineError(
            'insufficientMemory',
            `${summary.name}: ${withMemoryRemedy(e.message, shape, loader.onGpu)}`,
          );
        }
        throw loader.explain(path, e, 'could not create a context for');
      }
      // A next edit mostly copies its excerpt: its sequence drafts tokens by input lookup; a
      // completion does so only when asked (the benchmark showed no gain on the CPU).
      const predict = role === 'completion' && params.completionPredictor === 'inputLookup';
      // Patterns of two tokens at least: one token alone (a space, a bracket) recurs everywhere.
      const tokenPredictor =
        role === 'nextEdit'
          ? createInputLookupPredictor(lib)
          : predict
            ? new lib.InputLookupTokenPredictor({ patternLength: { min: 2 } })
            : undefined;
      slot.roles[role] = {
        context,
        sequence: context.getSequence({ tokenPredictor }),
        info: roleInfo(slot, roles, context),
      };
    }
    if (slot.roles.chat && summary.chatTemplate !== null) {
      const template = model.fileInfo.metadata?.tokenizer?.chat_template;
      if (typeof template === 'string' && template.trim()) {
        slot.templateVerdict = await checkChatTemplate({
          template,
          bosToken: model.tokens.bosString ?? '',
          eosToken: model.tokens.eosString ?? '',
        });
        if (!slot.templateVerdict.ok) {
          slot.roles.chat.info.chatTemplateProblem = `The chat template in ${basename(path)} was not used: ${slot.templateVerdict.reason}.`;
        }
      }
    }
  } catch (e) {
    await disposeSlot(slot);
    throw e;
  }
  const loadMs = Date.now() - started;
  for (const binding of Object.values(slot.roles)) binding.info.loadMs = loadMs;
  return slot;
}

export async function disposeSlot(slot: ModelSlot): Promise<void> {
  for (const binding of Object.values(slot.roles)) await binding.context.dispose();
  await slot.model.dispose();
}

function roleInfo(slot: ModelSlot, roles: ModelRole[], context: LlamaContext): LoadedModelInfo {
  const { model, summary, path } = slot;
  const infill = model.tokens.infill;
  const text = (t: unknown) => (t == null ? undefined : model.detokenize([t as never], true));
  const fimPrefix = text(infill.prefix),
    fimSuffix = text(infill.suffix),
    fimMiddle = text(infill.middle);
  const endTokens = [model.tokens.eos, model.tokens.eot].map(text).filter((t): t is string => !!t);
  return {
    path,
    name: summary.name,
    architecture: summary.architecture,
    roles,
    sizeBytes: statSync(path).size,
    gpuLayers: model.gpuLayers,
    totalLayers: model.fileInsights.totalLayers,
    contextSize: context.contextSize,
    trainContextSize: model.trainContextSize,
    kvCacheBytes: kvCacheBytes(slot.shape, context.contextSize),
    fim:
      fimPrefix && fimSuffix && fimMiddle
        ? {
            prefix: fimPrefix,
            suffix: fimSuffix,
            middle: fimMiddle,
            pad: summary.fim?.pad,
            repoName: summary.fim?.repoName,
            fileSeparator: summary.fim?.fileSeparator,
          }
        : null,
    endTokens,
    hasChatTemplate: summary.chatTemplate !== null,
    chatWrapper: '',
    loadMs: 0,
  };
}
