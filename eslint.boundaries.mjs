// @ts-check
import { readdirSync } from 'node:fs';
import boundaries from 'eslint-plugin-boundaries';

/**
 * Which `src/` folder may import which. Keep it a DAG: a feature depends on the folders below it,
 * never back (an owner registers itself with what sits below it instead: entities with TypeORM,
 * error classifiers with the breaker registry, indicators with health, HTTP answers with the
 * problem filter). The files at the top of `src/` (main, app module) belong to no folder and may import anything.
 */
export const FOLDER_DEPENDENCIES = {
  config: [],
  common: [],
  logging: ['config'],
  lifecycle: ['config'],
  auth: ['common', 'config'],
  'rate-limit': ['auth', 'config'],
  resilience: ['auth', 'common', 'config'],
  database: ['common', 'config', 'resilience'],
  streaming: ['config', 'lifecycle'],
  metrics: ['auth', 'config', 'resilience', 'streaming'],
  monitoring: ['auth', 'config', 'metrics'],
  health: [
    'auth',
    'common',
    'config',
    'database',
    'lifecycle',
    'monitoring',
    'resilience',
    'streaming',
  ],
  agent: ['config'],
  openapi: ['auth', 'common'],
  conversations: ['auth', 'common', 'config', 'database'],
  knowledge: ['agent', 'auth', 'common', 'config', 'database', 'health', 'resilience'],
  runs: [
    'agent',
    'auth',
    'common',
    'config',
    'conversations',
    'database',
    'knowledge',
    'lifecycle',
    'metrics',
    'openapi',
    'resilience',
    'streaming',
    'webhooks',
  ],
  protocols: ['auth', 'common', 'openapi', 'runs'],
  'stream-tokens': ['auth', 'common', 'config', 'conversations', 'database', 'openapi'],
  webhooks: ['auth', 'common', 'config', 'database', 'metrics', 'resilience'],
  demo: [],
};

/** Throws if the allowed folder dependencies have a cycle (the lint rule alone would allow one). */
function assertAcyclic(graph) {
  const done = new Set();
  const visit = (folder, path) => {
    if (path.includes(folder)) {
      throw new Error(`FOLDER_DEPENDENCIES has a cycle: ${[...path, folder].join(' -> ')}`);
    }
    if (done.has(folder)) return;
    for (const next of graph[folder] ?? []) visit(next, [...path, folder]);
    done.add(folder);
  };
  for (const folder of Object.keys(graph)) visit(folder, []);
}
assertAcyclic(FOLDER_DEPENDENCIES);

// A folder missing from the map would be checked by nothing.
const unlisted = readdirSync(new URL('src', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !(entry.name in FOLDER_DEPENDENCIES))
  .map((entry) => entry.name);
if (unlisted.length > 0) {
  throw new Error(`src/ folders missing from FOLDER_DEPENDENCIES: ${unlisted.join(', ')}`);
}

/** The ESLint block that enforces {@link FOLDER_DEPENDENCIES} on every file under `src/`. */
export const folderBoundaries = {
  files: ['src/**/*.ts'],
  plugins: { boundaries },
  settings: {
    'import/resolver': { node: { extensions: ['.ts', '.js'] } },
    'boundaries/elements': [
      ...Object.keys(FOLDER_DEPENDENCIES).map((folder) => ({
        type: folder,
        pattern: `src/${folder}`,
      })),
    ],
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        message:
          'src/{{from.type}} may not import src/{{to.type}} (see FOLDER_DEPENDENCIES in eslint.boundaries.mjs)',
        policies: [
          ...Object.entries(FOLDER_DEPENDENCIES)
            .filter(([, allowed]) => allowed.length > 0)
            .map(([folder, allowed]) => ({
              from: { element: { type: folder } },
              allow: { to: { element: { type: allowed } } },
            })),
        ],
      },
    ],
  },
};

// Alone, for checking one file's imports without type information (test/architecture).
export default [folderBoundaries];
