// Differential testing of the overlay against the kernel's overlayfs: seeded case generation, the
// vroot runner (the twin of kernel_overlay_worker.py, which runs the same case on the kernel) and
// the comparison. Both sides produce the same record: the result of every operation, the merged
// view after it and the upper directory after it, with inode numbers replaced by "where first
// seen" labels and times by their literal value (set by the case) or old/new (relative to the end
// of the layer setup).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR,
  O_TRUNC, O_WRONLY, O_APPEND, AT_REMOVEDIR, S_IFCHR, S_IFIFO, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK,
  S_IFBLK, SEEK_SET, O_NONBLOCK, Overlay, Tmpfs, VirtualFileSystem, VfsError, type Process, type Stat, type Timespec,
  type Inode, type Clock, type FileSystem,
} from '../../src/mod.js';

// ---- cases ----

/** One object of a lower layer. */
export interface Entry {
  p: string;
  /**
   * f file, d dir, l symlink, w whiteout, p fifo, h hard link to `to`, x xattr whiteout (an
   * empty file with trusted.overlay.whiteout, honoured in a directory whose opaque xattr is "x").
   */
  t: 'f' | 'd' | 'l' | 'w' | 'p' | 'h' | 'x';
  m?: number;
  c?: string;
  l?: string;
  to?: string;
  /** Opaque ("y") or holding xattr whiteouts ("x"). */
  o?: boolean | 'x';
  u?: number;
  g?: number;
  x?: Record<string, string>;
  at?: number;
  mt?: number;
}

export type Op = (string | number)[];

export interface Case {
  layers: Entry[][];
  ops: Op[];
  /** The user the operations run as (0: root). */
  uid?: number;
  /** What the upper layer holds before the overlay is mounted. */
  upper?: Entry[];
}

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N1 = ['a', 'b', 'c', 'd'];
const N2 = ['e', 'f', 'g'];
const N3 = ['h', 'i'];
const PATHS: string[] = [];
for (const a of N1) {
  PATHS.push(a);
  for (const b of N2) {
    PATHS.push(`${a}/${b}`);
    for (const c of N3) PATHS.push(`${a}/${b}/${c}`);
  }
}

/** Generates a case: 1-3 lower layers over the small namespace above, and `nOps` operations. */
export function generateCase(seed: number, nOps = 30): Case {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const word = (): string => {
    let s = '';
    const n = 1 + Math.floor(r() * 6);
    for (let i = 0; i < n; i++) s += pick('abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
    return s;
  };
  let stamp = 100;
  const nLayers = 1 + Math.floor(r() * 3);
  const genLayer = (): Entry[] => {
    const entries: Entry[] = [];
    const types = new Map<string, string>();
    for (const p of PATHS) {
      const depth = p.split('/').length;
      const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      if (parent !== '' && types.get(parent) !== 'd') continue;
      if (!chance([0.75, 0.5, 0.4][depth - 1]!)) continue;
      const x = r();
      let e: Entry;
      if (x < 0.33) e = { p, t: 'f', m: pick([0o644, 0o600, 0o755, 0o640, 0o4755]), c: word() };
      else if (x < 0.68) e = { p, t: 'd', m: pick([0o755, 0o700, 0o775, 0o1777]), o: chance(0.2) || (chance(0.15) ? 'x' : false) };
      else if (x < 0.76) e = { p, t: 'l', l: '../'.repeat(depth - 1) + (chance(0.8) ? pick(PATHS) : 'nowhere') };
      else if (x < 0.9) e = { p, t: chance(0.3) ? 'x' : 'w' };
      else if (x < 0.93) e = { p, t: 'p', m: 0o644 };
      else {
        const files = [...types].filter(([, t]) => t === 'f').map(([q]) => q);
        e = files.length > 0 ? { p, t: 'h', to: pick(files) } : { p, t: 'f', m: 0o644, c: word() };
      }
      if ((e.t === 'f' || e.t === 'd') && chance(0.2)) { e.u = 1000; e.g = 1000; }
      if ((e.t === 'f' || e.t === 'd') && chance(0.2)) e.x = { 'user.k': word() };
      if (e.t !== 'h' && e.t !== 'w') { e.at = stamp++; e.mt = stamp++; }
      types.set(p, e.t === 'h' ? 'f' : e.t);
      entries.push(e);
    }
    return entries;
  };
  const layers: Entry[][] = [];
  for (let li = 0; li < nLayers; li++) layers.push(genLayer());
  const extra = ['a/e/h/z', 'z', 'b/q'];
  // Names some layer has are picked more often, so most operations meet something.
  const present = [...new Set(layers.flat().map((e) => e.p))];
  const path = (): string => {
    const x = r();
    if (x < 0.55 && present.length > 0) return pick(present);
    return x < 0.96 ? pick(PATHS) : pick(extra);
  };
  const ops: Op[] = [];
  let t = 300000;
  const opened: number[] = [];
  for (let i = 0; i < nOps; i++) {
    let k = r();
    // Descriptor operations mostly use a slot an earlier operation opened.
    if (k >= 0.9 && opened.length === 0 && chance(0.8)) k = 0.85 + r() * 0.05;
    const slot = k >= 0.9 && opened.length > 0 && chance(0.9) ? pick(opened) : Math.floor(r() * 3);
    if (k >= 0.85 && k < 0.9 && !opened.includes(slot)) opened.push(slot);
    if (k < 0.07) ops.push([pick(['creat', 'creatx']), path(), pick([0o644, 0o600, 0o755])]);
    else if (k < 0.13) ops.push(['write', path(), Math.floor(r() * 8), word()]);
    else if (k < 0.16) ops.push(['append', path(), word()]);
    else if (k < 0.19) ops.push(['trunc', path(), Math.floor(r() * 10)]);
    else if (k < 0.21) ops.push(['otrunc', path()]);
    else if (k < 0.23) ops.push(['read', path()]);
    else if (k < 0.29) ops.push(['unlink', path()]);
    else if (k < 0.35) ops.push(['rmdir', path()]);
    else if (k < 0.41) ops.push(['mkdir', path(), pick([0o755, 0o700])]);
    else if (k < 0.5) ops.push(['rename', path(), path(), pick([0, 0, 0, 0, 1, 2, 4])]);
    else if (k < 0.54) ops.push(['link', chance(0.5) && present.length > 0 ? pick(present) : path(), path()]);
    else if (k < 0.57) ops.push(['symlink', pick(PATHS), path()]);
    else if (k < 0.58) ops.push([pick(['mkfifo', 'mkwh']), path(), 0o644]);
    else if (k < 0.62) ops.push(['chmod', path(), pick([0o644, 0o600, 0o755, 0o4755, 0o1777, 0o2755])]);
    else if (k < 0.65) ops.push([pick(['chown', 'lchown']), path(), pick([0, 1000, 1001]), pick([0, 1000, 1001])]);
    else if (k < 0.68) ops.push(['utimes', path(), t++, t++]);
    else if (k < 0.72) ops.push(['setxattr', path(), pick(['user.k', 'user.n', 'trusted.overlay.opaque']), word(), pick([0, 0, 1, 2])]);
    else if (k < 0.74) ops.push(['rmxattr', path(), pick(['user.k', 'user.n'])]);
    else if (k < 0.75) ops.push(['getxattr', path(), pick(['user.k', 'trusted.overlay.origin'])]);
    else if (k < 0.76) ops.push(['listxattr', path()]);
    else if (k < 0.79) ops.push([pick(['stat', 'lstat']), path()]);
    else if (k < 0.8) ops.push(['readlink', path()]);
    else if (k < 0.85) ops.push(['readdir', chance(0.15) ? '.' : path()]);
    else if (k < 0.9) ops.push(['open', slot, chance(0.15) ? '.' : path(), pick(['r', 'r', 'rw', 'dir'])]);
    else if (k < 0.92) ops.push(['fread', slot]);
    else if (k < 0.93) ops.push(['fwrite', slot, word()]);
    else if (k < 0.94) ops.push(['fstat', slot]);
    else if (k < 0.95) ops.push(pick([['fchmod', slot, pick([0o600, 0o755])], ['ftrunc', slot, Math.floor(r() * 6)], ['fsetxattr', slot, 'user.k', word()]]));
    else if (k < 0.97) ops.push(['fdents', slot]);
    else if (k < 0.98) ops.push(['rewind', slot]);
    else ops.push(['close', slot]);
  }
  // A third of the cases run as an unprivileged user, where permission errors show.
  const c: Case = chance(0.33) ? { layers, ops, uid: 1000 } : { layers, ops };
  // A quarter start from an upper layer made beforehand (whiteouts and opaque directories too).
  if (chance(0.25)) {
    c.upper = genLayer().map((e) => (e.t === 'x' ? { p: e.p, t: 'w' } : e.o === 'x' ? { ...e, o: false } : e));
  }
  return c;
}

// ---- records ----

export interface Step {
  op?: Op;
  result?: [string, unknown];
  merged: Record<string, unknown>[];
  upper: Record<string, unknown>[];
}

export interface CaseResult {
  steps?: Step[];
  error?: string;
}

/** Inode numbers as "where first seen" labels; times literal, or old/new around `setupEnd`. */
export class Tokens {
  private readonly inos = new Map<string, string>();
  /** With `setupEnd` null every time is kept literally. */
  constructor(private readonly setupEnd: Timespec | null) {}

  ino(ino: number, dev: number, where: string): string {
    const key = `${dev}:${ino}`;
    let t = this.inos.get(key);
    if (t === undefined) {
      t = where;
      this.inos.set(key, t);
    }
    return t;
  }

  time(t: Timespec): string {
    if (t.sec < 1000000000 || this.setupEnd === null) return `${t.sec}.${String(t.nsec).padStart(9, '0')}`;
    const old = t.sec < this.setupEnd.sec || (t.sec === this.setupEnd.sec && t.nsec <= this.setupEnd.nsec);
    return old ? 'old' : 'new';
  }
}

function normStat(st: Stat, tokens: Tokens, where: string, ovlDev: number): Record<string, unknown> {
  const type = st.mode & S_IFMT;
  const d: Record<string, unknown> = {
    type: type >>> 12, perm: st.mode & 0o7777, uid: st.uid, gid: st.gid, nlink: st.nlink, size: st.size,
    blocks: st.blocks, ino: tokens.ino(st.ino, st.dev === ovlDev ? 0 : st.dev, where),
    dev: st.dev === ovlDev ? 'ovl' : 'other', atime: tokens.time(st.atime), mtime: tokens.time(st.mtime),
    ctime: tokens.time(st.ctime),
  };
  if (type === S_IFCHR || type === S_IFBLK) d['rdev'] = st.rdev;
  if (type === S_IFDIR) delete d['blocks'];
  return d;
}

const latin1 = new TextDecoder('latin1');

function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function text(b: Uint8Array): string {
  return latin1.decode(b);
}

function xattrs(p: Process, path: string, hidePrivate: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of p.listxattr(path, { nofollow: true }).sort()) {
    if (hidePrivate && name.startsWith('trusted.overlay.')) continue;
    const v = p.getxattr(path, name, { nofollow: true });
    out[name] = name === 'trusted.overlay.origin' || name === 'trusted.overlay.uuid' ? 'present' : text(v);
  }
  return out;
}

function listNames(p: Process, path: string): string[] {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
  const names: string[] = [];
  try {
    for (;;) {
      const ents = p.getdents64(fd);
      if (ents.length === 0) break;
      for (const e of ents) if (e.name !== '.' && e.name !== '..') names.push(e.name);
    }
  } finally {
    p.close(fd);
  }
  return names.sort();
}

/** Every path below `root` ('.' first), sorted per directory, without following symlinks. */
function walk(p: Process, root: string): string[] {
  const out = ['.'];
  const rec = (rel: string): void => {
    for (const name of listNames(p, rel === '' ? root || '/' : `${root}/${rel}`)) {
      const q = rel === '' ? name : `${rel}/${name}`;
      out.push(q);
      let mode: number;
      try {
        mode = p.fstatat(AT_FDCWD, `${root}/${q}`, AT_SYMLINK_NOFOLLOW).mode;
      } catch (e) {
        if (e instanceof VfsError && e.code === 'ENOENT') continue;
        throw e;
      }
      if ((mode & S_IFMT) === S_IFDIR) rec(q);
    }
  };
  rec('');
  return out;
}

function join(root: string, rel: string): string {
  if (rel === '.') return root === '' ? '/' : root;
  return `${root}/${rel}`;
}

function readFile(p: Process, path: string): string {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW);
  try {
    const buf = new Uint8Array(1 << 16);
    return text(buf.subarray(0, p.read(fd, buf)));
  } finally {
    p.close(fd);
  }
}

export function snapshotMerged(p: Process, tokens: Tokens, tag: string, ovlDev: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const rel of walk(p, '')) {
    const full = join('', rel);
    let st: Stat;
    try {
      st = p.fstatat(AT_FDCWD, full, AT_SYMLINK_NOFOLLOW);
    } catch (e) {
      // Listed but not found: a lower whiteout in a directory listed unmerged.
      if (!(e instanceof VfsError) || e.code !== 'ENOENT') throw e;
      out.push({ path: rel, listed_only: true });
      continue;
    }
    const d: Record<string, unknown> = { path: rel, ...normStat(st, tokens, `${tag}:${rel}`, ovlDev) };
    const type = st.mode & S_IFMT;
    if (type === S_IFREG) d['content'] = readFile(p, full);
    else if (type === S_IFLNK) d['target'] = p.readlinkat(AT_FDCWD, full);
    d['xattrs'] = xattrs(p, full, true);
    out.push(d);
  }
  return out;
}

function snapshotUpper(p: Process, root: string, tokens: Tokens): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const rel of walk(p, root)) {
    const full = join(root, rel);
    const st = p.fstatat(AT_FDCWD, full, AT_SYMLINK_NOFOLLOW);
    const type = st.mode & S_IFMT;
    if (type === S_IFCHR && st.rdev === 0) {
      out.push({ path: rel, whiteout: true, perm: st.mode & 0o7777 });
      continue;
    }
    const d: Record<string, unknown> = {
      path: rel, type: type >>> 12, perm: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: tokens.time(st.mtime),
    };
    if (type === S_IFREG) {
      d['content'] = readFile(p, full);
      d['size'] = st.size;
      d['nlink'] = st.nlink;
    } else if (type === S_IFLNK) {
      d['target'] = p.readlinkat(AT_FDCWD, full);
    }
    d['xattrs'] = xattrs(p, full, false);
    out.push(d);
  }
  return out;
}

// ---- the vroot runner ----

/** How the vroot side lays out the layers. */
export interface VrootSetup {
  /** All layers as directories of one tmpfs (the kernel test's layout), or one tmpfs each. */
  sameFs: boolean;
  /** Give the overlay a work directory. */
  work: boolean;
}

/** The host's fs.protected_* sysctls, so vroot follows the same rules as the kernel it is compared with. */
function hostProtection(): { protectedSymlinks: boolean; protectedHardlinks: boolean; protectedFifos: number; protectedRegular: number } {
  const read = (name: string, fallback: number): number => {
    try {
      return Number(readFileSync(`/proc/sys/fs/${name}`, 'utf8').trim());
    } catch {
      return fallback;
    }
  };
  return {
    protectedSymlinks: read('protected_symlinks', 1) !== 0,
    protectedHardlinks: read('protected_hardlinks', 1) !== 0,
    protectedFifos: read('protected_fifos', 1),
    protectedRegular: read('protected_regular', 1),
  };
}

/** A clock that advances one microsecond per reading, from the real time. */
export function steppingClock(): Clock {
  const start = Date.now();
  let sec = Math.floor(start / 1000);
  let nsec = (start % 1000) * 1e6;
  return () => {
    nsec += 1000;
    if (nsec >= 1e9) { sec++; nsec -= 1e9; }
    return { sec, nsec };
  };
}

/** The inode of `path` as `p` sees it. */
export function inodeAt(p: Process, path: string): Inode {
  return p.lookupPath(AT_FDCWD, path, 1, 0).dentry.inode;
}

/** Builds one lower layer's entries with `p` under `root` (the twin of build_layer). */
export function buildLayer(p: Process, root: string, entries: Entry[]): void {
  for (const e of entries) {
    const path = `${root}/${e.p}`;
    switch (e.t) {
      case 'd':
        p.mkdirat(AT_FDCWD, path, e.m!);
        p.fchmodat(AT_FDCWD, path, e.m!);
        if (e.o) p.setxattr(path, 'trusted.overlay.opaque', bytes(e.o === 'x' ? 'x' : 'y'));
        break;
      case 'x':
        p.close(p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_EXCL, 0o644));
        p.setxattr(path, 'trusted.overlay.whiteout', new Uint8Array(0));
        break;
      case 'f': {
        const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_EXCL, e.m!);
        p.write(fd, bytes(e.c!));
        p.close(fd);
        p.fchmodat(AT_FDCWD, path, e.m!);
        break;
      }
      case 'h':
        p.linkat(AT_FDCWD, `${root}/${e.to}`, AT_FDCWD, path);
        break;
      case 'l':
        p.symlinkat(e.l!, AT_FDCWD, path);
        break;
      case 'w':
        p.mknodat(AT_FDCWD, path, S_IFCHR, 0);
        break;
      case 'p':
        p.mknodat(AT_FDCWD, path, S_IFIFO | e.m!);
        break;
    }
    if ((e.t === 'd' || e.t === 'f') && e.u !== undefined) p.fchownat(AT_FDCWD, path, e.u, e.g!);
    for (const [k, v] of Object.entries(e.x ?? {})) p.setxattr(path, k, bytes(v), 0, { nofollow: true });
  }
  const deepestFirst = [...entries].sort((a, b) => b.p.split('/').length - a.p.split('/').length);
  for (const e of deepestFirst) {
    if (e.at === undefined || e.t === 'h') continue;
    p.utimensat(AT_FDCWD, `${root}/${e.p}`, [{ sec: e.at, nsec: 0 }, { sec: e.mt!, nsec: 0 }], AT_SYMLINK_NOFOLLOW);
  }
}

const ACC: Record<string, number> = { r: O_RDONLY, w: O_WRONLY, rw: O_RDWR, dir: O_RDONLY | O_DIRECTORY };

function dents(p: Process, fd: number, tokens: Tokens, index: number, ovlDev: number): unknown[] {
  const out: [string, number, string][] = [];
  for (;;) {
    const ents = p.getdents64(fd);
    if (ents.length === 0) break;
    for (const e of ents) {
      if (e.name === '.' || e.name === '..') continue;
      out.push([e.name, e.type, tokens.ino(e.ino, 0, `op${index}:${e.name}`)]);
    }
  }
  void ovlDev;
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function runOp(p: Process, op: Op, fds: Map<number, number>, tokens: Tokens, ovlDev: number, index: number): unknown {
  const P = (rel: unknown): string => `/${rel as string}`;
  const slot = (s: unknown): number => {
    const fd = fds.get(s as number);
    if (fd === undefined) throw new VfsError(9);
    return fd;
  };
  const a = op;
  switch (a[0]) {
    case 'creat': p.close(p.openat(AT_FDCWD, P(a[1]), O_NONBLOCK | O_CREAT | O_WRONLY, a[2] as number)); return null;
    case 'creatx': p.close(p.openat(AT_FDCWD, P(a[1]), O_NONBLOCK | O_CREAT | O_WRONLY | O_EXCL, a[2] as number)); return null;
    case 'write': {
      const fd = p.openat(AT_FDCWD, P(a[1]), O_NONBLOCK | O_WRONLY);
      try { return p.pwrite(fd, bytes(a[3] as string), a[2] as number); } finally { p.close(fd); }
    }
    case 'append': {
      const fd = p.openat(AT_FDCWD, P(a[1]), O_NONBLOCK | O_WRONLY | O_APPEND);
      try { return p.write(fd, bytes(a[2] as string)); } finally { p.close(fd); }
    }
    case 'trunc': p.truncate(P(a[1]), a[2] as number); return null;
    case 'otrunc': p.close(p.openat(AT_FDCWD, P(a[1]), O_NONBLOCK | O_WRONLY | O_TRUNC)); return null;
    case 'read': {
      const fd = p.openat(AT_FDCWD, P(a[1]), O_NONBLOCK | O_RDONLY);
      try {
        const buf = new Uint8Array(1 << 16);
        return text(buf.subarray(0, p.read(fd, buf)));
      } finally { p.close(fd); }
    }
    case 'unlink': p.unlinkat(AT_FDCWD, P(a[1])); return null;
    case 'rmdir': p.unlinkat(AT_FDCWD, P(a[1]), AT_REMOVEDIR); return null;
    case 'mkdir': p.mkdirat(AT_FDCWD, P(a[1]), a[2] as number); return null;
    case 'rename': p.renameat2(AT_FDCWD, P(a[1]), AT_FDCWD, P(a[2]), a[3] as number); return null;
    case 'link': p.linkat(AT_FDCWD, P(a[1]), AT_FDCWD, P(a[2]), 0); return null;
    case 'symlink': p.symlinkat(a[1] as string, AT_FDCWD, P(a[2])); return null;
    case 'mkfifo': p.mknodat(AT_FDCWD, P(a[1]), S_IFIFO | (a[2] as number)); return null;
    case 'mkwh': p.mknodat(AT_FDCWD, P(a[1]), S_IFCHR, 0); return null;
    case 'chmod': p.fchmodat(AT_FDCWD, P(a[1]), a[2] as number); return null;
    case 'chown': p.fchownat(AT_FDCWD, P(a[1]), a[2] as number, a[3] as number); return null;
    case 'lchown': p.fchownat(AT_FDCWD, P(a[1]), a[2] as number, a[3] as number, AT_SYMLINK_NOFOLLOW); return null;
    case 'utimes': p.utimensat(AT_FDCWD, P(a[1]), [{ sec: a[2] as number, nsec: 0 }, { sec: a[3] as number, nsec: 0 }]); return null;
    case 'setxattr': p.setxattr(P(a[1]), a[2] as string, bytes(a[3] as string), a[4] as number); return null;
    case 'rmxattr': p.removexattr(P(a[1]), a[2] as string); return null;
    case 'getxattr': return text(p.getxattr(P(a[1]), a[2] as string));
    case 'listxattr': return p.listxattr(P(a[1])).sort();
    case 'stat': return normStat(p.fstatat(AT_FDCWD, P(a[1])), tokens, `op${index}`, ovlDev);
    case 'lstat': return normStat(p.fstatat(AT_FDCWD, P(a[1]), AT_SYMLINK_NOFOLLOW), tokens, `op${index}`, ovlDev);
    case 'readlink': return p.readlinkat(AT_FDCWD, P(a[1]));
    case 'readdir': {
      const fd = p.openat(AT_FDCWD, P(a[1]), O_NONBLOCK | O_RDONLY | O_DIRECTORY);
      try { return dents(p, fd, tokens, index, ovlDev); } finally { p.close(fd); }
    }
    case 'open': {
      const old = fds.get(a[1] as number);
      if (old !== undefined) { fds.delete(a[1] as number); p.close(old); }
      fds.set(a[1] as number, p.openat(AT_FDCWD, P(a[2]), O_NONBLOCK | ACC[a[3] as string]!));
      return null;
    }
    case 'close': { const fd = slot(a[1]); fds.delete(a[1] as number); p.close(fd); return null; }
    case 'fread': {
      const buf = new Uint8Array(1 << 16);
      return text(buf.subarray(0, p.pread(slot(a[1]), buf, 0)));
    }
    case 'fwrite': return p.pwrite(slot(a[1]), bytes(a[2] as string), 0);
    case 'fstat': return normStat(p.fstat(slot(a[1])), tokens, `op${index}`, ovlDev);
    case 'fchmod': p.fchmod(slot(a[1]), a[2] as number); return null;
    case 'ftrunc': p.ftruncate(slot(a[1]), a[2] as number); return null;
    case 'fsetxattr': p.fsetxattr(slot(a[1]), a[2] as string, bytes(a[3] as string)); return null;
    case 'fdents': return dents(p, slot(a[1]), tokens, index, ovlDev);
    case 'rewind': p.lseek(slot(a[1]), 0, SEEK_SET); return null;
    default: throw new Error(`unknown op ${String(a[0])}`);
  }
}

/** Runs a case on vroot, producing the same record as the kernel worker. */
export function runVroot(c: Case, setup: VrootSetup): CaseResult {
  const clock = steppingClock();
  const layerFs: FileSystem[] = [];
  const admin = (fs: FileSystem): Process => {
    const v = new VirtualFileSystem({ clock });
    v.mount(fs, '/', { noatime: true });
    return v.createProcess({ umask: 0 });
  };
  let lowers: { fs: FileSystem; root: Inode }[];
  let upper: { fs: FileSystem; root: Inode };
  let work: { fs: FileSystem; root: Inode } | undefined;
  let upperFs: FileSystem;
  let upperRoot: string;
  if (setup.sameFs) {
    const t = new Tmpfs({ clock, mode: 0o755 });
    layerFs.push(t);
    const p = admin(t);
    for (const d of ['u', 'w', ...c.layers.map((_, i) => `l${i}`)]) p.mkdirat(AT_FDCWD, `/${d}`, 0o777);
    c.layers.forEach((entries, i) => buildLayer(p, `/l${i}`, entries));
    buildLayer(p, '/u', c.upper ?? []);
    lowers = c.layers.map((_, i) => ({ fs: t, root: inodeAt(p, `/l${i}`) }));
    upper = { fs: t, root: inodeAt(p, '/u') };
    if (setup.work) work = { fs: t, root: inodeAt(p, '/w') };
    upperFs = t;
    upperRoot = '/u';
  } else {
    lowers = c.layers.map((entries) => {
      const t = new Tmpfs({ clock, mode: 0o777 });
      buildLayer(admin(t), '', entries);
      return { fs: t, root: t.root };
    });
    const u = new Tmpfs({ clock, mode: 0o777 });
    upperFs = u;
    const upperProc = admin(u);
    if (setup.work) {
      upperProc.mkdirat(AT_FDCWD, '/u', 0o777);
      upperProc.mkdirat(AT_FDCWD, '/w', 0o777);
      upper = { fs: u, root: inodeAt(upperProc, '/u') };
      work = { fs: u, root: inodeAt(upperProc, '/w') };
      upperRoot = '/u';
    } else {
      upper = { fs: u, root: u.root };
      upperRoot = '';
    }
    buildLayer(upperProc, upperRoot, c.upper ?? []);
  }
  const setupEnd = clock();
  const tokens = new Tokens(setupEnd);
  const ov = new Overlay({ lowers, upper, ...(work ? { work } : {}), clock });
  const vfs = new VirtualFileSystem({ clock, ...hostProtection() });
  vfs.mount(ov, '/', { noatime: true });
  const p = vfs.createProcess({ umask: 0 });
  const user = c.uid ? vfs.createProcess({ umask: 0, cred: { uid: c.uid, gid: c.uid } }) : p;
  const ovlDev = p.fstatat(AT_FDCWD, '/').dev;
  const fds = new Map<number, number>();
  // The overlay changes the upper tmpfs behind any other mount's dentry cache, so every look at
  // the upper goes through a fresh mount.
  const upperView = (): Record<string, unknown>[] => snapshotUpper(admin(upperFs), upperRoot, tokens);
  const steps: Step[] = [{ merged: snapshotMerged(p, tokens, 's0', ovlDev), upper: upperView() }];
  c.ops.forEach((op, i) => {
    let result: [string, unknown];
    try {
      result = ['OK', runOp(user, op, fds, tokens, ovlDev, i) ?? null];
    } catch (e) {
      if (!(e instanceof VfsError)) throw e;
      result = ['ERR', e.code];
    }
    steps.push({
      op, result, merged: snapshotMerged(p, tokens, `s${i + 1}`, ovlDev), upper: upperView(),
    });
  });
  return { steps };
}

// ---- comparison ----

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return x;
  });
}

/** The first difference between two records, described for a failure message; null when equal. */
export function firstDifference(kernel: CaseResult, vroot: CaseResult): string | null {
  if (kernel.error !== undefined) return `kernel worker failed: ${kernel.error}`;
  const ks = kernel.steps!;
  const vs = vroot.steps!;
  for (let i = 0; i < Math.max(ks.length, vs.length); i++) {
    const k = ks[i];
    const v = vs[i];
    if (k === undefined || v === undefined) return `step count differs: kernel ${ks.length}, vroot ${vs.length}`;
    const where = i === 0 ? 'after mount' : `op ${i - 1} ${JSON.stringify(k.op)}`;
    if (stable(k.result) !== stable(v.result)) {
      return `${where}: result kernel ${stable(k.result)} vroot ${stable(v.result)}`;
    }
    for (const part of ['merged', 'upper'] as const) {
      const km = new Map(k[part].map((e) => [e['path'] as string, stable(e)]));
      const vm = new Map(v[part].map((e) => [e['path'] as string, stable(e)]));
      for (const path of new Set([...km.keys(), ...vm.keys()])) {
        if (km.get(path) !== vm.get(path)) {
          return `${where}: ${part} view at '${path}'\n  kernel ${km.get(path) ?? 'absent'}\n  vroot  ${vm.get(path) ?? 'absent'}`;
        }
      }
    }
  }
  return null;
}

// ---- the kernel side ----

/** The kernel worker process: one private mount namespace, cases sent one per line. */
export class KernelOverlay {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
  }

  /** Starts the worker; null (with the reason) when the kernel oracle cannot run here. */
  static async start(): Promise<KernelOverlay | string> {
    if (process.getuid?.() !== 0) return 'needs root to mount the kernel overlay';
    const script = fileURLToPath(new URL('../../../test/overlay/kernel_overlay_worker.py', import.meta.url));
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'python3', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const k = new KernelOverlay(child);
    const first = await Promise.race([
      k.next(),
      new Promise<string>((resolve) => child.on('exit', () => resolve(`{"error": ${JSON.stringify(`worker exited: ${stderr}`)}}`))),
      new Promise<string>((resolve) => child.on('error', (e) => resolve(`{"error": ${JSON.stringify(String(e))}}`))),
    ]);
    const msg = JSON.parse(first) as { ready?: boolean; error?: string };
    if (msg.ready !== true) {
      child.kill();
      return `kernel overlay worker unavailable: ${msg.error ?? first}`;
    }
    return k;
  }

  private next(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Runs one case on the kernel. */
  async run(c: Case): Promise<CaseResult> {
    const line = this.next();
    this.child.stdin.write(JSON.stringify(c) + '\n');
    return JSON.parse(await line) as CaseResult;
  }

  close(): void {
    this.child.stdin.end();
    this.lines.close();
  }
}

void S_IFMT;
