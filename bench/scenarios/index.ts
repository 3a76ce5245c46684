import { breakerScenario } from './breaker';
import { capacityScenario } from './capacity';
import { knowledgeScenario } from './knowledge';
import { memoryScenario } from './memory';
import { monitoringScenario } from './monitoring';
import { openaiScenario } from './openai';
import { opsScenario } from './ops';
import { restScenario } from './rest';
import { streamsScenario } from './streams';

/** Every scenario, in the order `npm run bench` runs them; `--only` picks some by name. */
export const SCENARIOS = [
  restScenario,
  opsScenario,
  streamsScenario,
  openaiScenario,
  memoryScenario,
  monitoringScenario,
  capacityScenario,
  breakerScenario,
  knowledgeScenario,
] as const;
