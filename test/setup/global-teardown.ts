import { ADMIN_URL_VARIABLE, TEMPLATE_VARIABLE, withClient } from '../support/test-database';

/** Drops every database this run made (the template and the per-file clones), then the server. */
export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env[ADMIN_URL_VARIABLE];
  const template = process.env[TEMPLATE_VARIABLE];
  if (adminUrl && template) {
    const prefix = template.replace(/^agent_test_tpl_/, '');
    await withClient(adminUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
        [template, `agent_test_f_${prefix}_%`],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    });
  }
  await globalThis.__EMBEDDED_TEST_DB__?.stop();
}
