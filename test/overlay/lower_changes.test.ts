// Layers that change underneath a mounted overlay (the kernel calls this undefined; vroot defines
// it): after every change made directly to a lower or the upper layer, the merged view of the
// long-lived overlay must equal the view of a fresh overlay built over the same layers now. The
// long-lived one keeps caches (dentries, overlay inodes, copied-up state) that revalidation must
// keep honest. Seeded cases interleave changes through the overlay with changes to the layers
// through their own mounts. VROOT_OVERLAY_CHANGE_CASES sets the number of cases (default 150).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AT_FDCWD, AT_REMOVEDIR, O_CREAT, O_TRUNC, O_WRONLY, S_IFCHR, Overlay, Tmpfs, VfsError, VirtualFileSystem,
  type Process,
} from '../../src/mod.js';
import { buildLayer, generateCase, prng, runOp, snapshotMerged, Tokens } from './_differential.js';

const CASES = Number(process.env['VROOT_OVERLAY_CHANGE_CASES'] ?? 150);
const NAMES = ['a', 'b', 'c', 'd', 'a/e', 'a/f', 'b/e', 'b/g', 'c/f', 'd/e', 'a/e/h', 'b/e/i'];

function mountOf(fs: Tmpfs | Overlay): Process {
  const vfs = new VirtualFileSystem({ protectedSymlinks: false, protectedRegular: 0, protectedFifos: 0 });
  vfs.mount(fs, '/', { noatime: true });
  return vfs.createProcess({ umask: 0 });
}

function view(fs: Overlay): string {
  const p = mountOf(fs);
  return JSON.stringify(snapshotMerged(p, new Tokens(null), 'v', p.fstatat(AT_FDCWD, '/').dev));
}

/** One direct change to a layer, through that layer's own mount; failures are ignored. */
function changeLayer(p: Process, r: () => number, n: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const path = `/${pick(NAMES)}`;
  const k = r();
  try {
    if (k < 0.25) {
      const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, 0o644);
      p.write(fd, new TextEncoder().encode(`v${n}`));
      p.close(fd);
      return `write ${path}`;
    }
    if (k < 0.4) { p.unlinkat(AT_FDCWD, path); return `unlink ${path}`; }
    if (k < 0.55) { p.mkdirat(AT_FDCWD, path, 0o755); return `mkdir ${path}`; }
    if (k < 0.65) { p.unlinkat(AT_FDCWD, path, AT_REMOVEDIR); return `rmdir ${path}`; }
    if (k < 0.75) { p.mknodat(AT_FDCWD, path, S_IFCHR, 0); return `whiteout ${path}`; }
    if (k < 0.85) {
      const v = pick(['y', 'x', null]);
      if (v === null) p.removexattr(path, 'trusted.overlay.opaque');
      else p.setxattr(path, 'trusted.overlay.opaque', new TextEncoder().encode(v));
      return `opaque ${path} ${v}`;
    }
    if (k < 0.95) { p.fchmodat(AT_FDCWD, path, pick([0o700, 0o755, 0o644])); return `chmod ${path}`; }
    p.symlinkat(pick(NAMES), AT_FDCWD, path);
    return `symlink ${path}`;
  } catch (e) {
    if (e instanceof VfsError) return `(failed) ${path}`;
    throw e;
  }
}

test(`an overlay sees its layers change underneath exactly as a fresh overlay would (${CASES} cases)`, () => {
  let steps = 0;
  for (let seed = 1; seed <= CASES; seed++) {
    const c = generateCase(seed * 7919, 40);
    const r = prng(seed);
    const lowers = c.layers.map((entries) => {
      const t = new Tmpfs({ mode: 0o777 });
      buildLayer(mountOf(t), '', entries);
      return t;
    });
    const upper = new Tmpfs({ mode: 0o777 });
    const layerProcs = [...lowers, upper].map(mountOf);
    const ov = new Overlay({ lowers, upper });
    const p = mountOf(ov);
    const dev = p.fstatat(AT_FDCWD, '/').dev;
    const history: string[] = [];
    for (let i = 0; i < c.ops.length; i++) {
      const op = c.ops[i]!;
      if (r() < 0.5 && !String(op[0]).startsWith('f') && op[0] !== 'open' && op[0] !== 'close' && op[0] !== 'rewind') {
        try {
          runOp(p, op, new Map(), new Tokens(null), dev, i);
        } catch (e) {
          if (!(e instanceof VfsError)) throw e;
        }
        history.push(JSON.stringify(op));
      } else {
        const which = Math.floor(r() * layerProcs.length);
        history.push(`layer ${which === lowers.length ? 'upper' : which}: ${changeLayer(layerProcs[which]!, r, i)}`);
      }
      steps++;
      const fresh = new Overlay({ lowers, upper });
      assert.equal(view(ov), view(fresh), `seed ${seed} after:\n  ${history.join('\n  ')}`);
    }
  }
  assert.ok(steps > 0);
});
