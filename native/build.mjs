// Builds the native addon with node-gyp against the installed Node's own headers. A failed build never fails the
// install: latentkit then falls back to the wasm or cpu backend and says how to get the native one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = resolve(dirname(process.execPath), '..');
const gyp = [process.env.npm_config_node_gyp, join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')]
  .find((p) => p && existsSync(p));
const args = ['rebuild', `--directory=${here}`];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/common.gypi'))) args.push(`--nodedir=${prefix}`);

const fix = 'install a C++ compiler (Debian/Ubuntu: apt-get install g++ make python3), then npm rebuild latentkit';
if (!gyp) {
  console.warn(`latentkit: native backend not built (node-gyp not found); ${fix}`);
  process.exit(0);
}
const r = spawnSync(process.execPath, [gyp, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  const reason = (r.stderr || r.stdout || '').split('\n').find((l) => /error|fatal|not found/i.test(l)) ?? `node-gyp exited ${r.status}`;
  console.warn(`latentkit: native backend not built (${reason.trim()}); ${fix}`);
  process.exit(0);
}
console.log('latentkit: native backend built');
