// The hostile setting of the hostfs escape test (Node-specific): canaries outside the served
// directory, and a seeded tree of symlinks aimed at them in every way a host walk could follow.
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from './_ops.js';

/**
 * Objects outside the served directory. Their atimes are set older than their mtimes, so on a
 * relatime (or strictatime) mount the first read or listing of any of them moves the atime;
 * the controls prove that this detection works on the machine at hand.
 */
export interface Outside {
  base: string;
  root: string;
  outsideDir: string;
  canary: string;
  canaryDir: string;
  canaryInner: string;
  control: string;
  controlDir: string;
  /** The canaries' secret content: no guest read may ever return it. */
  token: string;
  /** sha256 of the canary files' content. */
  hash: string;
}

/** The identity and times of an object, as compared before and after. */
export interface Snapshot {
  ino: bigint;
  dev: bigint;
  mode: number;
  nlink: number;
  size: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export function snapshot(path: string): Snapshot {
  const st = lstatSync(path, { bigint: true });
  return {
    ino: st.ino, dev: st.dev, mode: Number(st.mode), nlink: Number(st.nlink), size: st.size,
    atimeNs: st.atimeNs, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs,
  };
}

const OLD_ATIME = new Date('2001-09-09T01:46:40Z');
const MTIME = new Date('2017-07-14T02:40:00Z');

/** Makes `base`/root (to serve) and the canaries beside it. */
export function prepareOutside(base: string): Outside {
  const token = `SECRET-${randomBytes(16).toString('hex')}`;
  const o: Outside = {
    base,
    root: join(base, 'root'),
    outsideDir: join(base, 'outside'),
    canary: join(base, 'outside', 'canary-file'),
    canaryDir: join(base, 'outside', 'canarydir'),
    canaryInner: join(base, 'outside', 'canarydir', 'inner-canary'),
    control: join(base, 'outside', 'control'),
    controlDir: join(base, 'outside', 'controldir'),
    token,
    hash: createHash('sha256').update(token).digest('hex'),
  };
  mkdirSync(o.root);
  mkdirSync(o.outsideDir);
  mkdirSync(o.canaryDir);
  mkdirSync(o.controlDir);
  for (const f of [o.canary, o.canaryInner, o.control, join(o.controlDir, 'x')]) writeFileSync(f, token, { mode: 0o644 });
  // Children first: setting a child's times changes nothing in its parent.
  for (const p of [o.canary, o.canaryInner, o.control, join(o.controlDir, 'x'), o.canaryDir, o.controlDir, o.outsideDir, o.base]) {
    utimesSync(p, OLD_ATIME, MTIME);
  }
  return o;
}

/** Symlink bodies that would reach the canaries if anything but the VFS walk followed them. */
export function hostileTargets(o: Outside): string[] {
  const t = [
    o.canary, o.canaryDir, o.canaryInner, o.outsideDir, o.base, '/', '/etc/passwd', '/proc/self/root' + o.canary,
    `/proc/${process.pid}/root${o.canaryDir}`, '/proc/self/cwd', '/proc/self/fd/0', '/proc/self/exe',
    `${o.root}/../outside/canary-file`, `${o.root}/d0/../../outside`, '..', '.', 'l0', 'l1/..', 'd0/../..',
    '\xff\xfe/../../..', '',
  ];
  for (let k = 1; k <= 8; k++) {
    const up = '../'.repeat(k);
    t.push(up, up + 'outside/canary-file', up + 'outside/canarydir', up + 'outside', up + 'outside/canarydir/inner-canary');
  }
  return t.filter((x) => x.length > 0);
}

/** The names a guest uses (the tree's, and decoys named like the canaries). */
export const HOSTILE_NAMES = [
  'd0', 'd1', 'd2', 'd3', 'outside', 'canary-file', 'canarydir', 'inner-canary', 'f0', 'l0', 'l1', 'l2', 'x',
  '\xff\xfe', '\xe9',
];

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Empties `root` (never following a symlink) and builds a seeded hostile tree in it. */
export function buildHostileTree(root: string, r: Rng, targets: readonly string[]): void {
  for (const name of readdirSync(B(root), { encoding: 'buffer' })) rmSync(Buffer.concat([B(root + '/'), name]), { recursive: true, force: true });
  const dirs = ['', 'd0', 'd1', 'outside', 'd0/d2', 'd0/d2/d3', 'd1/\xff\xfe', 'canarydir'];
  for (const d of dirs.slice(1)) mkdirSync(B(join(root, d)));
  writeFileSync(B(join(root, 'f0')), 'plain');
  writeFileSync(B(join(root, 'd0/f0')), 'plain too');
  // Decoys named like the canaries in every directory: a walk that left the root at any level
  // would find the real ones by the same names.
  for (const d of dirs) {
    if (d === 'canarydir') continue;
    writeFileSync(B(join(root, d, 'canary-file')), 'decoy');
  }
  writeFileSync(B(join(root, 'canarydir/inner-canary')), 'decoy');
  const linkNames = ['l0', 'l1', 'l2', 'x', '\xe9', 'canary-file', 'outside'];
  for (const d of dirs) {
    for (const n of linkNames) {
      if (!r.chance(0.6)) continue;
      try {
        symlinkSync(B(r.pick(targets)), B(join(root, d, n)));
      } catch {
        // The name is a directory or file already.
      }
    }
  }
}
