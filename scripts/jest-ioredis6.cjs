// Setup of the Jest project that runs the Redis suites against ioredis 6 (jest.config.ts):
// processes forked by those tests load their TypeScript through tsx, which maps `ioredis`
// to ioredis 6 with this tsconfig.
const { join } = require('node:path');

process.env.TSX_TSCONFIG_PATH = join(__dirname, '..', 'tsconfig.ioredis6.json');
process.env.IOREDIS_UNDER_TEST = '6';
