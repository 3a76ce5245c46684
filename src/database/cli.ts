/**
 * Migration command line, used by `npm run migration:*` (ts-node) and by the Docker image
 * (`node dist/database/cli.js run`). It connects like the app does: `DATABASE_URL`, or the embedded
 * PostgreSQL under `EMBEDDED_PG_DIR` when unset.
 *
 *   run              apply pending migrations
 *   revert           undo the last applied migration
 *   show             list migrations and whether each is applied
 *   generate <Name>  write a migration for the difference between the entities and the database
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
// Not from the config index: that loads AppConfigModule, whose import validates the whole app's
// environment (auth, model keys…) that a migration run does not need.
import { databaseConfig } from '../config/database.config';
import { loadEnvironmentFile } from '../config/load-environment';
import { resolveDatabaseLocation } from './database-location';
import { runMigrationsLocked } from './migration-runner';
import { buildDataSourceOptions, ENTITY_FILES } from './typeorm-options';

async function main(command: string, name: string | undefined): Promise<void> {
  // Only the database settings matter here (and are validated by databaseConfig()): a migration
  // Job needs no auth secret or model key.
  loadEnvironmentFile();
  const config = databaseConfig();
  const location = await resolveDatabaseLocation(config);
  const dataSource = new DataSource({
    ...buildDataSourceOptions({ url: location.url, poolSize: 2, statementTimeoutMs: 0 }),
    entities: ENTITY_FILES,
  });
  await dataSource.initialize();
  try {
    switch (command) {
      case 'run': {
        const applied = await runMigrationsLocked(dataSource);
        console.log(
          applied.length ? applied.map((m) => `applied ${m.name}`).join('\n') : 'nothing to apply',
        );
        break;
      }
      case 'revert':
        await dataSource.undoLastMigration({ transaction: 'each' });
        console.log('reverted the last migration');
        break;
      case 'show': {
        const applied = new Set(
          (
            await dataSource
              .query<Array<{ name: string }>>('SELECT name FROM schema_migrations')
              .catch(() => [])
          ).map((row) => row.name),
        );
        for (const migration of dataSource.migrations) {
          console.log(`${applied.has(migration.name ?? '') ? '[x]' : '[ ]'} ${migration.name}`);
        }
        break;
      }
      case 'generate':
        generate(await dataSource.driver.createSchemaBuilder().log(), name);
        break;
      default:
        throw new Error('usage: cli.ts run | revert | show | generate <Name>');
    }
  } finally {
    await dataSource.destroy();
    await location.stop();
  }
}

function generate(
  sql: Awaited<ReturnType<ReturnType<DataSource['driver']['createSchemaBuilder']>['log']>>,
  name?: string,
): void {
  if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
    throw new Error(
      'generate needs a PascalCase name, e.g. `npm run migration:generate -- AddRuns`',
    );
  }
  if (sql.upQueries.length === 0) {
    console.log('The entities match the database: nothing to generate.');
    return;
  }
  const timestamp = Date.now();
  const kebab = name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  const className = `${name}${timestamp}`;
  const lines = (queries: typeof sql.upQueries) =>
    queries.map((q) => `    await db.query(${JSON.stringify(q.query)});`).join('\n');
  const file = join(__dirname, 'migrations', `${timestamp}-${kebab}.ts`);
  writeFileSync(
    file,
    `import type { MigrationInterface, QueryRunner } from 'typeorm';

/** TODO(author): say what this migration changes and why. */
export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(db: QueryRunner): Promise<void> {
${lines(sql.upQueries)}
  }

  async down(db: QueryRunner): Promise<void> {
${lines([...sql.downQueries].reverse())}
  }
}
`,
  );
  console.log(`Wrote ${file}\nAdd ${className} to MIGRATIONS in src/database/migrations/index.ts.`);
}

main(process.argv[2] ?? '', process.argv[3]).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
