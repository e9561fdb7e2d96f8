// Differential tests: generated cases (trees of many owners, modes, devices and fifos, then
// random syscalls, as root or as an unprivileged user) run on the real kernel's tmpfs, where
// root really chowns, and on vroot through a FakeOwnership over a tmpfs, where nothing is
// chowned below. Faked ownership must be indistinguishable from real ownership: same results,
// same errnos, same stat fields. VROOT_FAKE_OWNER_DIFF_RUNS and VROOT_FAKE_OWNER_DIFF_SEED
// change the number of cases and the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FakeOwnership, Tmpfs } from '../../src/mod.js';
import { KernelOracle, kernelSysctls, oracleUnavailable } from '../oracle/kernel.js';
import { caseArb } from '../oracle/gen.js';
import { ownershipCaseArb } from './fake_owner_cases.js';
import { runOnVroot } from '../oracle/vroot_runner.js';
import { firstDifference, normalizeResults as normalize } from '../oracle/normalize.js';

const RUNS = Number(process.env.VROOT_FAKE_OWNER_DIFF_RUNS ?? 300);
/** Cases of the general generator (every syscall family): the wrapper must be transparent. */
const GENERAL_RUNS = Math.ceil(RUNS / 2);
/** How often a case whose only difference is in times is asked of the kernel again. */
const KERNEL_ATTEMPTS = 5;
const SEED = Number(process.env.VROOT_FAKE_OWNER_DIFF_SEED ?? 20260715);

const why = oracleUnavailable();

const SUITES = [
  { name: 'ownership cases', arb: ownershipCaseArb, runs: RUNS },
  { name: 'general cases', arb: caseArb, runs: GENERAL_RUNS },
];

for (const store of ['memory', 'xattr'] as const) {
  for (const suite of SUITES) {
    test(`FakeOwnership (${store} store) over tmpfs answers like the kernel tmpfs with real owners: ${suite.name}`, { skip: why ?? false, timeout: 30 * 60_000 }, async () => {
      const oracle = new KernelOracle();
      const sysctls = kernelSysctls();
      let operations = 0;
      let cases = 0;
      try {
        await fc.assert(
          fc.asyncProperty(suite.arb, async (ops) => {
            const vroot = normalize(ops, runOnVroot(ops, sysctls, () => new FakeOwnership(new Tmpfs(), { store })));
            cases++;
            operations += ops.length;
            let diff: string | null = null;
            // The kernel's own answers about times vary with its clock tick (coarse atime, and a
            // change within one tick may leave a time as it was): vroot's must be one of them.
            for (let attempt = 0; attempt < KERNEL_ATTEMPTS; attempt++) {
              diff = firstDifference(ops, normalize(ops, await oracle.run(ops)), vroot);
              if (diff === null || !diff.includes('"times"')) break;
            }
            if (diff !== null) assert.fail(`divergence from the kernel:\n${diff}`);
          }),
          { numRuns: suite.runs, seed: SEED, endOnFailure: false, verbose: 0 },
        );
      } finally {
        oracle.close();
        console.log(`fake ownership (${store}) kernel differential, ${suite.name}: ${cases} cases, ${operations} operations (seed ${SEED})`);
      }
    });
  }
}

if (why !== null) console.log(`SKIPPED fake ownership kernel differential tests: ${why}`);
