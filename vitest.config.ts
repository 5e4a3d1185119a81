import { defineConfig } from 'vitest/config';

// One runner for the whole repository. Database-facing tests (`*.db.test.ts`) run twice:
// against the embedded PGlite and against a real PostgreSQL server.
const shared = {
  pool: 'forks' as const,
  // isolated-vm requires Node to start without its startup snapshot.
  execArgv: ['--no-node-snapshot'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    ...shared,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.db.test.ts', '**/*.browser.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: ['**/*.db.test.ts'],
          exclude: ['**/node_modules/**'],
          env: { PENNY_TEST_DB: 'pglite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['**/*.db.test.ts'],
          exclude: ['**/node_modules/**'],
          env: { PENNY_TEST_DB: 'postgres' },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['**/*.browser.test.ts'],
          exclude: ['**/node_modules/**'],
        },
      },
    ],
  },
});
