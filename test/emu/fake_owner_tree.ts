/**
 * A tar-like workload for the FakeOwnership tests: a seeded manifest of many objects (directories
 * with sticky and set-group-ID bits, files with data and set-ID bits, symlinks, hard links,
 * character and block devices, fifos, sockets) owned by many users, extracted through a process
 * the way GNU tar extracts as root (create, write, chown, chmod, utimens; directories' owner and
 * mode last, deepest first), then walked back with getdents64 and fstatat.
 */
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_WRONLY, S_IFBLK, S_IFCHR,
  S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, UTIME_OMIT, makedev, modeToDirentType, type Process,
} from '../../src/mod.js';
import { Prng } from './_prng.js';

/** One object of a manifest, as a tar header describes it. */
export interface TreeEntry {
  path: string;
  type: number;
  uid: number;
  gid: number;
  /** Permission and set-ID bits. */
  perm: number;
  rdev: number;
  data: string;
  target: string;
  /** For a hard link: the path of the file it links to (ownership and data are that file's). */
  linkTo: string;
  mtime: number;
}

/** What a walk finds at one path. */
export interface SeenEntry {
  type: number;
  direntType: number;
  uid: number;
  gid: number;
  perm: number;
  rdev: number;
  size: number;
  ino: number;
  nlink: number;
  data: string;
  target: string;
  mtime: number;
}

const UIDS = [0, 1, 2, 33, 999, 1000, 1001, 65534, 100000, 4294967294];
const FILE_PERMS = [0o644, 0o755, 0o600, 0o4755, 0o2755, 0o6755, 0o4711, 0o000, 0o444, 0o640, 0o2711];
const DIR_PERMS = [0o755, 0o700, 0o1777, 0o2775, 0o3777, 0o555, 0o711, 0o000];
const NAMES = ['bin', 'etc', 'x', 'lib', 'README', 'spa ce', 'ünï', 'a.b', '.hidden', 'z'];

/** A manifest of `count` objects from `seed`. */
export function generateTree(seed: number, count: number): TreeEntry[] {
  const r = new Prng(seed);
  const dirs = ['/'];
  const files: TreeEntry[] = [];
  const out: TreeEntry[] = [];
  const used = new Set<string>();
  for (let i = 0; out.length < count; i++) {
    const parent = r.pick(dirs);
    const name = `${r.pick(NAMES)}${i}`;
    const path = parent === '/' ? `/${name}` : `${parent}/${name}`;
    if (used.has(path)) continue;
    used.add(path);
    const e: TreeEntry = {
      path, type: S_IFREG, uid: r.pick(UIDS), gid: r.pick(UIDS), perm: r.pick(FILE_PERMS), rdev: 0, data: '',
      target: '', linkTo: '', mtime: r.int(0, 2_000_000_000),
    };
    const kind = r.int(0, 99);
    if (kind < 25 || dirs.length < 3) {
      e.type = S_IFDIR;
      e.perm = r.pick(DIR_PERMS);
      dirs.push(path);
    } else if (kind < 55) {
      e.data = 'data of ' + path + '\n'.repeat(r.int(0, 3));
      files.push(e);
    } else if (kind < 65) {
      e.type = S_IFLNK;
      e.perm = 0o777;
      e.target = r.chance(0.5) ? r.pick(NAMES) : `../${r.pick(NAMES)}/${i}`;
    } else if (kind < 72 && files.length > 0) {
      const to = r.pick(files);
      Object.assign(e, { type: S_IFREG, uid: to.uid, gid: to.gid, perm: to.perm, data: to.data, mtime: to.mtime, linkTo: to.path });
    } else if (kind < 82) {
      e.type = S_IFCHR;
      e.rdev = r.chance(0.5) ? makedev(1, r.pick([3, 5, 7, 8, 9])) : makedev(r.int(2, 4095), r.int(0, 0xfffff));
      e.perm = r.pick([0o666, 0o620, 0o600, 0o2755]);
    } else if (kind < 90) {
      e.type = S_IFBLK;
      e.rdev = makedev(r.pick([7, 8, 259, 253]), r.int(0, 300));
      e.perm = r.pick([0o660, 0o600, 0o640]);
    } else if (kind < 96) {
      e.type = S_IFIFO;
      e.perm = r.pick([0o644, 0o600, 0o622]);
    } else {
      e.type = S_IFSOCK;
      e.perm = r.pick([0o755, 0o777, 0o700]);
    }
    out.push(e);
  }
  return out;
}

/** Extracts a manifest through `p`, as root-run GNU tar would. */
export function extractTree(p: Process, entries: TreeEntry[]): void {
  const time = (e: TreeEntry): [{ sec: number; nsec: number }, { sec: number; nsec: number }] =>
    [{ sec: 0, nsec: UTIME_OMIT }, { sec: e.mtime, nsec: 0 }];
  for (const e of entries) {
    switch (e.type) {
      case S_IFDIR:
        p.mkdirat(AT_FDCWD, e.path, 0o700);
        continue;
      case S_IFLNK:
        p.symlinkat(e.target, AT_FDCWD, e.path);
        p.fchownat(AT_FDCWD, e.path, e.uid, e.gid, AT_SYMLINK_NOFOLLOW);
        continue;
      case S_IFREG:
        if (e.linkTo !== '') {
          p.linkat(AT_FDCWD, e.linkTo, AT_FDCWD, e.path);
          continue;
        }
        {
          const fd = p.openat(AT_FDCWD, e.path, O_CREAT | O_EXCL | O_WRONLY, 0o600);
          p.write(fd, new TextEncoder().encode(e.data));
          p.fchown(fd, e.uid, e.gid);
          p.fchmod(fd, e.perm);
          p.futimens(fd, time(e));
          p.close(fd);
        }
        continue;
      default:
        p.mknodat(AT_FDCWD, e.path, e.type | 0o600, e.rdev);
        p.fchownat(AT_FDCWD, e.path, e.uid, e.gid);
        p.fchmodat(AT_FDCWD, e.path, e.perm);
        p.utimensat(AT_FDCWD, e.path, time(e));
    }
  }
  // Directories last and deepest first, so a read-only directory is filled before it closes.
  for (const e of [...entries].reverse()) {
    if (e.type !== S_IFDIR) continue;
    p.fchownat(AT_FDCWD, e.path, e.uid, e.gid);
    p.fchmodat(AT_FDCWD, e.path, e.perm);
    p.utimensat(AT_FDCWD, e.path, time(e));
  }
}

/** Walks the tree from '/' (getdents64 and fstatat without following symlinks). */
export function walkTree(p: Process): Map<string, SeenEntry> {
  const out = new Map<string, SeenEntry>();
  const visit = (dir: string): void => {
    const fd = p.openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
    const entries: [string, number][] = [];
    try {
      for (let batch = p.getdents64(fd); batch.length > 0; batch = p.getdents64(fd)) {
        for (const d of batch) if (d.name !== '.' && d.name !== '..') entries.push([d.name, d.type]);
      }
    } finally {
      p.close(fd);
    }
    for (const [name, direntType] of entries) {
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const st = p.fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
      const type = st.mode & S_IFMT;
      let data = '';
      let target = '';
      if (type === S_IFREG) data = readText(p, path);
      if (type === S_IFLNK) target = p.readlinkat(AT_FDCWD, path);
      out.set(path, {
        type, direntType, uid: st.uid, gid: st.gid, perm: st.mode & 0o7777, rdev: st.rdev, size: st.size,
        ino: st.ino, nlink: st.nlink, data, target, mtime: st.mtime.sec,
      });
      if (type === S_IFDIR) visit(path);
    }
  };
  visit('/');
  return out;
}

/** The text of a small file. */
export function readText(p: Process, path: string): string {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    const buf = new Uint8Array(4096);
    return new TextDecoder().decode(buf.subarray(0, p.read(fd, buf)));
  } finally {
    p.close(fd);
  }
}

/**
 * Differences between a manifest and a walk, one line each (empty when they agree): every
 * object with its type, owner, mode, device, data, target and time; hard links as one object.
 */
export function compareTree(entries: TreeEntry[], seen: Map<string, SeenEntry>): string[] {
  const problems: string[] = [];
  if (seen.size !== entries.length) problems.push(`walk found ${seen.size} objects, manifest has ${entries.length}`);
  for (const e of entries) {
    const s = seen.get(e.path);
    if (s === undefined) {
      problems.push(`${e.path}: missing`);
      continue;
    }
    const want = {
      type: e.type, direntType: modeToDirentType(e.type), uid: e.uid, gid: e.gid,
      perm: e.type === S_IFLNK ? 0o777 : e.perm, rdev: e.rdev, data: e.data, target: e.target,
    };
    const got = { type: s.type, direntType: s.direntType, uid: s.uid, gid: s.gid, perm: s.perm, rdev: s.rdev, data: s.data, target: s.target };
    if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`${e.path}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
    if (e.type !== S_IFLNK && s.mtime !== e.mtime) problems.push(`${e.path}: mtime ${s.mtime}, want ${e.mtime}`);
    if (e.linkTo !== '' && seen.get(e.linkTo)?.ino !== s.ino) problems.push(`${e.path}: not a hard link of ${e.linkTo}`);
    if (e.type === S_IFREG && e.linkTo === '') {
      const links = 1 + entries.filter((x) => x.linkTo === e.path).length;
      if (s.nlink !== links) problems.push(`${e.path}: nlink ${s.nlink}, want ${links}`);
    }
  }
  return problems;
}
