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

/** The results with every time observation blanked out. */
function withoutTimes(results: OpResult[]): string {
  return JSON.stringify(results, (key, value: unknown) => (key === 'times' ? null : value));
}

/**
 * True when the first difference can come from the kernel's clock. Linux stamps times from a
 * coarse clock (multigrain only after a query), so whether a change shows as "changed" depends
 * on the tick the run fell in, and so does whether following a fresh symlink needs an atime
 * update, which RESOLVE_CACHED refuses with EAGAIN. vroot's clock is fine.
 */
function clockDependent(ops: Op[], kernel: OpResult[], vroot: OpResult[]): boolean {
  if (withoutTimes(kernel) === withoutTimes(vroot)) return true;
  for (let i = 0; i < ops.length; i++) {
    if (JSON.stringify(kernel[i]) === JSON.stringify(vroot[i])) continue;
    const op = ops[i]!;
    return op[0] === 'openat2' && (op[5] & 0x20) !== 0 && kernel[i]![0] === 'err' && kernel[i]![1] === 'EAGAIN';
  }
  return false;
}

/**
 * When a difference can come from the kernel's clock, the kernel is asked again (up to 4 more
 * times) and any exact match counts.
 */
async function kernelAgrees(oracle: KernelOracle, ops: Op[], vroot: OpResult[], first: OpResult[]): Promise<{ agrees: boolean; retried: boolean }> {
  if (JSON.stringify(first) === JSON.stringify(vroot)) return { agrees: true, retried: false };
  if (!clockDependent(ops, first, vroot)) return { agrees: false, retried: false };
  for (let i = 0; i < 4; i++) {
    const again = normalizeResults(ops, await oracle.run(ops));
    if (JSON.stringify(again) === JSON.stringify(vroot)) return { agrees: true, retried: true };
  }
  return { agrees: false, retried: true };
}

test('vroot tmpfs answers like the kernel tmpfs on generated cases', { skip: why ?? false, timeout: 30 * 60_000 }, async () => {
  const oracle = new KernelOracle();
  const sysctls = kernelSysctls();
  let operations = 0;
  let cases = 0;
  let retried = 0;
  try {
    await fc.assert(
      fc.asyncProperty(caseArb, async (ops) => {
        const kernel = normalizeResults(ops, await oracle.run(ops));
        const vroot = normalizeResults(ops, runOnVroot(ops, sysctls));
        cases++;
        operations += ops.length;
        const verdict = await kernelAgrees(oracle, ops, vroot, kernel);
        if (verdict.retried) retried++;
        if (!verdict.agrees) assert.fail(`divergence from the kernel:\n${firstDifference(ops, kernel, vroot)}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: false, verbose: 0 },
    );
  } finally {
    oracle.close();
    console.log(`kernel differential: ${cases} cases, ${operations} operations (seed ${SEED}); ${retried} asked again for clock-dependent differences`);
  }
});

if (why !== null) console.log(`SKIPPED kernel differential tests: ${why}`);
