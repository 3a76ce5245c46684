import { existsSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';

/**
 * Where the demo chat page's files are: `packages/demo-page/` of the repository (the same two
 * levels up from src/demo and from dist/demo). The page's script and the client it imports are
 * compiled ES modules (`npm run build:demo`); the image built by the Dockerfile has neither.
 */
const PAGE_DIR = join(__dirname, '..', '..', 'packages', 'demo-page');
const SCRIPTS_DIR = join(PAGE_DIR, 'dist');

/** The page's HTML file. */
export const DEMO_PAGE_FILE = join(PAGE_DIR, 'index.html');

/** The page's entry module, as the HTML names it under `/demo/assets/`. */
export const DEMO_ENTRY = 'demo-page/src/chat-page.js';

/** Whether the compiled scripts are there (they are not until `npm run build:demo`). */
export function demoScriptsBuilt(): boolean {
  return existsSync(join(SCRIPTS_DIR, DEMO_ENTRY));
}

/** What a served file is, by its extension; other files are not served. */
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The file and content type for a path under `/demo/assets/`, or undefined when it is not one
 * of the compiled scripts: only plain names (letters, digits, `-`, `.`) in plain folders, never
 * `..`, so nothing outside `dist/` can be read.
 */
export function demoAsset(path: string): { file: string; type: string } | undefined {
  if (!/^([a-z0-9-]+\/)*[a-z0-9-]+(\.[a-z0-9]+)+$/i.test(path)) return undefined;
  const type = TYPES[path.slice(path.lastIndexOf('.'))];
  const file = normalize(join(SCRIPTS_DIR, path));
  if (!type || !file.startsWith(SCRIPTS_DIR + sep) || !existsSync(file)) return undefined;
  return { file, type };
}
