// `--sim-hw`: the hardware a replay's latencies are projected onto. The test models' own speed says
// nothing about a real model's, so a projected replay times every model call by the tokens it
// really evaluated and generated at a profile's speeds (deviceMeter.ts, projected timing).
// The profiles are a 1.5B model quantized to Q8 (Qwen2.5-Coder 1.5B, the default completion
// model for most machines): prompt evaluation and generation speeds, tokens per second.
import type { DeviceTiming, DeviceWork } from './deviceMeter';

export interface HardwareProfile {
  name: string;
  promptTokensPerSecond: number;
  generatedTokensPerSecond: number;
  description: string;
}

export const HARDWARE_PROFILES: Readonly<Record<string, HardwareProfile>> = Object.freeze({
  gpu: {
    name: 'gpu',
    promptTokensPerSecond: 6000,
    generatedTokensPerSecond: 150,
    description: 'a discrete GPU running a 1.5B Q8 model',
  },
  'laptop-cpu': {
    name: 'laptop-cpu',
    promptTokensPerSecond: 300,
    generatedTokensPerSecond: 25,
    description: "a laptop's CPU running a 1.5B Q8 model",
  },
});

export const SIM_HW_HELP =
  `gpu (${HARDWARE_PROFILES.gpu!.promptTokensPerSecond} prompt / ` +
  `${HARDWARE_PROFILES.gpu!.generatedTokensPerSecond} generated tok/s), laptop-cpu ` +
  `(${HARDWARE_PROFILES['laptop-cpu']!.promptTokensPerSecond} / ` +
  `${HARDWARE_PROFILES['laptop-cpu']!.generatedTokensPerSecond}), or <name>:<prompt>/<generated> ` +
  `(e.g. custom:6000/150)`;

/** Parses `gpu`, `laptop-cpu`, or `<name>:<prompt tok/s>/<generated tok/s>`; throws a RangeError
 * with a message for the user otherwise. */
export function parseHardwareProfile(spec: string): HardwareProfile {
  const known = HARDWARE_PROFILES[spec];
  if (known) return known;
  const m = /^([a-z][\w.-]*):(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/i.exec(spec.trim());
  if (!m) throw new RangeError(`--sim-hw must be ${SIM_HW_HELP}; got "${spec}"`);
  const prompt = Number(m[2]);
  const generated = Number(m[3]);
  if (!(prompt > 0) || !(generated > 0)) throw new RangeError('--sim-hw speeds must be above 0 tokens per second');
  return {
    name: m[1]!,
    promptTokensPerSecond: prompt,
    generatedTokensPerSecond: generated,
    description: `${prompt} prompt / ${generated} generated tokens per second`,
  };
}

/** Simulated milliseconds for a call's work on the profile. */
export function projectedMs(profile: HardwareProfile, work: DeviceWork): number {
  return (work.evaluated / profile.promptTokensPerSecond + work.generated / profile.generatedTokensPerSecond) * 1000;
}

export function projectedTiming(profile: HardwareProfile): DeviceTiming {
  return {
    kind: 'projected',
    durationMs: (work) => projectedMs(profile, work),
    label: `sim-hw ${profile.name} (${profile.promptTokensPerSecond} prompt / ${profile.generatedTokensPerSecond} generated tok/s)`,
  };
}
