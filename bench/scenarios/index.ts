import { breakerScenario } from './breaker';
import { burstScenario } from './burst';
import { capacityScenario } from './capacity';
import { clusterScenario } from './cluster';
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
  clusterScenario,
  opsScenario,
  streamsScenario,
  openaiScenario,
  memoryScenario,
  monitoringScenario,
  burstScenario,
  capacityScenario,
  breakerScenario,
  knowledgeScenario,
] as const;
