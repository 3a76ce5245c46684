import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

/** Reading and parsing the deployment artefacts (Dockerfile, compose, chart, docs) for the specs. */

export const ROOT = join(__dirname, '..', '..');
export const CHART_DIR = join(ROOT, 'helm', 'agent-server');

export function readText(relativePath: string): string {
  const path = join(ROOT, relativePath);
  if (!existsSync(path)) throw new Error(`${relativePath} does not exist`);
  return readFileSync(path, 'utf8');
}

/**
 * Parsed YAML or JSON, navigated freely by the specs (a wrong path fails the expectation that reads
 * it, which is what a typed model of compose files and charts would add).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Data = Record<string, any>;

/** One YAML document, as plain data. */
export function readYaml<T = Data>(relativePath: string): T {
  return load(readText(relativePath)) as T;
}

export function readJson<T = Data>(relativePath: string): T {
  return JSON.parse(readText(relativePath)) as T;
}

/** Every variable `.env.example` names (commented or not), in order. */
export function envExampleNames(): string[] {
  const names = [...readText('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map(
    (m) => m[1],
  );
  return [...new Set(names)];
}

/** The defaults `.env.example` shows, e.g. `SHUTDOWN_GRACE_MS` -> `25000`. */
export function envExampleDefault(name: string): string | undefined {
  const match = new RegExp(`^#?\\s*${name}=(\\S*)`, 'm').exec(readText('.env.example'));
  return match?.[1];
}

/** Variables that hold credentials: never in a ConfigMap, an image or a compose file. */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'AUTH_JWT_SECRET',
  'AUTH_STREAM_TOKEN_SECRET',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'WEBHOOKS_SECRET',
] as const;

// --- Dockerfile ------------------------------------------------------------------------------

export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

export interface DockerStage {
  /** The image it starts from, with ARG defaults substituted. */
  from: string;
  name?: string;
  instructions: DockerInstruction[];
}

/** Joins continuation lines, drops comments, and splits the file into stages. */
export function parseDockerfile(text: string): {
  globalArgs: Record<string, string>;
  stages: DockerStage[];
} {
  const logical: DockerInstruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending && line.trim().startsWith('#')) return;
    if (!pending) startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const [keyword, ...rest] = full.split(/\s+/);
    logical.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: startLine });
  });

  const globalArgs: Record<string, string> = {};
  const stages: DockerStage[] = [];
  const substitute = (value: string) =>
    value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => globalArgs[name] ?? '');
  for (const instruction of logical) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`Unreadable FROM on line ${instruction.line}`);
      stages.push({ from: substitute(match[1]), name: match[2], instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name, value = ''] = instruction.args.split('=');
        globalArgs[name.trim()] = value.trim();
      }
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** `CMD ["a", "b"]` -> `['a', 'b']`; a shell-form command -> undefined. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((p): p is string => typeof p === 'string')
    ? parsed
    : undefined;
}

/**
 * Whether a path of the build context is left out by `.dockerignore` (Docker's rules: patterns
 * from the context root, `*` within one path segment, `**` across segments, `!` re-includes, the
 * last matching line wins, and a pattern that matches a directory leaves out what is inside).
 */
export function isDockerIgnored(path: string, dockerignore: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      const source = pattern
        .split('/')
        .map((segment) =>
          segment === '**'
            ? '(?:.*)'
            : segment
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { negate, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
  let ignored = false;
  for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.negate;
  return ignored;
}

// --- Compose ---------------------------------------------------------------------------------

/** Resolves `${VAR:-default}` and `${VAR}` the way compose does with nothing set. */
export function interpolateDefaults(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_, _name, fallback?: string) =>
    fallback === undefined ? '' : fallback,
  );
}

/** Compose durations (`35s`, `1m30s`, `500ms`) in milliseconds. */
export function composeDurationMs(value: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  const rest = value.replace(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g, (_, amount: string, unit: string) => {
    total += Number(amount) * units[unit];
    return '';
  });
  if (rest.trim() !== '' || total === 0) throw new Error(`Not a compose duration: ${value}`);
  return total;
}

// --- Helm --------------------------------------------------------------------------------------

export function chartTemplate(name: string): string {
  return readText(join('helm', 'agent-server', 'templates', name));
}

/**
 * The block of a YAML-ish template under `key:` (the lines indented deeper than it), e.g. the
 * `livenessProbe:` of a container. Throws when the key is missing.
 */
export function templateBlock(text: string, key: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\s*(?:- )?${key}:\\s*$`).test(line));
  if (start < 0) throw new Error(`No "${key}:" block`);
  const indent = /^\s*/.exec(lines[start])![0].length;
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const trimmed = line.trim();
    if (trimmed && !trimmed.startsWith('{{') && /^\s*/.exec(line)![0].length <= indent) break;
    block.push(line);
  }
  return block.join('\n');
}

/** Every `.Values.a.b.c` path the templates read. */
export function valuesPathsInTemplates(templates: string[]): string[] {
  const paths = templates.flatMap((text) =>
    [...text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) => m[1].slice(1)),
  );
  return [...new Set(paths)].sort();
}

/** Whether `values` has the dotted `path` (a key whose value may be null counts). */
export function hasPath(values: unknown, path: string): boolean {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** `PORT: '8000'` or `PORT: 8000` as a number; '' and null as undefined. */
export function numericValue(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`Not a number: ${JSON.stringify(value)}`);
  return number;
}

// --- Docs --------------------------------------------------------------------------------------

/** GitHub's anchor for a Markdown heading. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
