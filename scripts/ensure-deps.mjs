// Runs before `npm start` and `npm test` with whatever Node.js the machine has (often older than 24).
// It installs the locked dependencies when they are missing or stale, which includes the pinned
// Node.js 24 runtime from the registry's `node` package; npm then runs the real script with it,
// because npm puts node_modules/.bin first on PATH.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  console.error('embargo: installing dependencies (first run) ...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
