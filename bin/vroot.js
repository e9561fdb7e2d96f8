#!/usr/bin/env node
// The vroot command line: a thin launcher for the compiled CLI in dist/.
import('../dist/src/cli/main.js').then(
  (cli) => cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; }),
  (err) => {
    console.error(`vroot: cannot load the compiled CLI (run "npm install" or "npm run build"): ${err.message}`);
    process.exitCode = 1;
  },
);
