// Starts the real engine process (dist/engine.js) on the generated test model, the way the
// extension does, with the settings the suite uses on a 2-core machine (1 thread, small context).
import { EngineClient, type EngineClientOptions } from '../../src/engine/client/engineClient';
import type { LoadParams } from '../../src/core/engine/protocol';
import { createLogger } from '../../src/core/util/logger';
import { requireBuiltEngine, testModelPath } from './testModel';

export const TEST_LOAD: Omit<LoadParams, 'completionModel' | 'chatModel'> = {
  contextSize: 2048,
  threads: 1,
  gpuLayers: 0,
};

export function startEngine(
  options: Partial<EngineClientOptions> = {},
  load: Partial<LoadParams> = {},
): { client: EngineClient; logs: string[] } {
  const logs: string[] = [];
  const client = new EngineClient({
    enginePath: requireBuiltEngine(),
    gpu: 'auto',
    restartDelaysMs: [50, 100, 200],
    log: createLogger((level, message) => logs.push(`${level}: ${message}`)),
    ...options,
  });
  const model = testModelPath();
  client.configure({ completionModel: model, chatModel: model, ...TEST_LOAD, ...load });
  return { client, logs };
}
