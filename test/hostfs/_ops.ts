// Generated filesystem operations for the hostfs differential and escape tests: a seeded
// generator, and a runner that performs them through a vroot Process. kernel_oracle.py performs
// the same operations with the same result shapes through the real kernel.
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, O_APPEND, O_CREAT, O_DIRECTORY,
  O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, RENAME_EXCHANGE, RENAME_NOREPLACE,
  S_IFCHR, S_IFMT, S_IFSOCK, VfsError, type Process, type Stat,
} from '../../src/mod.js';

/** One operation: its name, then its arguments (paths and data are latin1 byte strings). */
export type Op = [string, ...unknown[]];

/** A small seeded PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** What paths are made of: plain names, non-UTF-8 bytes, dots. */
export interface PathVocabulary {
  names: readonly string[];
  /** Extra symlink bodies to draw from (besides generated paths). */
  targets: readonly string[];
}

export const DEFAULT_VOCABULARY: PathVocabulary = {
  names: ['a', 'b', 'a', 'b', 'f', 'l', '\xff\xfe', 'sp ace'],
  targets: ['/', '..', '../..', '../../..', '/..', '/../..', 'a/b', '.', '', 'missing', 'l', '/l/..', 'f', '\xff\xfe'],
};

/**
 * The tree every generated sequence starts from: directories, files, and symlinks that are
 * relative, absolute, dangling, looping and climbing with `..`.
 */
export const PRELUDE: readonly Op[] = [
  ['mkdir', 'a', 0o755], ['mkdir', 'a/b', 0o755], ['write', 'f', O_CREAT | O_WRONLY, 0o644, 'top'],
  ['write', 'a/f', O_CREAT | O_WRONLY, 0o644, 'in a'], ['write', 'a/b/f', O_CREAT | O_WRONLY, 0o600, 'in b'],
  ['symlink', 'a', 'l'], ['symlink', '/a/b', 'a/l'], ['symlink', '../../f', 'a/b/l'],
  ['symlink', '../..', 'a/b/\xff\xfe'], ['mkdir', '\xff\xfe', 0o700], ['symlink', 'b', 'b'],
];

export function genPath(r: Rng, v: PathVocabulary): string {
  const x0 = r.next();
  const n = x0 < 0.5 ? 1 : x0 < 0.85 ? 2 : 3;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = r.next();
    parts.push(x < 0.06 ? '.' : x < 0.16 ? '..' : r.pick(v.names));
  }
  let p = parts.join('/');
  if (r.chance(0.25)) p = '/' + p;
  if (r.chance(0.08)) p += '/';
  return p;
}

function genTarget(r: Rng, v: PathVocabulary): string {
  return r.chance(0.4) ? r.pick(v.targets) : genPath(r, v);
}

const MODES = [0o644, 0o755, 0o600, 0o4755, 0o2755, 0o1777, 0o000, 0o444, 0o700];

function genData(r: Rng): string {
  const n = 1 + r.int(12);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.chance(0.8) ? 97 + r.int(26) : r.int(256));
  return s;
}

function genOpenFlags(r: Rng): number {
  let f = r.pick([O_WRONLY, O_RDWR, O_RDONLY]);
  if (r.chance(0.7)) f |= O_CREAT;
  if (r.chance(0.15)) f |= O_EXCL;
  if (r.chance(0.2)) f |= O_TRUNC;
  if (r.chance(0.15)) f |= O_APPEND;
  if (r.chance(0.05)) f |= O_DIRECTORY;
  if (r.chance(0.1)) f |= O_NOFOLLOW;
  return f;
}

/** One generated operation. */
export function genOp(r: Rng, v: PathVocabulary = DEFAULT_VOCABULARY): Op {
  const p = (): string => genPath(r, v);
  const x = r.int(100);
  if (x < 14) return ['write', p(), genOpenFlags(r), r.pick(MODES), genData(r)];
  if (x < 24) return ['mkdir', p(), r.pick(MODES)];
  if (x < 34) return ['symlink', genTarget(r, v), p()];
  if (x < 43) return ['stat', p(), r.chance(0.5)];
  if (x < 49) return ['read', p()];
  if (x < 54) return ['list', p()];
  if (x < 61) return ['rename', p(), p(), r.pick([0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE])];
  if (x < 65) return ['link', p(), p(), r.chance(0.3)];
  if (x < 70) return ['unlink', p()];
  if (x < 73) return ['rmdir', p()];
  if (x < 76) return ['readlink', p()];
  if (x < 78) return ['chmod', p(), r.pick(MODES)];
  if (x < 80) return ['truncate', p(), r.int(20)];
  if (x < 82) return ['setxattr', p(), r.pick(['user.a', 'user.b']), genData(r), r.int(3)];
  if (x < 84) return ['getxattr', p(), r.pick(['user.a', 'user.b'])];
  if (x < 85) return ['listxattr', p()];
  // No fifos: opening one blocks the kernel oracle (vroot's fifos are its own pipes anyway).
  if (x < 87) return ['mknod', p(), r.pick([S_IFSOCK | 0o644, S_IFCHR])];
  if (x < 89) return ['utimes', p(), [r.int(2e9), r.int(1e9)], [r.int(2e9), r.int(1e9)], r.chance(0.3)];
  if (x < 91) return ['chdir', r.chance(0.4) ? r.pick(['/', '..']) : p()];
  if (x < 94) return ['open', r.int(2), r.chance(0.5) ? r.pick(['f', 'a/f', '/a/b/f', 'l/f']) : p(), genOpenFlags(r), r.pick(MODES)];
  if (x < 96) return ['pread', r.int(2), 1 + r.int(16), r.int(8)];
  if (x < 98) return ['pwrite', r.int(2), genData(r), r.int(8)];
  if (x < 99) return ['fstat', r.int(2)];
  return ['close', r.int(2)];
}

const B = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const S = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

function statResult(st: Stat): number[] {
  return [st.mode & S_IFMT, st.mode & 0o7777, st.size, st.nlink, st.uid, st.gid, st.rdev];
}

/** Sees what a guest learns: inode numbers (stat, getdents), bytes read and names listed. */
export interface Observer {
  ino(ino: number): void;
  data(text: string): void;
  name(name: string): void;
}

const IGNORE: Observer = { ino() {}, data() {}, name() {} };

function observed(o: Observer, st: Stat): Stat {
  o.ino(st.ino);
  return st;
}

/**
 * Runs `ops` in `p` with the result shapes of kernel_oracle.py: 'OK', a value, or an errno name.
 * `fds` maps the ops' descriptor slots to vroot descriptors.
 */
export function runOp(p: Process, op: Op, fds: Map<number, number>, o: Observer = IGNORE): unknown {
  const a = op;
  switch (a[0]) {
    case 'mkdir': p.mkdirat(AT_FDCWD, B(a[1] as string), a[2] as number); break;
    case 'rmdir': p.unlinkat(AT_FDCWD, B(a[1] as string), AT_REMOVEDIR); break;
    case 'unlink': p.unlinkat(AT_FDCWD, B(a[1] as string), 0); break;
    case 'write': {
      const fd = p.openat(AT_FDCWD, B(a[1] as string), a[2] as number, a[3] as number);
      try {
        p.write(fd, B(a[4] as string));
      } finally {
        p.close(fd);
      }
      break;
    }
    case 'read': {
      const fd = p.openat(AT_FDCWD, B(a[1] as string), O_RDONLY);
      try {
        const buf = new Uint8Array(1 << 16);
        const text = S(buf.subarray(0, p.read(fd, buf)));
        o.data(text);
        return text;
      } finally {
        p.close(fd);
      }
    }
    case 'stat': return statResult(observed(o, p.fstatat(AT_FDCWD, B(a[1] as string), a[2] ? 0 : AT_SYMLINK_NOFOLLOW)));
    case 'readlink': return S(p.readlinkatBytes(AT_FDCWD, B(a[1] as string)));
    case 'symlink': p.symlinkat(B(a[1] as string), AT_FDCWD, B(a[2] as string)); break;
    case 'link': p.linkat(AT_FDCWD, B(a[1] as string), AT_FDCWD, B(a[2] as string), a[3] ? AT_SYMLINK_FOLLOW : 0); break;
    case 'rename': p.renameat2(AT_FDCWD, B(a[1] as string), AT_FDCWD, B(a[2] as string), a[3] as number); break;
    case 'chmod': p.fchmodat(AT_FDCWD, B(a[1] as string), a[2] as number, 0); break;
    case 'truncate': p.truncate(B(a[1] as string), a[2] as number); break;
    case 'list': {
      const fd = p.openat(AT_FDCWD, B(a[1] as string), O_RDONLY | O_DIRECTORY);
      try {
        const names: string[] = [];
        for (;;) {
          const ents = p.getdents64(fd, 4096);
          if (ents.length === 0) break;
          for (const e of ents) {
            o.ino(e.ino);
            o.name(e.rawName);
            if (e.rawName !== '.' && e.rawName !== '..') names.push(e.rawName);
          }
        }
        return names.sort();
      } finally {
        p.close(fd);
      }
    }
    case 'setxattr': p.setxattr(B(a[1] as string), a[2] as string, B(a[3] as string), a[4] as number); break;
    case 'getxattr': {
      const text = S(p.getxattr(B(a[1] as string), a[2] as string));
      o.data(text);
      return text;
    }
    case 'listxattr': return p.listxattr(B(a[1] as string)).sort();
    case 'mknod': p.mknodat(AT_FDCWD, B(a[1] as string), a[2] as number, 0); break;
    case 'utimes': {
      const [at, mt] = [a[2] as [number, number], a[3] as [number, number]];
      const flags = a[4] ? AT_SYMLINK_NOFOLLOW : 0;
      p.utimensat(AT_FDCWD, B(a[1] as string), [{ sec: at[0], nsec: at[1] }, { sec: mt[0], nsec: mt[1] }], flags);
      const st = observed(o, p.fstatat(AT_FDCWD, B(a[1] as string), flags));
      return [st.atime.sec === at[0] && st.atime.nsec === at[1], st.mtime.sec, st.mtime.nsec];
    }
    case 'chdir': p.chdir(B(a[1] as string)); break;
    case 'open': {
      fds.set(a[1] as number, -1);
      fds.set(a[1] as number, p.openat(AT_FDCWD, B(a[2] as string), a[3] as number, a[4] as number));
      break;
    }
    case 'close': {
      const fd = fds.get(a[1] as number) ?? -1;
      fds.delete(a[1] as number);
      p.close(fd);
      break;
    }
    case 'pread': {
      const buf = new Uint8Array(a[2] as number);
      const text = S(buf.subarray(0, p.pread(fds.get(a[1] as number) ?? -1, buf, a[3] as number)));
      o.data(text);
      return text;
    }
    case 'pwrite': return p.pwrite(fds.get(a[1] as number) ?? -1, B(a[2] as string), a[3] as number);
    case 'fstat': return statResult(observed(o, p.fstat(fds.get(a[1] as number) ?? -1)));
    default: throw new Error(`unknown op ${String(a[0])}`);
  }
  return 'OK';
}

/** Runs a sequence, turning VfsErrors into their errno names. */
export function runOps(p: Process, ops: readonly Op[], o: Observer = IGNORE): unknown[] {
  const fds = new Map<number, number>();
  const out: unknown[] = [];
  for (const op of ops) {
    try {
      out.push(runOp(p, op, fds, o));
    } catch (e) {
      if (!(e instanceof VfsError)) throw e;
      out.push(e.code);
    }
  }
  return out;
}
