// Differential test: the same generated operation sequences through a vroot HostFs over one
// scratch directory and through the real kernel (chrooted into another) must give the same
// results and errnos and leave the same host trees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualFileSystem } from '../../src/mod.js';
import { HostFs } from '../../src/node/mod.js';
import { DEFAULT_VOCABULARY, PRELUDE, Rng, genOp, runOps, type Op } from './_ops.js';
import { isRoot, oracle, scratch } from './_scratch.js';

const CASES = Number(process.env.HOSTFS_DIFF_CASES ?? 300);
const OPS = Number(process.env.HOSTFS_DIFF_OPS ?? 30);
const SEED = Number(process.env.HOSTFS_DIFF_SEED ?? 20260101);

test(`hostfs and the kernel agree on ${CASES} generated sequences of ${OPS} operations`, { skip: !isRoot() && 'the kernel oracle needs root (chroot, mknod)' }, () => {
  const s = scratch('hostfs-diff');
  try {
    const cases: { ops: Op[]; umask: number; vdir: string; kdir: string }[] = [];
    for (let i = 0; i < CASES; i++) {
      const r = new Rng(SEED + i);
      const ops: Op[] = [...PRELUDE];
      for (let j = 0; j < OPS; j++) ops.push(genOp(r, DEFAULT_VOCABULARY));
      const vdir = join(s.dir, `v${i}`);
      const kdir = join(s.dir, `k${i}`);
      mkdirSync(vdir);
      mkdirSync(kdir);
      // Guest umasks unlike this process's own, so HostFs must not let the host's umask show.
      cases.push({ ops, umask: [0o002, 0o077, 0o000, 0o027][i % 4]!, vdir, kdir });
    }
    const vroot = cases.map((c) => {
      const vfs = new VirtualFileSystem();
      const fs = new HostFs(c.vdir);
      vfs.mount(fs, '/');
      const p = vfs.createProcess({ umask: c.umask });
      const res = runOps(p, c.ops);
      p.exit();
      fs.close();
      return res;
    });
    const kernel = oracle('run', { cases: cases.map((c) => ({ dir: c.kdir, umask: c.umask, ops: c.ops })) });
    const trees = oracle('dump', { dirs: cases.flatMap((c) => [c.vdir, c.kdir]) });
    let compared = 0;
    for (let i = 0; i < CASES; i++) {
      const v = vroot[i]!;
      const k = kernel[i] as unknown[];
      for (let j = 0; j < v.length; j++) {
        assert.deepEqual(v[j], k[j], `case ${i} (seed ${SEED + i}) op ${j} ${JSON.stringify(cases[i]!.ops[j])}\n` +
          `ops so far: ${JSON.stringify(cases[i]!.ops.slice(0, j + 1))}`);
        compared++;
      }
      assert.deepEqual(trees[2 * i], trees[2 * i + 1], `case ${i} (seed ${SEED + i}): host trees differ`);
    }
    assert.equal(compared, CASES * (OPS + PRELUDE.length));
  } finally {
    s.remove();
  }
});
