// Node-specific: seeded host trees with every kind of object EROFS holds, and walkers that
// record a tree the same way through the kernel (python3 on a mount or directory) and through
// vroot (a Process), so the two records can be compared field by field.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, O_DIRECTORY, O_NOFOLLOW,
  O_RDONLY, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Process,
} from '../../src/mod.js';
import { Prng } from '../emu/_prng.js';

/** What a generated tree contains. */
export interface TreeSpec {
  /** Regular files, symlinks and special files spread over the directories. */
  entries: number;
  /** Longest name in bytes (mkfs.erofs 1.5 fails at 255). */
  nameMax: number;
  /** A directory with this many entries (multi-block). */
  bigDir: number;
  /** Nesting depth of one chain of directories. */
  depth: number;
  /** Include fifos, sockets and device nodes. */
  specials: boolean;
  /** Include xattrs (user, trusted, security, POSIX ACLs). */
  xattrs: boolean;
  /** Largest regular file. */
  maxFileSize: number;
}

export const DEFAULT_SPEC: TreeSpec = {
  entries: 160, nameMax: 254, bigDir: 400, depth: 30, specials: true, xattrs: true, maxFileSize: 600_000,
};

/** A scratch directory under /dev/shm (tmpfs: every xattr namespace works there). */
export function scratch(prefix: string): string {
  const base = process.platform === 'linux' ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, `vroot-${prefix}-`));
}

/** Removes a scratch directory. */
export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** True when running as root with python3, mount and the named tools available. */
export function haveTools(...tools: string[]): string | null {
  if (process.getuid?.() !== 0) return 'needs root (loop mounts, device nodes, ownership)';
  for (const t of ['python3', ...tools]) {
    const r = spawnSync('sh', ['-c', `command -v ${t}`]);
    if (r.status !== 0) return `${t} is not installed (.ci/run installs it)`;
  }
  return null;
}

const ALPHABET: number[] = [];
for (let c = 0x21; c < 0x7f; c++) if (c !== 0x2f) ALPHABET.push(c);
for (const c of [0x01, 0x09, 0x0a, 0x20, 0x80, 0xc3, 0xa9, 0xfe, 0xff]) ALPHABET.push(c);

function randomName(rng: Prng, min: number, max: number, taken: Set<string>): Buffer {
  for (;;) {
    const len = rng.int(min, max);
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = rng.chance(0.7) ? rng.pick([...'abcdefghijklmnopqrstuvwxyz0123456789_'].map((c) => c.charCodeAt(0))) : rng.pick(ALPHABET);
    const s = b.toString('latin1');
    if (s === '.' || s === '..' || s.startsWith('lost+found') || taken.has(s)) continue;
    taken.add(s);
    return b;
  }
}

function content(rng: Prng, size: number): Buffer {
  const b = Buffer.alloc(size);
  const kind = rng.int(0, 3);
  if (kind === 0) {
    for (let i = 0; i < size; i++) b[i] = rng.int(0, 255);
  } else if (kind === 1) {
    const words = ['erofs', 'vroot', 'block', 'inode', 'lz4 ', 'cluster', '\n', 'data', 'kernel '];
    let i = 0;
    while (i < size) {
      const w = rng.pick(words);
      b.write(w, i, 'latin1');
      i += w.length;
    }
  } else if (kind === 2) {
    for (let i = 0; i < size; i += 512) if (rng.chance(0.3)) b.fill(rng.int(0, 255), i, Math.min(size, i + 512));
  } else {
    for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >> 9)) & 0xff;
    for (let i = 0; i < size; i += 997) b[i] = rng.int(0, 255);
  }
  return b;
}

interface Op {
  op: 'mknod' | 'xattr' | 'chown' | 'chmod' | 'utime';
  path: string;
  [k: string]: unknown;
}

const APPLY = String.raw`
import json, os, sys
for o in json.load(sys.stdin):
    p = bytes.fromhex(o['path'])
    if o['op'] == 'mknod':
        os.mknod(p, o['mode'], o['rdev'])
    elif o['op'] == 'xattr':
        os.setxattr(p, bytes.fromhex(o['name']), bytes.fromhex(o['value']), follow_symlinks=False)
    elif o['op'] == 'chown':
        os.chown(p, o['uid'], o['gid'], follow_symlinks=False)
    elif o['op'] == 'chmod':
        os.chmod(p, o['mode'])
    elif o['op'] == 'utime':
        ns = o['sec'] * 1000000000 + o['nsec']
        os.utime(p, ns=(ns, ns), follow_symlinks=False)
`;

function acl(rng: Prng, withUser: boolean): Buffer {
  // struct posix_acl_xattr_header + entries (include/uapi/linux/posix_acl_xattr.h).
  const entries: Array<[number, number, number]> = [[0x01, rng.int(0, 7), 0xffffffff]];
  if (withUser) entries.push([0x02, rng.int(0, 7), rng.int(1000, 70000)]);
  entries.push([0x04, rng.int(0, 7), 0xffffffff]);
  if (withUser) entries.push([0x10, 7, 0xffffffff]);
  entries.push([0x20, rng.int(0, 7), 0xffffffff]);
  const b = Buffer.alloc(4 + 8 * entries.length);
  b.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], i) => {
    b.writeUInt16LE(tag, 4 + 8 * i);
    b.writeUInt16LE(perm, 6 + 8 * i);
    b.writeUInt32LE(id, 8 + 8 * i);
  });
  return b;
}

/**
 * Builds a seeded tree under `root` (which must exist): nested and big directories, files
 * around block boundaries (random, text-like, sparse-looking), hard links, long symlinks, fifos,
 * sockets, devices, xattrs (some shared by many inodes), set-id modes, 32-bit ids and
 * nanosecond mtimes.
 */
export function buildTree(root: string, seed: number, spec: TreeSpec = DEFAULT_SPEC): void {
  const rng = new Prng(seed);
  const ops: Op[] = [];
  const rootB = Buffer.from(root);
  const dirs: Buffer[] = [rootB];
  const files: Buffer[] = [];
  const taken = new Map<string, Set<string>>();
  const namesIn = (d: Buffer): Set<string> => {
    const k = d.toString('latin1');
    let s = taken.get(k);
    if (s === undefined) taken.set(k, (s = new Set()));
    return s;
  };
  const child = (d: Buffer, min = 1, max = 40): Buffer => Buffer.concat([d, Buffer.from('/'), randomName(rng, min, max, namesIn(d))]);
  const hex = (b: Buffer): string => b.toString('hex');
  const commonTime = rng.int(1_500_000_000, 1_700_000_000);
  const attrs = (path: Buffer, type: number): void => {
    ops.push({ op: 'chown', path: hex(path), uid: rng.chance(0.5) ? 0 : rng.pick([1, 1000, 65535, 65536, 100000, 4000000000]), gid: rng.chance(0.5) ? 0 : rng.pick([1, 100, 65534, 70000]) });
    // chmod after chown: chown clears the set-id bits.
    if (type !== S_IFLNK) ops.push({ op: 'chmod', path: hex(path), mode: type === S_IFDIR ? rng.int(0, 0o7777) | 0o700 : rng.int(0, 0o7777) });
    if (spec.xattrs && rng.chance(0.35) && type !== S_IFLNK) {
      const n = rng.int(1, 3);
      for (let i = 0; i < n; i++) {
        // user.* xattrs exist only on regular files and directories.
        const plain = type === S_IFREG || type === S_IFDIR;
        const ns = rng.pick(plain ? ['user.', 'user.', 'trusted.', 'security.'] : ['trusted.', 'security.']);
        const name = ns + randomName(rng, 1, 30, new Set()).toString('latin1').replace(/[^a-z0-9_]/g, 'x');
        const size = rng.pick([0, 1, 5, 100, 1000, 3000]);
        ops.push({ op: 'xattr', path: hex(path), name: Buffer.from(name, 'latin1').toString('hex'), value: hex(content(rng, size)) });
      }
    }
    if (spec.xattrs && rng.chance(0.2) && (type === S_IFREG || type === S_IFDIR)) {
      // The same xattr on many inodes: mkfs.erofs and vroot move it to the shared area.
      ops.push({ op: 'xattr', path: hex(path), name: Buffer.from('user.shared').toString('hex'), value: Buffer.from('one value for many').toString('hex') });
    }
    if (spec.xattrs && rng.chance(0.05) && (type === S_IFREG || type === S_IFDIR)) {
      ops.push({ op: 'xattr', path: hex(path), name: Buffer.from('system.posix_acl_access').toString('hex'), value: hex(acl(rng, true)) });
    }
    const sec = rng.chance(0.3) ? commonTime : rng.chance(0.05) ? -rng.int(1, 2 ** 31) : rng.int(0, 2 ** 33);
    ops.push({ op: 'utime', path: hex(path), sec, nsec: rng.chance(0.3) ? 0 : rng.int(0, 999_999_999) });
  };
  // A deep chain and a big directory.
  let deep: Buffer = rootB;
  for (let i = 0; i < spec.depth; i++) {
    deep = child(deep, 1, 8);
    mkdirSync(deep);
    dirs.push(deep);
  }
  const big = child(rootB, 3, 10);
  mkdirSync(big);
  dirs.push(big);
  for (let i = 0; i < spec.bigDir; i++) {
    const p = child(big, 1, 60);
    writeFileSync(p, content(rng, rng.pick([0, 1, 10])));
    files.push(p);
  }
  for (let i = 0; i < 8; i++) {
    const p = child(rng.pick(dirs));
    mkdirSync(p);
    dirs.push(p);
  }
  // A name of the longest allowed length, in a directory of its own and next to others.
  const long = Buffer.concat([rootB, Buffer.from('/'), randomName(rng, spec.nameMax, spec.nameMax, namesIn(rootB))]);
  writeFileSync(long, 'long name');
  files.push(long);
  const sizes = [0, 1, 100, 4095, 4096, 4097, 8191, 8192, 12289, 65543, spec.maxFileSize];
  const specials: Array<[Buffer, number, number]> = [];
  for (let i = 0; i < spec.entries; i++) {
    const dir = rng.pick(dirs);
    const r = rng.next();
    if (r < 0.55) {
      const p = child(dir);
      writeFileSync(p, content(rng, rng.chance(0.7) ? rng.pick(sizes) : rng.int(0, spec.maxFileSize)));
      files.push(p);
    } else if (r < 0.7) {
      const p = child(dir);
      const len = rng.pick([1, 20, 100, 3000, 4095]);
      const target = rng.chance(0.5) ? rng.pick(files).subarray(rootB.length + 1) : randomName(rng, len, len, new Set());
      symlinkSync(target, p);
      attrs(p, S_IFLNK);
    } else if (r < 0.82 && files.length > 0) {
      const p = child(dir);
      linkSync(rng.pick(files), p);
    } else if (spec.specials) {
      const p = child(dir);
      const kind = rng.pick([S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK]);
      const rdev = kind === S_IFCHR || kind === S_IFBLK ? ((rng.int(0, 255) & 0xff) | (rng.int(0, 4095) << 8) | (rng.int(0, 4095) << 20)) >>> 0 : 0;
      specials.push([p, kind | rng.int(0, 0o777), rdev]);
    }
  }
  for (const [p, mode, rdev] of specials) {
    ops.unshift({ op: 'mknod', path: hex(p), mode, rdev });
    attrs(p, mode & S_IFMT);
  }
  for (const f of files) attrs(f, S_IFREG);
  for (let i = dirs.length - 1; i >= 0; i--) attrs(dirs[i]!, S_IFDIR);
  // Times last, deepest first: every change above touched a directory's mtime.
  const order = [...ops.filter((o) => o.op !== 'utime'), ...ops.filter((o) => o.op === 'utime')];
  execFileSync('python3', ['-c', APPLY], { input: JSON.stringify(order), maxBuffer: 1 << 26 });
}

/** One object as a walk records it. */
export interface Entry {
  path: string;
  type: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  rdev: number;
  mtime: string;
  ino: number;
  blocks: number;
  data: string;
  xattrs: string[];
  children?: string[];
}

const WALK = String.raw`
import hashlib, json, os, stat, sys
root = os.fsencode(sys.argv[1])
out = []
def walk(rel):
    path = root + rel
    st = os.lstat(path)
    data = ''
    if stat.S_ISREG(st.st_mode):
        h = hashlib.sha1()
        with open(path, 'rb') as f:
            while True:
                b = f.read(1 << 20)
                if not b: break
                h.update(b)
        data = h.hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        data = os.readlink(path).hex()
    xs = sorted(n.hex() + '=' + os.getxattr(path, n, follow_symlinks=False).hex() for n in (os.fsencode(x) for x in os.listxattr(path, follow_symlinks=False)))
    e = dict(path=rel.hex(), type=stat.S_IFMT(st.st_mode), mode=st.st_mode, uid=st.st_uid, gid=st.st_gid, size=st.st_size,
             nlink=st.st_nlink, rdev=st.st_rdev, mtime='%d.%09d' % divmod(st.st_mtime_ns, 10**9), ino=st.st_ino,
             blocks=st.st_blocks, data=data, xattrs=xs)
    if stat.S_ISDIR(st.st_mode):
        names = sorted(os.listdir(path))
        e['children'] = [n.hex() for n in names]
        out.append(e)
        for n in names:
            walk(rel + b'/' + n)
    else:
        out.append(e)
walk(b'')
json.dump(out, sys.stdout)
`;

/** Records a host directory (or a kernel mount) with python3. */
export function hostWalk(dir: string): Entry[] {
  return JSON.parse(execFileSync('python3', ['-c', WALK, dir], { maxBuffer: 1 << 28 }).toString()) as Entry[];
}

const DT_OF: Record<number, number> = {
  [S_IFREG]: DT_REG, [S_IFDIR]: DT_DIR, [S_IFLNK]: DT_LNK, [S_IFCHR]: DT_CHR, [S_IFBLK]: DT_BLK, [S_IFIFO]: DT_FIFO, [S_IFSOCK]: DT_SOCK,
};

/**
 * Records the tree at `root` in a vroot process the way hostWalk does. Also checks that
 * getdents' d_type and d_ino agree with lstat (throws otherwise).
 */
export function vrootWalk(p: Process, root = '/'): Entry[] {
  const out: Entry[] = [];
  const rootB = Buffer.from(root === '/' ? '' : root);
  const buf = new Uint8Array(1 << 20);
  const walk = (rel: Buffer): void => {
    const path = rel.length === 0 && rootB.length === 0 ? Buffer.from('/') : Buffer.concat([rootB, rel]);
    const st = p.fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
    const type = st.mode & S_IFMT;
    let data = '';
    if (type === S_IFREG) {
      const h = createHash('sha1');
      const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW);
      let pos = 0;
      for (;;) {
        const n = p.pread(fd, buf, pos);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        pos += n;
      }
      p.close(fd);
      data = h.digest('hex');
    } else if (type === S_IFLNK) {
      data = Buffer.from(p.readlinkatBytes(AT_FDCWD, path)).toString('hex');
    }
    const xattrs = p.listxattr(path, { nofollow: true })
      .map((n) => `${Buffer.from(n, 'latin1').toString('hex')}=${Buffer.from(p.getxattr(path, n, { nofollow: true })).toString('hex')}`).sort();
    const e: Entry = {
      path: rel.toString('hex'), type, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, nlink: st.nlink, rdev: st.rdev,
      mtime: `${st.mtime.sec}.${String(st.mtime.nsec).padStart(9, '0')}`, ino: st.ino, blocks: st.blocks, data, xattrs,
    };
    out.push(e);
    if (type !== S_IFDIR) return;
    const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
    const names: Buffer[] = [];
    const kids: Array<{ name: Buffer; type: number; ino: number }> = [];
    for (;;) {
      const batch = p.getdents64(fd, 4096);
      if (batch.length === 0) break;
      for (const d of batch) {
        if (d.rawName === '.' || d.rawName === '..') continue;
        const name = Buffer.from(d.rawName, 'latin1');
        names.push(name);
        kids.push({ name, type: d.type, ino: d.ino });
      }
    }
    p.close(fd);
    names.sort(Buffer.compare);
    e.children = names.map((n) => n.toString('hex'));
    for (const k of kids) {
      const st2 = p.fstatat(AT_FDCWD, Buffer.concat([path.length === 1 ? Buffer.alloc(0) : path, Buffer.from('/'), k.name]), AT_SYMLINK_NOFOLLOW);
      if (k.type !== DT_OF[st2.mode & S_IFMT] || k.ino !== st2.ino) throw new Error(`getdents disagrees with lstat for ${k.name.toString('latin1')}`);
    }
    for (const n of names) walk(Buffer.concat([rel, Buffer.from('/'), n]));
  };
  walk(Buffer.alloc(0));
  return out;
}

/** Replaces inode numbers by the first path reaching each inode: identity survives, numbers do not. */
export function normalizeIdentity(entries: Entry[]): Array<Record<string, unknown>> {
  const first = new Map<number, string>();
  for (const e of entries) if (!first.has(e.ino)) first.set(e.ino, e.path);
  return entries.map((e) => ({ ...e, ino: first.get(e.ino) }));
}

/** Mounts an EROFS image read-only on a fresh directory, runs `fn`, unmounts. */
export function withKernelMount<T>(image: string, fn: (dir: string) => T): T {
  const dir = scratch('mnt');
  execFileSync('mount', ['-t', 'erofs', '-o', 'loop,ro', image, dir]);
  try {
    return fn(dir);
  } finally {
    execFileSync('umount', [dir]);
    cleanup(dir);
  }
}

/** Compares two walks entry by entry; returns a readable description of the first differences. */
export function diffWalks(a: Array<Record<string, unknown>>, b: Array<Record<string, unknown>>, fields: string[]): string[] {
  const out: string[] = [];
  const byPath = new Map(b.map((e) => [e['path'] as string, e]));
  if (a.length !== b.length) out.push(`${a.length} entries vs ${b.length}`);
  for (const e of a) {
    const o = byPath.get(e['path'] as string);
    const name = Buffer.from(e['path'] as string, 'hex').toString('latin1');
    if (o === undefined) {
      out.push(`${name}: missing`);
      continue;
    }
    for (const f of fields) {
      if (JSON.stringify(e[f]) !== JSON.stringify(o[f])) out.push(`${name}: ${f} ${JSON.stringify(e[f])} vs ${JSON.stringify(o[f])}`);
    }
    if (out.length > 20) break;
  }
  return out;
}

/** Scratch space of a test: `work` on tmpfs (with `src`, a tree built from the seed), `out` for images on /tmp. */
export interface Workspace {
  work: string;
  out: string;
  src: string;
}

/**
 * Builds a seeded tree in fresh scratch directories, runs `fn` and removes everything. Images
 * go to /tmp (`out`): mkfs.erofs 1.5 fails writing chunk-based images onto tmpfs.
 */
export async function withTree<T>(seed: number, spec: TreeSpec, fn: (w: Workspace) => T | Promise<T>): Promise<T> {
  const work = scratch('tree');
  const out = mkdtempSync(join(tmpdir(), 'vroot-erofs-'));
  try {
    const src = join(work, 'src');
    mkdirSync(src);
    buildTree(src, seed, spec);
    return await fn({ work, out, src });
  } finally {
    cleanup(work);
    cleanup(out);
  }
}
