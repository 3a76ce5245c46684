import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopLeftoverPostgres } from './leftover-postgres';

/**
 * The stopping itself is proven on a real server in test/startup.e2e-spec.ts; here, that nothing
 * but a live postgres of this very directory is ever signalled.
 */
describe('stopLeftoverPostgres', () => {
  let dir: string;
  const kill = jest.spyOn(process, 'kill');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leftover-pg-'));
    kill.mockClear();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const lock = (pid: number, dataDir = dir) =>
    writeFile(join(dir, 'postmaster.pid'), `${pid}\n${dataDir}\n1700000000\n5432\n\n127.0.0.1\n`);
  const signalsSent = () => kill.mock.calls.filter(([, signal]) => signal !== 0);

  it('does nothing without a lock file', async () => {
    await expect(stopLeftoverPostgres(dir)).resolves.toBeUndefined();
    expect(signalsSent()).toEqual([]);
  });

  it('leaves a lock file of a process that is not postgres (a reused pid) to PostgreSQL', async () => {
    await lock(process.pid);
    await expect(stopLeftoverPostgres(dir)).resolves.toBeUndefined();
    expect(signalsSent()).toEqual([]);
  });

  it('leaves a lock file naming another directory, or a pid that is gone, alone', async () => {
    await lock(process.pid, '/somewhere/else');
    await expect(stopLeftoverPostgres(dir)).resolves.toBeUndefined();
    await lock(2 ** 22 + 17);
    await expect(stopLeftoverPostgres(dir)).resolves.toBeUndefined();
    expect(signalsSent()).toEqual([]);
  });
});
