import { spawnSync } from 'node:child_process';

/**
 * `promtool check metrics` on a Prometheus text answer: what Prometheus' own linter says of the
 * names, types and help texts. Throws when promtool is not installed (Debian's `prometheus`
 * package ships it; `.ci/run` installs it): a check that silently passed without it would prove
 * nothing.
 */
export function promtoolCheckMetrics(text: string): { ok: boolean; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `promtool is not available (${result.error.message}): install it with ` +
        '`apt-get install prometheus` (Debian), as .ci/run does',
    );
  }
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}
