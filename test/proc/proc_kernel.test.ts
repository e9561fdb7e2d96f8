// Differential tests of procfs: generated cases run on the real kernel (a private mount
// namespace pivoted into a fresh tmpfs with a real procfs at /proc, see proc_oracle.py) and on
// vroot's ProcFs; results and errnos must be identical. VROOT_PROC_DIFF_RUNS and
// VROOT_PROC_DIFF_SEED change the number of cases and the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { AT_FDCWD, MS_NODEV, MS_NOEXEC, MS_NOSUID, O_PATH, O_RDONLY } from '../../src/mod.js';
import { KernelOracle, kernelSysctls, oracleUnavailable } from '../oracle/kernel.js';
import { firstDifference } from '../oracle/normalize.js';
import type { Op, OpResult } from '../oracle/ops.js';
import { procCaseArb } from './_proc_gen.js';
import { runProcCaseOnVroot, type AnyOp } from './_vroot_proc.js';

const RUNS = Number(process.env.VROOT_PROC_DIFF_RUNS ?? 600);
const SEED = Number(process.env.VROOT_PROC_DIFF_SEED ?? 20261122);
const script = fileURLToPath(new URL('../../../test/proc/proc_oracle.py', import.meta.url));

const why = oracleUnavailable();

test('vroot procfs answers like the kernel procfs on generated cases', { skip: why ?? false, timeout: 30 * 60_000 }, async () => {
  const oracle = new KernelOracle(script);
  const sysctls = kernelSysctls();
  let cases = 0;
  let operations = 0;
  try {
    await fc.assert(
      fc.asyncProperty(procCaseArb, async (ops) => {
        const kernel = await oracle.run(ops as Op[]);
        const vroot = runProcCaseOnVroot(ops, sysctls);
        cases++;
        operations += ops.length;
        const diff = firstDifference(ops, kernel, vroot);
        if (diff !== null) assert.fail(`divergence from the kernel:\n${diff}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: false, verbose: 0 },
    );
  } finally {
    oracle.close();
    console.log(`procfs kernel differential: ${cases} cases, ${operations} operations (seed ${SEED})`);
  }
});

/** Every string a result holds, however deep. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

test('FEX RootFS: a process rooted in a guest RootFS sees guest paths only, as on the kernel', { skip: why ?? false }, async () => {
  // The RootFS sits at /rootfs in the namespace; the guest opens through absolute symlinks and a
  // symlink to "/" inside it, then reads /proc/self/fd, cwd, root and its mount tables.
  const ops: AnyOp[] = [];
  for (const d of ['/rootfs', '/rootfs/usr', '/rootfs/usr/lib', '/rootfs/etc', '/rootfs/proc']) ops.push(['mkdir', AT_FDCWD, d, 0o755]);
  ops.push(['open', AT_FDCWD, '/rootfs/usr/lib/libfoo.so', 0o101, 0o644], ['close', 3]);
  ops.push(['symlink', '/usr/lib/libfoo.so', AT_FDCWD, '/rootfs/usr/lib/libfoo.so.1'], ['symlink', '/', AT_FDCWD, '/rootfs/usr/rootlink']);
  ops.push(['mount_proc', '/rootfs/proc', MS_NOSUID | MS_NODEV | MS_NOEXEC], ['chroot', '/rootfs'], ['chdir', '/usr']);
  ops.push(['open', AT_FDCWD, '/usr/lib/libfoo.so.1', O_RDONLY, 0], ['open', AT_FDCWD, 'rootlink/usr/lib', O_PATH, 0],
    ['open', AT_FDCWD, '/proc/self/root/usr/rootlink/etc', O_PATH, 0]);
  ops.push(['fdlink', 3], ['fdlink', 4], ['fdlink', 5], ['preadlink', AT_FDCWD, '/proc/self/cwd'], ['preadlink', AT_FDCWD, '/proc/self/root'],
    ['unlink', AT_FDCWD, '/usr/lib/libfoo.so', 0], ['fdlink', 3], ['open', AT_FDCWD, '/proc/self/fd/3', O_RDONLY, 0], ['fdlink', 6],
    ['readfile', '/proc/self/mountinfo', 'mountinfo'], ['readfile', '/proc/self/mounts', 'raw'], ['lsdir', '/proc/self/fd', null]);
  const oracle = new KernelOracle(script);
  let kernel: OpResult[];
  try {
    kernel = await oracle.run(ops as Op[]);
  } finally {
    oracle.close();
  }
  const vroot = runProcCaseOnVroot(ops, kernelSysctls());
  assert.equal(firstDifference(ops, kernel, vroot), null);
  const shown = strings(vroot.slice(ops.findIndex((o) => o[0] === 'fdlink')));
  assert.ok(shown.includes('/usr/lib/libfoo.so') && shown.includes('/usr/lib/libfoo.so (deleted)') && shown.includes('/etc'), shown.join(', '));
  for (const s of shown) assert.ok(!s.includes('rootfs'), `the RootFS prefix leaked: ${s}`);
});

if (why !== null) console.log(`SKIPPED procfs kernel differential tests: ${why}`);
