// The merged RootFS preset against the kernel's equivalent: generated RootFS and fake host trees,
// merged by the kernel (an overlay mount of the RootFS over the host tree, bind mounts of the
// bypass directories, a real procfs, a chroot into it: test/emu/rootfs/rootfs_oracle.py) and by
// the preset (HostFs trees on /dev/shm, the tmpfs the kernel's trees live on too). The same
// generated path operations run on both; every result, errno and the host tree afterwards (what
// reached the host through bypass paths) must be the same.
// VROOT_ROOTFS_DIFF_CASES sets the number of cases (default 150); VROOT_SEED the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH,
  O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, VfsError,
} from '../../src/mod.js';
import { hostMergedRootfs } from '../../src/node/mod.js';
import { KernelOracle, kernelSysctls, oracleUnavailable } from '../oracle/kernel.js';
import { firstDifference, normalizeResults } from '../oracle/normalize.js';
import type { Op, OpResult } from '../oracle/ops.js';
import { Normalizer, runOp } from '../oracle/vroot_runner.js';
import { WOULD_BLOCK } from '../../src/vfs/devices.js';
import { Prng, testSeed } from './_prng.js';
import { makeTree, type TreeEntry } from './rootfs/_scene.js';

const CASES = Number(process.env.VROOT_ROOTFS_DIFF_CASES ?? 150);
const SEED = testSeed(20270311);
const script = fileURLToPath(new URL('../../../test/emu/rootfs/rootfs_oracle.py', import.meta.url));

/** One object of a generated tree (the oracle's entry format). */
interface Entry {
  p: string;
  t: 'd' | 'f' | 'l';
  m?: number;
  c?: string;
  l?: string;
}

interface Case {
  host: Entry[];
  rootfs: Entry[];
  bypass: string[];
  ops: Op[];
}

const TARGETS = ['/', '/usr', '/usr/a', '/etc/b', 'a', '../a', '..', 'b/c', '/home/u/a', '/tmp/a', '/tmp', '/run/b',
  '/nowhere', '/opt/a/b', '/etc/l/b', 'l', '../../etc', '/usr/a/b'];
const NAMES = ['a', 'b', 'c', 'l', 'm'];

/** A random tree for one side; `host` trees hold the API directories and the user's home. */
function genTree(rng: Prng, host: boolean): Entry[] {
  const out: Entry[] = [];
  const dirs: string[] = [];
  const dir = (p: string, m = 0o755): void => {
    out.push({ p, t: 'd', m });
    dirs.push(p);
  };
  const some = (p: string): void => {
    const x = rng.next();
    if (x < 0.3) out.push({ p, t: 'f', m: rng.pick([0o644, 0o600, 0o755]), c: rng.pick(['', 'data', `${host ? 'host' : 'rootfs'}:${p}`]) });
    else if (x < 0.45) dir(p, rng.pick([0o755, 0o700, 0o777]));
    else if (x < 0.65) out.push({ p, t: 'l', l: rng.pick(TARGETS) });
  };
  if (host) {
    for (const d of ['proc', 'sys', 'dev', 'run', 'home', 'home/u', 'usr', 'etc', 'opt']) dir(d);
    dir('tmp', 0o1777);
  } else {
    for (const d of ['usr', 'etc', 'opt']) if (rng.chance(0.85)) dir(d);
    // The RootFS's own /tmp and /home never show where they are bypassed.
    if (rng.chance(0.4)) {
      dir('tmp');
      out.push({ p: 'tmp/a', t: 'f', c: 'rootfs tmp' });
    }
    if (rng.chance(0.3)) dir('home');
  }
  for (const top of ['usr', 'etc', 'opt']) {
    if (!dirs.includes(top)) continue;
    some(`${top}/a`);
    for (const n of NAMES.slice(1)) if (rng.chance(0.6)) some(`${top}/${n}`);
    if (dirs.includes(`${top}/a`)) for (const n of NAMES) if (rng.chance(0.4)) some(`${top}/a/${n}`);
  }
  if (host) for (const d of ['tmp', 'run', 'home/u']) for (const n of NAMES) if (rng.chance(0.35)) some(`${d}/${n}`);
  return out;
}

const DIRS = ['', '/usr', '/etc', '/opt', '/usr/a', '/etc/a', '/opt/a', '/tmp', '/run', '/home/u', '/home', '/usr/l', '/etc/l'];

/** A path: half the time one of `present` (objects of either tree), else built from DIRS and NAMES. */
function genPath(rng: Prng, present: readonly string[]): string {
  if (present.length > 0 && rng.chance(0.5)) {
    const p = '/' + rng.pick(present);
    return rng.chance(0.1) ? p + '/' : p;
  }
  if (rng.chance(0.12)) return rng.pick(['a', 'b', 'a/b', '../a', '.', '..', 'l/b']);
  let p = rng.pick(DIRS);
  if (rng.chance(0.85)) p += '/' + rng.pick(NAMES);
  if (p === '') p = '/';
  const tail = rng.next();
  if (tail < 0.06) p += '/';
  else if (tail < 0.1) p += '/..';
  return p;
}

const OPEN_FLAGS = [O_RDONLY, O_RDONLY, O_RDONLY | O_DIRECTORY, O_WRONLY | O_CREAT, O_RDWR | O_CREAT | O_EXCL, O_WRONLY | O_TRUNC,
  O_PATH, O_RDONLY | O_NOFOLLOW, O_WRONLY | O_APPEND];

function genOp(rng: Prng, present: readonly string[]): Op {
  const fd = rng.int(3, 6);
  const path = (): string => genPath(rng, present);
  const x = rng.next();
  if (x < 0.16) return ['open', AT_FDCWD, path(), rng.pick(OPEN_FLAGS), 0o644];
  if (x < 0.2) return ['close', fd];
  if (x < 0.23) return ['read', fd, 100];
  if (x < 0.26) return ['write', fd, rng.pick(['xyz', 'guest wrote this'])];
  if (x < 0.36) return ['fstatat', AT_FDCWD, path(), rng.pick([0, AT_SYMLINK_NOFOLLOW])];
  if (x < 0.41) return ['readlink', AT_FDCWD, path()];
  if (x < 0.47) return ['readlink', AT_FDCWD, rng.chance(0.8) ? `/proc/self/fd/${fd}` : '/proc/self/cwd'];
  if (x < 0.52) return ['mkdir', AT_FDCWD, path(), 0o755];
  if (x < 0.59) return ['unlink', AT_FDCWD, path(), rng.pick([0, 0, AT_REMOVEDIR])];
  if (x < 0.65) return ['rename', AT_FDCWD, path(), AT_FDCWD, path(), 0];
  if (x < 0.69) return ['symlink', rng.pick(TARGETS), AT_FDCWD, path()];
  if (x < 0.71) return ['link', AT_FDCWD, path(), AT_FDCWD, path(), 0];
  if (x < 0.78) return ['getdents', fd, 4096];
  if (x < 0.82) return ['chdir', path()];
  if (x < 0.84) return ['getcwd'];
  if (x < 0.88) return ['access', AT_FDCWD, path(), rng.pick([0, 2, 4]), 0];
  if (x < 0.91) return ['chmod', AT_FDCWD, path(), rng.pick([0o600, 0o755, 0o777]), 0];
  if (x < 0.94) return ['truncate', path(), 3];
  return ['fstat', fd];
}

function genCase(rng: Prng): Case {
  const host = genTree(rng, true);
  const rootfs = genTree(rng, false);
  const bypass = ['/tmp', '/run', '/home/u'].filter(() => rng.chance(0.75));
  const ops: Op[] = [];
  // Directories opened early give getdents and the fd links something to show.
  ops.push(['open', AT_FDCWD, rng.pick(['/usr', '/etc', '/', '/tmp', '/opt']), O_RDONLY | O_DIRECTORY, 0]);
  if (rng.chance(0.25)) ops.push(['become', 1000, 1000, [1000]]);
  const n = rng.int(15, 35);
  // procfs is compared through fd and cwd links only: its listing and link counts show each
  // system's own processes.
  const present = [...new Set([...host, ...rootfs].map((e) => e.p))].filter((p) => p !== 'proc');
  for (let i = 0; i < n; i++) ops.push(genOp(rng, present));
  return { host, rootfs, bypass, ops };
}

function toTree(entries: Entry[]): TreeEntry[] {
  return entries.map((e): TreeEntry => e.t === 'd' ? { dir: e.p, mode: e.m ?? 0o755 }
    : e.t === 'f' ? { file: e.p, text: e.c ?? '', mode: e.m ?? 0o644 } : { link: e.p, to: e.l! });
}

/** The host tree as the oracle records it: [path, type, mode, content or target], depth first, by name. */
function recordTree(dir: string, prefix = ''): unknown[] {
  const out: unknown[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const path = `${prefix}/${name}`;
    const st = lstatSync(full);
    if (st.isDirectory()) {
      out.push([path, 'd', st.mode & 0o7777, null]);
      out.push(...recordTree(full, path));
    } else if (st.isSymbolicLink()) out.push([path, 'l', 0, readlinkSync(full)]);
    else if (st.isFile()) out.push([path, 'f', st.mode & 0o7777, readFileSync(full, 'latin1')]);
    else out.push([path, 'o', st.mode & 0o7777, null]);
  }
  return out;
}

function runOnVroot(c: Case, base: string, sysctls: ReturnType<typeof kernelSysctls>): OpResult[] {
  const dir = mkdtempSync(join(base, 'case-'));
  try {
    makeTree(join(dir, 'host'), toTree(c.host));
    makeTree(join(dir, 'rootfs'), toTree(c.rootfs));
    const r = hostMergedRootfs({ rootfs: join(dir, 'rootfs'), host: join(dir, 'host'), home: null, bypass: c.bypass, vfs: sysctls });
    const p = r.process;
    for (let i = 0; i < 3; i++) p.openat(AT_FDCWD, '/', O_PATH);
    const norm = new Normalizer();
    const results: OpResult[] = [];
    for (const op of c.ops) {
      try {
        results.push(['ok', runOp(p, op, norm)]);
      } catch (e) {
        if (!(e instanceof VfsError)) throw e;
        results.push(['err', e.code === 'EAGAIN' && e.message.includes(WOULD_BLOCK) ? 'BLOCKS' : e.code]);
      }
    }
    p.exit();
    r.close();
    results.push(['ok', recordTree(join(dir, 'host'))]);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Drops what two correct systems may show differently: times (the kernel's trees and vroot's are
 * made at different moments) and then the order of listings (normalizeResults).
 */
function comparable(ops: Op[], results: OpResult[]): OpResult[] {
  const strip = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const { times, ...rest } = v as Record<string, unknown>;
    void times;
    return rest;
  };
  const body = normalizeResults(ops, results.slice(0, ops.length)).map((r): OpResult => (r[0] === 'ok' ? ['ok', strip(r[1])] : r));
  return [...body, results[ops.length]!];
}

const why = oracleUnavailable() ?? (process.platform === 'linux' ? null : 'Linux only');

test('the merged RootFS answers like the kernel\'s overlay + bind mounts + chroot on generated cases', { skip: why ?? false, timeout: 20 * 60_000 }, async () => {
  const oracle = new KernelOracle(script);
  const sysctls = kernelSysctls();
  const base = mkdtempSync('/dev/shm/vroot-rootfs-diff-');
  const rng = new Prng(SEED);
  let operations = 0;
  let succeeded = 0;
  let cases = 0;
  try {
    for (let i = 0; i < CASES; i++) {
      const c = genCase(rng);
      const wire = [['setup', { host: c.host, rootfs: c.rootfs, bypass: c.bypass }] as unknown as Op, ...c.ops];
      const kernel = comparable(c.ops, await oracle.run(wire));
      const vroot = comparable(c.ops, runOnVroot(c, base, sysctls));
      cases++;
      operations += c.ops.length;
      succeeded += kernel.slice(0, c.ops.length).filter((r) => r[0] === 'ok').length;
      const diff = firstDifference([...c.ops, ['host tree']], kernel, vroot);
      if (diff !== null) {
        assert.fail(`case ${i} (seed ${SEED}) differs from the kernel:\n${diff}\nbypass ${JSON.stringify(c.bypass)}\n` +
          `host ${JSON.stringify(c.host)}\nrootfs ${JSON.stringify(c.rootfs)}\nops ${JSON.stringify(c.ops)}`);
      }
    }
  } finally {
    oracle.close();
    rmSync(base, { recursive: true, force: true });
    console.log(`merged RootFS kernel differential: ${cases} cases, ${operations} operations, ${succeeded} of them succeeded (seed ${SEED})`);
  }
});
