// Every scenario, in the order they run (one window, one after another). A feature area adds a
// file next to this one that exports its scenarios, and one line here.
import type { Scenario } from '../harness/scenario';
import { actionScenarios } from './actions';
import { chatScenarios } from './chat';
import { completionScenarios } from './completion';
import { completionTriggerScenarios } from './completionTriggers';
import { engineScenarios } from './engine';
import { firstHourScenarios } from './firstHour';
import { harnessScenarios } from './harness';
import { languageModelScenarios } from './languageModel';
import { nextEditScenarios } from './nextEdit';
import { npmStartScenarios } from './npmStart';
import { qwenModelScenarios } from './qwenModel';
import { settingsScenarios } from './settings';
import { sharedEngineScenarios } from './sharedEngine';
import { teamServerScenarios } from './teamServer';
import { walkthroughScenarios } from './walkthrough';

export const allScenarios: readonly Scenario[] = [
  ...engineScenarios,
  ...walkthroughScenarios,
  ...harnessScenarios,
  ...completionScenarios,
  ...completionTriggerScenarios,
  ...nextEditScenarios,
  ...chatScenarios,
  ...actionScenarios,
  ...qwenModelScenarios,
  ...firstHourScenarios,
  ...settingsScenarios,
  ...teamServerScenarios,
  ...npmStartScenarios,
  ...sharedEngineScenarios,
];

/** Names of the scenarios that also run on the current stable VS Code: activation, ghost text, a
 * chat answer, and Alembic's model in VS Code's own chat. (The full set runs on the floor.) */
const ON_CURRENT_VERSION = [
  'the extension activates and the status bar says the test model is ready on the CPU',
  'typing in a file shows ghost text from the test model, and Tab accepts it',
  'the chat opens with its keyboard command, shows the chat model and focuses its input',
  "the chat streams the test model's answer as markdown, with a folded thinking block and the speed under it",
];

export const currentVersionScenarios: readonly Scenario[] = [
  ...allScenarios.filter((s) => ON_CURRENT_VERSION.includes(s.name)),
  ...languageModelScenarios,
];

/** Every scenario that runs on the current stable VS Code, for `--vscode current`. */
export const allCurrentVersionScenarios: readonly Scenario[] = [...allScenarios, ...languageModelScenarios];
