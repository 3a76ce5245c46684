import { DataSource } from 'typeorm';
import { buildDataSourceOptions, ENTITY_FILES } from '../src/database/typeorm-options';
import { runMigrationsLocked } from '../src/database/migration-runner';
import { MIGRATIONS } from '../src/database/migrations';
import {
  ADMIN_URL_VARIABLE,
  uniqueDatabaseName,
  withClient,
  withDatabase,
} from './support/test-database';

describe('Migrations', () => {
  const adminUrl = () => process.env[ADMIN_URL_VARIABLE]!;
  let name: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    name = uniqueDatabaseName('agent_test_migrations');
    await withClient(adminUrl(), (client) => client.query(`CREATE DATABASE "${name}"`));
    dataSource = new DataSource({
      ...buildDataSourceOptions({
        url: withDatabase(adminUrl(), name),
        poolSize: 3,
        statementTimeoutMs: 0,
      }),
      entities: ENTITY_FILES,
    });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await withClient(adminUrl(), (client) => client.query(`DROP DATABASE "${name}" WITH (FORCE)`));
  });

  const tables = async () =>
    (
      await dataSource.query<Array<{ table_name: string }>>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      )
    ).map((row) => row.table_name);

  it('applies every migration to an empty database, concurrently safe, and reverts them all', async () => {
    expect(await dataSource.showMigrations()).toBe(true);
    // Two "replicas" migrating at once: the advisory lock makes the second find nothing to do.
    const [first, second] = await Promise.all([
      runMigrationsLocked(dataSource),
      runMigrationsLocked(dataSource),
    ]);
    expect(first.length + second.length).toBe(MIGRATIONS.length);
    expect(await dataSource.showMigrations()).toBe(false);
    expect(await tables()).toEqual(
      expect.arrayContaining(['conversations', 'messages', 'schema_migrations']),
    );

    // The entities describe exactly the schema the migrations build: nothing left to generate.
    expect(dataSource.entityMetadatas.map((entity) => entity.tableName).sort()).toEqual([
      'conversations',
      'knowledge_chunks',
      'knowledge_documents',
      'messages',
      'run_events',
      'runs',
      'webhook_deliveries',
    ]);
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);

    for (let i = 0; i < MIGRATIONS.length; i++)
      await dataSource.undoLastMigration({ transaction: 'each' });
    // typeorm_metadata is TypeORM's own bookkeeping, like schema_migrations: its migration runner
    // makes it once an entity has a generated column (knowledge_chunks.search_vector).
    expect(await tables()).toEqual(['schema_migrations', 'typeorm_metadata']);
    expect(await dataSource.query('SELECT * FROM typeorm_metadata')).toEqual([]);
  });
});
