// The overlay against the kernel's overlayfs: seeded random lower layers (files, directories,
// symlinks, fifos, hard links, whiteouts, opaque directories, xattrs) and random operations
// through the merged view, run on the kernel (kernel_overlay_worker.py, in a private mount
// namespace, layers on a kernel tmpfs) and on vroot (layers on vroot tmpfs, in four layouts:
// one tmpfs or one per layer, with or without a work directory). Every result, errno, the merged
// view after every operation and the upper directory (whiteouts, opaque/impure/origin xattrs)
// must match. VROOT_OVERLAY_CASES sets the number of cases (default 500), VROOT_OVERLAY_SEED the
// first seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstDifference, generateCase, KernelOverlay, runVroot, type VrootSetup } from './_differential.js';

const CASES = Number(process.env['VROOT_OVERLAY_CASES'] ?? 500);
const FIRST_SEED = Number(process.env['VROOT_OVERLAY_SEED'] ?? 1);
const SETUPS: VrootSetup[] = [
  { sameFs: true, work: true },
  { sameFs: true, work: false },
  { sameFs: false, work: true },
  { sameFs: false, work: false },
];

test(`overlay matches the kernel's overlayfs on ${CASES} generated cases`, async (t) => {
  const kernel = await KernelOverlay.start();
  if (typeof kernel === 'string') {
    t.skip(kernel);
    return;
  }
  const failures: string[] = [];
  let ops = 0;
  try {
    for (let i = 0; i < CASES; i++) {
      const seed = FIRST_SEED + i;
      const c = generateCase(seed);
      ops += c.ops.length;
      const k = await kernel.run(c);
      const setup = SETUPS[i % SETUPS.length]!;
      const v = runVroot(c, setup);
      const diff = firstDifference(k, v);
      if (diff !== null) failures.push(`seed ${seed} (${JSON.stringify(setup)}): ${diff}`);
      if (failures.length >= 5) break;
    }
  } finally {
    kernel.close();
  }
  t.diagnostic(`${CASES} cases, ${ops} operations compared with the kernel`);
  assert.equal(failures.length, 0, failures.join('\n\n'));
});
