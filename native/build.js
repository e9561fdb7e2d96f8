#!/usr/bin/env node
// Builds the hostfs addon (native/hostfs.c) with node-gyp; run by `npm install` / `npm ci`.
// On failure, or off Linux, it warns and lets the install finish: everything but HostFs works
// without the addon, and `new HostFs(...)` then throws an error that says how to build it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

if (process.platform !== 'linux') {
  console.warn(`vroot: HostFs needs Linux; not building its addon on ${process.platform}.`);
  process.exit(0);
}
// npm names its bundled node-gyp in npm_config_node_gyp while it runs install scripts.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.warn('vroot: building the HostFs addon failed (needs a C compiler, make, python3 and Node ' +
    'headers); HostFs is unavailable until "npm rebuild vroot" or "npx node-gyp rebuild" succeeds.');
}
