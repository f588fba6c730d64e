// Which catalog models to suggest for this machine. A pure function of the memory figures the
// engine reports, so it is testable at any machine size. Only Qwen2.5-Coder is recommended: at
// every size it is the strongest family here for both FIM completion and chat; the others stay
// in the catalog as choices.
import { freemem, totalmem } from 'node:os';
import type { Backend, GpuInfo } from '../engine/protocol';
import { formatBytes } from '../util/format';
import { MODEL_CATALOG, type CatalogModel, type ModelPurpose } from './catalog';

export interface MachineResources {
  backend: Backend;
  vramFreeBytes: number;
  vramTotalBytes: number;
  ramTotalBytes: number;
  ramFreeBytes: number;
}

/** The machine as the recommendation sees it: the GPU the engine detected, and this process's RAM. */
export function machineResources(
  gpu: Pick<GpuInfo, 'backend' | 'vramFreeBytes' | 'vramTotalBytes'> | undefined,
): MachineResources {
  return {
    backend: gpu?.backend ?? 'cpu',
    vramFreeBytes: gpu?.vramFreeBytes ?? 0,
    vramTotalBytes: gpu?.vramTotalBytes ?? 0,
    ramTotalBytes: totalmem(),
    ramFreeBytes: freemem(),
  };
}

export type Placement = 'gpu' | 'cpu';

export interface Recommendation {
  completion: CatalogModel;
  chat: CatalogModel;
  /** Where each model is expected to run once loaded (the engine still fits layers itself). */
  completionPlacement: Placement;
  chatPlacement: Placement;
  /** The memory the choice was made against: usable VRAM on a GPU, a share of RAM on the CPU. */
  budgetBytes: number;
  /** One or two sentences for the user: why these two. */
  reason: string;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Kept free on a GPU for the desktop, other programs and allocation slack. */
function gpuHeadroom(vramTotalBytes: number): number {
  return Math.max(512 * MIB, 0.1 * vramTotalBytes);
}

/** Above this size a completion model may use only this share of the GPU budget, so that a
 * chat model fits beside it. Small completion models may take the whole budget: below 1.5B
 * completions get noticeably worse, and the chat model can run on the CPU instead. */
const COMPLETION_BUDGET_SHARE = 0.65;
const SMALL_MODEL_PARAMETERS = 2e9;

/** On the CPU the prompt is evaluated at CPU speed on every keystroke pause: only machines with
 * this much RAM (desktop class) get the 1.5B completion model, the others the 0.5B one. */
const CPU_LARGER_COMPLETION_MIN_RAM = 16 * GIB;

/** Share of physical RAM the models may take when they run on the CPU or in unified memory:
 * the editor, the browser and the OS need the rest. */
const RAM_SHARE = 0.5;

/** Qwen2.5-Coder files for a purpose, largest first. */
function candidates(purpose: ModelPurpose, catalog: readonly CatalogModel[]): CatalogModel[] {
  const list = catalog
    .filter((m) => m.family === 'qwen2.5-coder' && m.purpose.includes(purpose))
    .sort((a, b) => b.memoryBytes - a.memoryBytes);
  if (list.length === 0) throw new Error(`The model catalog has no Qwen2.5-Coder model for ${purpose}.`);
  return list;
}

function largestFitting(list: CatalogModel[], budget: number, extraRule: (m: CatalogModel) => boolean = () => true) {
  return list.find((m) => m.memoryBytes <= budget && extraRule(m));
}

function smallest(list: CatalogModel[]): CatalogModel {
  return list[list.length - 1]!;
}

function gpuBudget(machine: MachineResources): number {
  let usable = machine.vramFreeBytes;
  // Unified memory: the "VRAM" Metal reports is most of RAM, which the rest of the system shares.
  if (machine.backend === 'metal') usable = Math.min(usable, RAM_SHARE * machine.ramTotalBytes);
  return Math.max(0, usable - gpuHeadroom(machine.vramTotalBytes));
}

function ramBudget(machine: MachineResources): number {
  return Math.max(0, Math.min(machine.ramFreeBytes, RAM_SHARE * machine.ramTotalBytes));
}

/** The CPU choice, also used for a chat model that does not fit beside the completion model on the GPU. */
function cpuChoice(purpose: ModelPurpose, machine: MachineResources, budget: number, catalog: readonly CatalogModel[]) {
  const list = candidates(purpose, catalog);
  // Chat is read at reading speed, so 1.5B is the CPU ceiling for it; completion needs lower latency.
  const cap =
    purpose === 'chat' || machine.ramTotalBytes >= CPU_LARGER_COMPLETION_MIN_RAM ? SMALL_MODEL_PARAMETERS : 1e9;
  return largestFitting(list, budget, (m) => m.parameterCount <= cap) ?? smallest(list);
}

export function recommendModels(
  machine: MachineResources,
  catalog: readonly CatalogModel[] = MODEL_CATALOG,
): Recommendation {
  const completions = candidates('completion', catalog);
  const chats = candidates('chat', catalog);

  if (machine.backend !== 'cpu') {
    const budget = gpuBudget(machine);
    const completion = largestFitting(
      completions,
      budget,
      (m) => m.memoryBytes <= COMPLETION_BUDGET_SHARE * budget || m.parameterCount <= SMALL_MODEL_PARAMETERS,
    );
    if (completion) {
      const gpuChat = largestFitting(chats, budget - completion.memoryBytes);
      const chat = gpuChat ?? cpuChoice('chat', machine, ramBudget(machine), catalog);
      const chatPlacement: Placement = gpuChat || machine.backend === 'metal' ? 'gpu' : 'cpu';
      return {
        completion,
        chat,
        completionPlacement: 'gpu',
        chatPlacement,
        budgetBytes: budget,
        reason: gpuReason(machine, budget, completion, chat, chatPlacement),
      };
    }
    // A GPU too small for even the smallest completion model: plan as for the CPU.
  }

  const budget = ramBudget(machine);
  const completion = cpuChoice('completion', machine, budget, catalog);
  const chat = cpuChoice('chat', machine, Math.max(0, budget - completion.memoryBytes), catalog);
  return {
    completion,
    chat,
    completionPlacement: 'cpu',
    chatPlacement: 'cpu',
    budgetBytes: budget,
    reason: cpuReason(machine, budget, completion, chat),
  };
}

const BACKEND_NAMES: Record<Backend, string> = {
  cuda: 'NVIDIA GPU',
  vulkan: 'GPU (Vulkan)',
  metal: 'Apple GPU',
  cpu: 'CPU',
};

function pair(completion: CatalogModel, chat: CatalogModel): string {
  return `${completion.displayName} for completions and ${chat.displayName} for chat`;
}

function gpuReason(
  machine: MachineResources,
  budget: number,
  completion: CatalogModel,
  chat: CatalogModel,
  chatPlacement: Placement,
): string {
  const gpu =
    machine.backend === 'metal'
      ? `Apple GPU sharing ${formatBytes(machine.ramTotalBytes)} of unified memory`
      : `${BACKEND_NAMES[machine.backend]} with ${formatBytes(machine.vramFreeBytes)} free`;
  const total = completion.memoryBytes + chat.memoryBytes;
  if (chatPlacement === 'gpu') {
    return `${gpu}: ${pair(completion, chat)} fit on it together (about ${formatBytes(total)} of ${formatBytes(budget)} usable).`;
  }
  return (
    `${gpu}: ${completion.displayName} for completions fits on it (about ${formatBytes(completion.memoryBytes)}); ` +
    `${chat.displayName} for chat will run mostly on the CPU, so answers come slower.`
  );
}

function cpuReason(machine: MachineResources, budget: number, completion: CatalogModel, chat: CatalogModel): string {
  const why =
    machine.backend === 'cpu'
      ? 'No GPU is in use'
      : `The ${BACKEND_NAMES[machine.backend]} has too little free memory (${formatBytes(machine.vramFreeBytes)})`;
  const total = completion.memoryBytes + chat.memoryBytes;
  const tight =
    total > budget
      ? ` Memory is tight (${formatBytes(budget)} available for models): close other programs if the models fail to load.`
      : '';
  return (
    `${why}, so the models run on the CPU, where small models keep completions quick: ${pair(completion, chat)} ` +
    `(about ${formatBytes(total)} of RAM).${tight}`
  );
}
