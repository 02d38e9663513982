/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// Sources are TypeScript ESM with `.js` in relative imports; @swc/jest compiles them to
// CommonJS for Jest, and each `@axios-client-cache/<name>` points at `packages/<name>/src`.
const shared: Config = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
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

const config: Config = {
  projects: [
    {
      ...shared, displayName: 'unit',
      testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/examples/*/test/**/*.test.ts', '!**/*.int.test.ts'],
    },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/packages/*/test/**/*.int.test.ts'] },
  ],
  testTimeout: 30_000,
};

export default config;
