import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Lints `code` as if it were the file `path`, with the folder rule of `npm run lint` alone. */
function lintAs(path: string, code: string): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--config',
      'eslint.boundaries.mjs',
      '--stdin',
      '--stdin-filename',
      path,
    ],
    { cwd: ROOT, input: code, encoding: 'utf8' },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('Folder dependencies (npm run lint)', () => {
  it('refuses an import that would close a cycle between folders', () => {
    // runs imports conversations; conversations importing runs back is a cycle.
    const { status, output } = lintAs(
      'src/conversations/cycle.ts',
      "import { RunEntity } from '../runs/run.entity';\nexport const entity = RunEntity;\n",
    );
    expect(status).toBe(1);
    expect(output).toContain('src/conversations may not import src/runs');
  });

  it('refuses a lower folder importing a feature (database importing runs)', () => {
    const { status, output } = lintAs(
      'src/database/entities.ts',
      "export { RunEntity } from '../runs/run.entity';\n",
    );
    expect(status).toBe(1);
    expect(output).toContain('src/database may not import src/runs');
  });

  it('lets a folder import what it may (runs importing conversations)', () => {
    const { status, output } = lintAs(
      'src/runs/allowed.ts',
      "import { MessagesService } from '../conversations/messages.service';\nexport const service = MessagesService;\n",
    );
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
