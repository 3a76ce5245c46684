// One `npm test` runs both tiers with coverage: unit specs beside the code, and e2e specs in test/
// that boot the real AppModule against real PostgreSQL (DATABASE_URL, or an embedded server that
// test/setup/global-setup.ts starts once for the whole run).
const transform = { '^.+\\.ts$': ['@swc/jest'] };

/** @type {import('jest').Config} */
module.exports = {
  coverageDirectory: 'coverage',
  collectCoverageFrom: [
    'src/**/*.ts',
    '!src/**/*.spec.ts',
    // These run where Jest collects no coverage: main.ts and the embedded server in the child
    // processes of test/startup.e2e-spec.ts and in the global setup; cli.ts as a command.
    '!src/main.ts',
    '!src/database/embedded-postgres.ts',
    '!src/database/leftover-postgres.ts',
    '!src/**/*.module.ts',
    '!src/database/migrations/**',
    '!src/database/cli.ts',
  ],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 80, branches: 80 } },
  maxWorkers: 2,
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      // packages/client is ESM source whose relative imports name the compiled `.js` files.
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
