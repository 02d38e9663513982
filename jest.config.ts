/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// Sources are TypeScript ESM with `.js` in relative imports; @swc/jest compiles them to
// CommonJS for Jest, and each `@axios-client-cache/<name>` points at `packages/<name>/src`.
const shared: Config = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  // jose is ESM-only: let swc compile it like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/|jose/)'],
  moduleNameMapper: {
    '^@axios-client-cache/test-suite$': '<rootDir>/packages/test-suite/src/index.ts',
    '^@axios-client-cache/(core|memory|redis|signed|cli)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
};

// The Redis suites run once more with `ioredis` resolved to ioredis 6 (the library's own
// imports and the tests'), so both majors the redis package accepts as a peer are tested.
// Processes the tests fork (tsx) get the same mapping through tsconfig.ioredis6.json.
const ioredis6: Config = {
  ...shared,
  displayName: 'ioredis 6',
  testMatch: ['<rootDir>/packages/redis/test/**/*.int.test.ts', '<rootDir>/packages/signed/test/redis.int.test.ts'],
  moduleNameMapper: { '^ioredis$': '<rootDir>/packages/redis/node_modules/ioredis6', ...shared.moduleNameMapper },
  setupFiles: ['<rootDir>/scripts/jest-ioredis6.cjs'],
};

const config: Config = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/packages/*/test/**/*.test.ts',
        '<rootDir>/examples/*/test/**/*.test.ts',
        '!**/*.int.test.ts',
      ],
    },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/packages/*/test/**/*.int.test.ts'] },
    ioredis6,
  ],
  testTimeout: 30_000,
};

export default config;
