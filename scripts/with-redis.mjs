// Placeholder until the Redis scripts land: runs the given command.
import { spawnSync } from 'node:child_process';
const [cmd, ...args] = process.argv.slice(2);
const r = spawnSync(cmd === 'jest' ? 'pnpm' : cmd, cmd === 'jest' ? ['exec', 'jest', ...args] : args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
