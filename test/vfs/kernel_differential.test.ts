// Differential tests: generated cases run on the real kernel (a chrooted tmpfs per case) and on
// vroot's tmpfs; results and errnos must be identical. VROOT_DIFF_RUNS and VROOT_DIFF_SEED
// change the number of cases and the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KernelOracle, kernelSysctls, oracleUnavailable } from '../oracle/kernel.js';
import { caseArb } from '../oracle/gen.js';
import { runOnVroot } from '../oracle/vroot_runner.js';
import { firstDifference, normalizeResults } from '../oracle/normalize.js';
import type { Op, OpResult } from '../oracle/ops.js';

const RUNS = Number(process.env.VROOT_DIFF_RUNS ?? 1500);
const SEED = Number(process.env.VROOT_DIFF_SEED ?? 20261122);

const why = oracleUnavailable();

test('vroot tmpfs answers like the kernel tmpfs on generated cases', { skip: why ?? false, timeout: 30 * 60_000 }, async () => {
  const oracle = new KernelOracle();
  const sysctls = kernelSysctls();
  let operations = 0;
  let cases = 0;
  try {
    await fc.assert(
      fc.asyncProperty(caseArb, async (ops) => {
        const kernel = normalizeResults(ops, await oracle.run(ops));
        const vroot = normalizeResults(ops, runOnVroot(ops, sysctls));
        cases++;
        operations += ops.length;
        const diff = firstDifference(ops, kernel, vroot);
        if (diff !== null) assert.fail(`divergence from the kernel:\n${diff}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: false, verbose: 0 },
    );
  } finally {
    oracle.close();
    console.log(`kernel differential: ${cases} cases, ${operations} operations (seed ${SEED})`);
  }
});

if (why !== null) console.log(`SKIPPED kernel differential tests: ${why}`);
