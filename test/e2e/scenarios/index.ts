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
import { nextEditScenarios } from './nextEdit';
import { npmStartScenarios } from './npmStart';
import { qwenModelScenarios } from './qwenModel';
import { settingsScenarios } from './settings';
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
];
