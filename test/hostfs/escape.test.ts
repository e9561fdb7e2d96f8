// The hostfs escape test: a guest works through a HostFs over a hostile tree (symlink farms,
// `..` chains, absolute links to host paths, /proc magic links, links to the canaries) while a
// concurrent host process keeps swapping directories and symlinks under it. Canaries outside
// the served directory must never be read, written, listed, chmodded or even looked up.
//
// Detection, each able to fail on its own:
// - atime: the canaries' atimes start older than their mtimes, so a relatime mount moves them
//   on the first read or listing (controls read by the test prove it does, here);
// - mtime, ctime, size, nlink, mode: any write, chmod, chown, link, xattr or rename;
// - inode numbers: HostFs reports host st_ino, so a guest stat or getdents that reached an
//   outside object would show its number (this catches O_PATH lookups, which touch no time);
// - content: no guest read ever returns the canaries' secret token;
// - descriptors: after each round no descriptor of this process names anything outside the
//   served directory (/proc/self/fd).
//
// HOSTFS_ESCAPE_ATTEMPTS (default 100000) sets the number of guest operations;
// HOSTFS_ESCAPE_SEED the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, utimesSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_DIRECTORY, O_RDONLY, S_IFDIR, S_IFMT, S_IFREG, VfsError,
  VirtualFileSystem, type Process,
} from '../../src/mod.js';
import { HostFs } from '../../src/node/mod.js';
import type { HostCalls } from '../../src/fs/hostfs/_native.js';
import {
  HOSTILE_NAMES, buildHostileTree, hostileTargets, prepareOutside, snapshot, type Outside, type Snapshot,
} from './_hostile_tree.js';
import { Rng, genOp, runOps, type Observer, type PathVocabulary } from './_ops.js';
import { scratch } from './_scratch.js';
import { containmentUnavailable, isContained, runContained } from '../_contained.js';

const ATTEMPTS = Number(process.env.HOSTFS_ESCAPE_ATTEMPTS ?? 100000);
const SEED = Number(process.env.HOSTFS_ESCAPE_SEED ?? 7);
const PER_ROUND = 2500;
const SWAPPER = fileURLToPath(new URL('../../../test/hostfs/swapper.py', import.meta.url));

/** Starts the swapper and resolves once it is running. */
function startSwapper(root: string, seed: number, targets: string[]): Promise<ChildProcess> {
  const child = spawn('python3', [SWAPPER, root, String(seed), JSON.stringify(targets)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

/** Stops the swapper; resolves to the number of changes it made. */
function stopSwapper(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('close', () => resolve(Number(out.trim().split('\n').pop())));
    child.kill('SIGTERM');
  });
}

const S = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** A guest walk of everything reachable (listing, stat both ways, reading), bounded. */
function walk(p: Process, o: Observer, budget: number): { attempts: number; ok: number } {
  let attempts = 0;
  let ok = 0;
  const stack = ['/'];
  while (stack.length > 0 && attempts < budget) {
    const dir = stack.pop()!;
    attempts++;
    let names: string[] = [];
    try {
      const fd = p.openat(AT_FDCWD, Buffer.from(dir, 'latin1'), O_RDONLY | O_DIRECTORY);
      try {
        for (let ents = p.getdents64(fd, 4096); ents.length > 0; ents = p.getdents64(fd, 4096)) {
          for (const e of ents) {
            o.ino(e.ino);
            if (e.rawName !== '.' && e.rawName !== '..') names.push(e.rawName);
          }
        }
      } finally {
        p.close(fd);
      }
      ok++;
    } catch (e) {
      if (!(e instanceof VfsError)) throw e;
      names = [];
    }
    for (const n of names) {
      const path = Buffer.from((dir === '/' ? '/' : dir + '/') + n, 'latin1');
      for (const flags of [AT_SYMLINK_NOFOLLOW, 0]) {
        attempts++;
        try {
          const st = p.fstatat(AT_FDCWD, path, flags);
          ok++;
          o.ino(st.ino);
          if (flags === 0 && (st.mode & S_IFMT) === S_IFDIR && stack.length < 64) stack.push(S(path));
          if (flags === 0 && (st.mode & S_IFMT) === S_IFREG) {
            attempts++;
            const fd = p.openat(AT_FDCWD, path, O_RDONLY);
            const buf = new Uint8Array(256);
            o.data(S(buf.subarray(0, p.read(fd, buf))));
            p.close(fd);
            ok++;
          }
        } catch (e) {
          if (!(e instanceof VfsError)) throw e;
        }
      }
    }
  }
  return { attempts, ok };
}

/** Descriptors of this process that name anything below `base` but outside `root`. */
function strayDescriptors(o: Outside): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let link: string;
    try {
      link = readlinkSync(`/proc/self/fd/${fd}`, { encoding: 'buffer' }).toString('latin1');
    } catch {
      continue;
    }
    if ((link === o.base || link.startsWith(o.base + '/')) && !(link === o.root || link.startsWith(o.root + '/'))) out.push(`${fd} -> ${link}`);
  }
  return out;
}

/** What one escape run did and found. */
interface EscapeReport {
  attempts: number;
  succeeded: number;
  rounds: number;
  swaps: number;
  inosSeen: number;
  /** Every contact with the outside, each described; empty when confinement held. */
  violations: string[];
  /** The atime controls moved: the detection works on this machine. */
  controlsWork: boolean;
}

/**
 * Runs `attempts` guest operations in rounds, each on a fresh hostile tree with the swapper
 * running, and checks every detector. `broken` may replace the HostFs's host calls (to show
 * that the checks catch a broken HostFs); that HostFs is read-only.
 */
async function escapeRun(attemptsWanted: number, seed: number, broken?: (base: string) => (fs: HostFs) => void): Promise<EscapeReport> {
  const s = scratch('hostfs-escape');
  try {
    const o = prepareOutside(s.dir);
    const watched = [o.base, o.outsideDir, o.canary, o.canaryDir, o.canaryInner];
    const before = new Map<string, Snapshot>(watched.map((p) => [p, snapshot(p)]));
    const outsideInos = new Set([...before.values()].map((x) => Number(x.ino)));
    const targets = hostileTargets(o);
    const vocabulary: PathVocabulary = { names: HOSTILE_NAMES, targets };
    const seenInos = new Set<number>();
    let tokenSeen = 0;
    const observer: Observer = {
      ino: (ino) => { seenInos.add(ino); },
      data: (text) => { if (text.includes(o.token)) tokenSeen++; },
      name: () => {},
    };
    const rng = new Rng(seed);
    const r: EscapeReport = { attempts: 0, succeeded: 0, rounds: 0, swaps: 0, inosSeen: 0, violations: [], controlsWork: false };
    while (r.attempts < attemptsWanted) {
      const round = r.rounds++;
      buildHostileTree(o.root, new Rng(seed * 1000 + round), targets);
      const swapper = await startSwapper(o.root, seed * 1000 + round, targets);
      const vfs = new VirtualFileSystem();
      // Odd rounds keep few descriptors, so evicted inodes are found again mid-race.
      const fs = new HostFs(o.root, { maxCachedFds: round % 2 === 1 ? 16 : 4096, readOnly: broken !== undefined });
      broken?.(o.base)(fs);
      vfs.mount(fs, '/');
      let p: Process;
      try {
        p = vfs.createProcess(round % 3 === 2 ? { root: '/d0' } : {});
      } catch {
        p = vfs.createProcess();
      }
      const end = Math.min(attemptsWanted, r.attempts + PER_ROUND);
      while (r.attempts < end) {
        if (rng.chance(0.02)) {
          const w = walk(p, observer, 200);
          r.attempts += w.attempts;
          r.succeeded += w.ok;
          continue;
        }
        const res = runOps(p, [genOp(rng, vocabulary)], observer);
        r.attempts++;
        if (!(typeof res[0] === 'string' && /^E[A-Z0-9]+$/.test(res[0]))) r.succeeded++;
      }
      for (const d of strayDescriptors(o)) r.violations.push(`descriptor outside the root: ${d}`);
      p.exit();
      fs.close();
      r.swaps += await stopSwapper(swapper);
    }
    r.inosSeen = seenInos.size;
    // Nothing outside moved, not even an atime.
    for (const [path, snap] of before) {
      const now = snapshot(path);
      for (const k of Object.keys(snap) as (keyof Snapshot)[]) {
        if (now[k] !== snap[k]) r.violations.push(`${path}: ${k} changed from ${snap[k]} to ${now[k]}`);
      }
    }
    if (tokenSeen > 0) r.violations.push(`${tokenSeen} guest reads returned the canary token`);
    for (const ino of seenInos) if (outsideInos.has(ino)) r.violations.push(`a guest saw inode ${ino}, an outside object's`);
    for (const f of [o.canary, o.canaryInner]) {
      if (readFileSync(f, 'latin1') !== o.token) r.violations.push(`${f} changed content`);
    }
    // The controls: a read and a listing outside do move atimes here, so the checks can fail.
    // (Their atimes are made old again first: a broken HostFs may have moved them already.)
    for (const c of [o.control, o.controlDir]) utimesSync(c, new Date('2001-09-09T01:46:40Z'), new Date('2017-07-14T02:40:00Z'));
    const control = snapshot(o.control);
    const controlDir = snapshot(o.controlDir);
    readFileSync(o.control);
    readdirSync(o.controlDir);
    r.controlsWork = snapshot(o.control).atimeNs !== control.atimeNs && snapshot(o.controlDir).atimeNs !== controlDir.atimeNs;
    return r;
  } finally {
    s.remove();
  }
}

/**
 * Host calls whose lookups let the host follow a final symlink (what HostFs must never do),
 * made safe to run: they follow only symlinks that lead to objects inside the scratch `base`
 * (which holds the canaries), and the HostFs they serve is read-only, so a guest that escapes
 * through them can read the canaries but never change anything on the host.
 */
function followingLookups(base: string): (fs: HostFs) => void {
  return (fs) => {
    assert.ok(fs.readOnly, 'the broken HostFs must be read-only');
    const real = fs.host;
    const lookup = (dirfd: number, name: Uint8Array): number => {
      try {
        const target = realpathSync(Buffer.concat([Buffer.from(`/proc/self/fd/${dirfd}/`), name]), { encoding: 'buffer' }).toString('latin1');
        if (target.startsWith(base + '/')) {
          return openSync(Buffer.from(target, 'latin1'), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
        }
      } catch {
        // Dangling, looping or unopenable: the real lookup answers.
      }
      return real.lookup(dirfd, name);
    };
    (fs as unknown as { host: HostCalls }).host = { ...real, lookup };
  };
}

const why = containmentUnavailable();
if (!isContained()) {
  // The real run happens in a read-only mount namespace: see test/_contained.ts.
  test('hostfs escape tests, contained', { skip: why ?? false, timeout: 20 * 60_000 }, () => {
    const r = runContained(fileURLToPath(import.meta.url));
    process.stdout.write(r.output.split('\n').filter((l) => l.startsWith('#')).join('\n') + '\n');
    assert.equal(r.status, 0, r.output);
    assert.equal(r.failed, 0, r.output);
    assert.equal(r.passed, 2, `the contained run passed ${r.passed} of 2 tests:\n${r.output}`);
  });
  if (why !== null) console.log(`SKIPPED hostfs escape tests: ${why}`);
}

if (isContained()) test(`hostfs escape: ${ATTEMPTS} guest operations on a hostile, concurrently swapped tree never touch the canaries`, {
  skip: process.platform !== 'linux' && 'Linux only',
}, async () => {
  const r = await escapeRun(ATTEMPTS, SEED);
  assert.deepEqual(r.violations, []);
  assert.ok(r.controlsWork, 'reading or listing does not move atime here: the atime detection is blind');
  assert.ok(r.swaps > r.rounds * 100, `the swapper made only ${r.swaps} changes`);
  assert.ok(r.succeeded > r.attempts / 10, `only ${r.succeeded} of ${r.attempts} guest operations succeeded`);
  process.stdout.write(`# hostfs escape: ${r.attempts} guest operations (${r.succeeded} succeeded) in ${r.rounds} rounds, ` +
    `${r.swaps} concurrent host changes, ${r.inosSeen} inode numbers seen, 0 canary contacts\n`);
});

if (isContained()) test('hostfs escape checks catch a HostFs whose host lookups follow symlinks', {
  skip: process.platform !== 'linux' && 'Linux only',
}, async () => {
  const r = await escapeRun(3000, SEED + 1, followingLookups);
  assert.ok(r.violations.length > 0, 'a HostFs that follows symlinks on the host went unnoticed');
  assert.ok(r.controlsWork);
  // Each detector that reads reveal, on its own: content, inode numbers, atimes.
  for (const kind of ['canary token', 'inode', 'atimeNs']) {
    assert.ok(r.violations.some((v) => v.includes(kind)), `no "${kind}" violation among ${r.violations.length}`);
  }
});
