import { Client } from 'pg';

/** Row count and a checksum of every row, per table of the public schema. */
export type TableSnapshot = Record<string, { rows: number; checksum: string }>;

/** Takes {@link TableSnapshot}s of one database over one connection. */
export interface TableSnapshots {
  take(): Promise<TableSnapshot>;
  close(): Promise<void>;
}

/**
 * Reads every table of the database (public schema) as row counts and md5 checksums of all rows in
 * a stable order, in one statement: two equal snapshots mean no row was added, removed or changed
 * in between.
 */
export async function tableSnapshots(databaseUrl: string): Promise<TableSnapshots> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const statement = tables
    .map(
      ({ name }) =>
        `SELECT '${name}' AS name, count(*)::int AS rows,
                coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS checksum
         FROM ${name} t`,
    )
    .join(' UNION ALL ');
  return {
    take: async () => {
      const { rows } = await client.query<{ name: string; rows: number; checksum: string }>(
        statement,
      );
      return Object.fromEntries(rows.map(({ name, ...rest }) => [name, rest]));
    },
    close: () => client.end(),
  };
}
