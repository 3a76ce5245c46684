import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const bin = (path: string) => join(ROOT, 'node_modules', path);

/** One problem Redocly reports. */
export interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer?: string }>;
}

/** A scratch folder for generated files, removed by `remove()`. */
export async function scratchDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'openapi-clients-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

// The CLIs are run as a frontend team would run them, in their own process; no telemetry, no
// update check (the machine has no network besides the package registry).
const CLI_ENV = {
  ...process.env,
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
};

/** Lints an OpenAPI document with `@redocly/cli lint` and Redocly's `recommended` rules. */
export async function redoclyLint(file: string): Promise<LintProblem[]> {
  const { stdout } = await run(
    process.execPath,
    [bin('@redocly/cli/bin/cli.js'), 'lint', file, '--extends', 'recommended', '--format', 'json'],
    { env: CLI_ENV, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: Error & { stdout?: string; stderr?: string }) => {
    // Exit code 1 when there are errors: the JSON report is on stdout all the same.
    if (error.stdout) return { stdout: error.stdout };
    throw new Error(`redocly lint failed: ${error.stderr ?? error.message}`);
  });
  return (JSON.parse(stdout) as { problems: LintProblem[] }).problems;
}

/** Generates TypeScript types from an OpenAPI document with the `openapi-typescript` CLI. */
export async function openapiTypescript(file: string, output: string): Promise<void> {
  await run(process.execPath, [bin('openapi-typescript/bin/cli.js'), file, '-o', output], {
    env: CLI_ENV,
  });
}

/**
 * Type-checks files as a frontend project would (strict, ES modules, bundler resolution), with
 * `openapi-fetch` resolved from this project's node_modules. Returns each diagnostic as
 * `file:line: message`.
 */
export function typeCheck(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    skipLibCheck: true,
    types: [],
    baseUrl: ROOT,
    paths: { 'openapi-fetch': [bin('openapi-fetch')] },
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!diagnostic.file || diagnostic.start === undefined) return text;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${diagnostic.file.fileName.split('/').pop()}:${line + 1}: ${text}`;
  });
}

/** Writes `document` as JSON into `dir` and returns the file's path. */
export async function writeDocument(dir: string, document: unknown): Promise<string> {
  const file = join(dir, 'openapi.json');
  await writeFile(file, JSON.stringify(document));
  return file;
}
