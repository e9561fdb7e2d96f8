/**
 * fast-check generators for differential cases: a random tree full of tricky symlinks, owners
 * and modes, then random syscalls on paths built from the same names, optionally as an
 * unprivileged user. Everything is shrinkable, so a divergence shrinks to a small case.
 */
import fc from 'fast-check';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, F_DUPFD,
  F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY,
  O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_TMPFILE, O_TRUNC, O_WRONLY,
  RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, S_IFCHR, S_IFIFO, S_IFREG, S_IFSOCK,
  S_IFDIR, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, UTIME_NOW, UTIME_OMIT, makedev,
} from '../../src/mod.js';
import type { Op } from './ops.js';

/** Names used everywhere, so generated paths often hit existing objects. */
export const NAMES = ['a', 'b', 'c', 'f', 'g', 'l', 'm', 'n', 'p', 'x'] as const;

const SYMLINK_TARGETS = [
  'a', 'a/b', 'a/b/f', '../a', '..', '../..', '../../..', '/', '/a', '/a/b/f', '/a/l/f', 'f', 'f/',
  'a/', 'l', 'm', 'n', '/l', 'x', './a', 'a/../f', '/../..', 'b/c/../..', 'n/../a', '.', 'l/..',
  '/x/y', 'a//b', '../f', '/a/../b', 'p', '../../a/b',
];

const MODES = [0o755, 0o700, 0o777, 0o1777, 0o2775, 0o711, 0o000, 0o644, 0o600, 0o4755, 0o2755, 0o666, 0o511, 0o3777];
const OWNERS: [number, number][] = [[0, 0], [1000, 1000], [2000, 100], [1000, 100], [0, 100]];
const FILE_DATA = ['', 'hello', 'x'.repeat(5000), 'line\n'];

/** ACL xattr values (struct posix_acl_xattr_header + entries), mostly valid, some not. */
const aclEntry = fc.record({
  tag: fc.constantFrom(0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40),
  perm: fc.constantFrom(0, 1, 2, 4, 5, 6, 7, 8),
  id: fc.constantFrom(0, 100, 1000, 2000),
});
function aclBytes(entries: { tag: number; perm: number; id: number }[], version = 2): string {
  let out = String.fromCharCode(version, 0, 0, 0);
  for (const e of entries) {
    out += String.fromCharCode(e.tag & 0xff, e.tag >> 8, e.perm & 0xff, e.perm >> 8, e.id & 0xff, (e.id >> 8) & 0xff, (e.id >> 16) & 0xff, (e.id >>> 24) & 0xff);
  }
  return out;
}
const canonicalAcl = fc.record({
  owner: fc.integer({ min: 0, max: 7 }),
  users: fc.array(fc.tuple(fc.constantFrom(1000, 2000), fc.integer({ min: 0, max: 7 })), { maxLength: 2 }),
  group: fc.integer({ min: 0, max: 7 }),
  groups: fc.array(fc.tuple(fc.constantFrom(100, 1000), fc.integer({ min: 0, max: 7 })), { maxLength: 2 }),
  mask: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
  other: fc.integer({ min: 0, max: 7 }),
}).map(({ owner, users, group, groups, mask, other }) => {
  const entries = [{ tag: 1, perm: owner, id: 0 }];
  for (const [id, perm] of users) entries.push({ tag: 2, perm, id });
  entries.push({ tag: 4, perm: group, id: 0 });
  for (const [id, perm] of groups) entries.push({ tag: 8, perm, id });
  if (mask !== undefined || users.length + groups.length > 0) entries.push({ tag: 0x10, perm: mask ?? 7, id: 0 });
  entries.push({ tag: 0x20, perm: other, id: 0 });
  return aclBytes(entries);
});
const xattrValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('v', '', 'value2') },
  { weight: 3, arbitrary: canonicalAcl },
  { weight: 1, arbitrary: fc.array(aclEntry, { maxLength: 5 }).map((es) => aclBytes(es)) },
  { weight: 1, arbitrary: fc.constantFrom(aclBytes([], 2), aclBytes([{ tag: 1, perm: 7, id: 0 }], 1), '\u0002\u0000\u0000\u0000\u0001') },
);
type Kind = 'none' | 'dir' | 'file' | 'symlink' | 'fifo' | 'chr';

/** A tree node: what one name in one directory is. */
interface NodeSpec {
  kind: Kind;
  target: string;
  mode: number;
  owner: [number, number];
  data: string;
}

const nodeSpec: fc.Arbitrary<NodeSpec> = fc.record({
  kind: fc.constantFrom<Kind>('none', 'none', 'dir', 'dir', 'file', 'file', 'symlink', 'symlink', 'fifo', 'chr'),
  target: fc.constantFrom(...SYMLINK_TARGETS),
  mode: fc.constantFrom(...MODES),
  owner: fc.constantFrom(...OWNERS),
  data: fc.constantFrom(...FILE_DATA),
});

/** Builds the setup ops for a tree: three levels deep under the names of NAMES. */
export const treeArb: fc.Arbitrary<Op[]> = fc
  .record({
    top: fc.array(fc.tuple(fc.constantFrom(...NAMES), nodeSpec), { maxLength: 7 }),
    mid: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom(...NAMES), nodeSpec), { maxLength: 10 }),
    deep: fc.array(fc.tuple(fc.constantFrom('a/b', 'a/c', 'b/a'), fc.constantFrom(...NAMES), nodeSpec), { maxLength: 6 }),
    chmodLate: fc.array(fc.tuple(fc.constantFrom('/', '/a', '/a/b', '/b', '/c'), fc.constantFrom(...MODES)), { maxLength: 2 }),
    acls: fc.array(fc.tuple(fc.constantFrom('/', '/a', '/a/b', '/b', '/f', '/a/f', '/c', '/a/g'), fc.constantFrom('system.posix_acl_access', 'system.posix_acl_default'), canonicalAcl), { maxLength: 3 }),
  })
  .map(({ top, mid, deep, chmodLate, acls }) => {
    const ops: Op[] = [];
    // Directories that other levels need exist in most trees.
    ops.push(['mkdir', AT_FDCWD, '/a', 0o755], ['mkdir', AT_FDCWD, '/a/b', 0o755], ['mkdir', AT_FDCWD, '/b', 0o777]);
    const emit = (path: string, s: NodeSpec): void => {
      switch (s.kind) {
        case 'none':
          return;
        case 'dir':
          ops.push(['mkdir', AT_FDCWD, path, 0o755]);
          break;
        case 'file':
          ops.push(['open', AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644]);
          // The fd is 3 when the open worked; close it either way (EBADF is fine on both sides).
          if (s.data !== '') ops.push(['write', 3, s.data]);
          ops.push(['close', 3]);
          break;
        case 'symlink':
          ops.push(['symlink', s.target, AT_FDCWD, path]);
          return;
        case 'fifo':
          ops.push(['mknod', AT_FDCWD, path, S_IFIFO | 0o644, 0]);
          break;
        case 'chr':
          ops.push(['mknod', AT_FDCWD, path, S_IFCHR | 0o666, makedev(1, 3)]);
          break;
      }
      ops.push(['chown', AT_FDCWD, path, s.owner[0], s.owner[1], AT_SYMLINK_NOFOLLOW]);
      ops.push(['chmod', AT_FDCWD, path, s.mode, 0]);
    };
    for (const [name, s] of top) emit(`/${name}`, s);
    for (const [dir, name, s] of mid) emit(`/${dir}/${name}`, s);
    for (const [dir, name, s] of deep) emit(`/${dir}/${name}`, s);
    for (const [path, mode] of chmodLate) ops.push(['chmod', AT_FDCWD, path, mode, 0]);
    for (const [path, name, value] of acls) ops.push(['setxattr', path, name, value, 0, true]);
    return ops;
  });

/** Paths built from NAMES, dots, empty components, leading and trailing slashes. */
export const pathArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(
    fc.boolean(),
    fc.array(fc.constantFrom(...NAMES, ...NAMES, '.', '..', ''), { minLength: 1, maxLength: 4 }),
    fc.constantFrom('', '', '', '/', '//', '/.', '/..'),
  ).map(([abs, parts, tail]) => (abs ? '/' : '') + parts.join('/') + tail) },
  { weight: 1, arbitrary: fc.constantFrom('', '/', '.', '..', '//', '/..', 'x'.repeat(256), '/a/' + 'y'.repeat(255), 'a/b/c/../../../f') },
);

const accessModes = fc.constantFrom(O_RDONLY, O_WRONLY, O_RDWR);
const openFlagBits = fc.subarray([O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_NONBLOCK, O_CLOEXEC], { maxLength: 4 });
const openFlags = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(accessModes, openFlagBits).map(([a, bits]) => bits.reduce((f, b) => f | b, a)) },
  { weight: 1, arbitrary: fc.constantFrom(O_TMPFILE | O_RDWR, O_TMPFILE | O_WRONLY | O_EXCL, O_TMPFILE | O_RDONLY) },
);
const createModes = fc.constantFrom(0o644, 0o600, 0o777, 0o4755, 0o2755, 0o1777, 0o2777, 0);
const resolveFlags = fc.subarray([0x01, 0x02, 0x04, 0x08, 0x10, 0x20], { maxLength: 3 }).map((bs) => bs.reduce((f, b) => f | b, 0));
const fd = fc.constantFrom(3, 3, 4, 4, 5, 6, 7, -100, 99);
const dirfd = fc.constantFrom(AT_FDCWD, AT_FDCWD, AT_FDCWD, AT_FDCWD, 3, 4, 5);
const atFlags = (allowed: number[]): fc.Arbitrary<number> =>
  fc.subarray([...allowed, 0x4000], { maxLength: 2 }).map((bs) => bs.reduce((f, b) => f | b, 0));
const xattrName = fc.constantFrom('user.a', 'user.b', 'trusted.t', 'security.s', 'bad.x', 'user.', '', 'system.posix_acl_access', 'system.posix_acl_default', 'system.x');

const time = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 })),
  fc.constantFrom<[number, number]>([0, UTIME_NOW], [0, UTIME_OMIT], [5, 1_000_000_000], [-1, 0]),
);
const data = fc.constantFrom('abc', '', 'z'.repeat(4097), 'hello world');

/** One random syscall. */
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(dirfd, pathArb, openFlags, createModes).map(([d, p, f, m]): Op => ['open', d, p, f, m]) },
  { weight: 4, arbitrary: fc.tuple(dirfd, pathArb, openFlags, fc.constantFrom(0, 0o644), resolveFlags).map(([d, p, f, m, r]): Op => ['openat2', d, p, f & O_CREAT ? f : f, (f & O_CREAT) || (f & O_TMPFILE) === O_TMPFILE ? m : 0, r]) },
  { weight: 8, arbitrary: fc.tuple(dirfd, pathArb, atFlags([AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH])).map(([d, p, f]): Op => ['fstatat', d, p, f]) },
  { weight: 2, arbitrary: fd.map((f): Op => ['fstat', f]) },
  { weight: 4, arbitrary: fc.tuple(dirfd, pathArb, fc.constantFrom(0o755, 0o777, 0o2777, 0o1755, 0o7777)).map(([d, p, m]): Op => ['mkdir', d, p, m]) },
  { weight: 2, arbitrary: fc.tuple(dirfd, pathArb, fc.constantFrom(S_IFIFO | 0o644, S_IFREG | 0o600, S_IFSOCK | 0o755, S_IFCHR | 0o600, 0o640, S_IFDIR | 0o755, 0o170644)).map(([d, p, m]): Op => ['mknod', d, p, m, (m & 0o170000) === S_IFCHR ? makedev(1, 5) : 0]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...SYMLINK_TARGETS, ''), dirfd, pathArb).map(([t, d, p]): Op => ['symlink', t, d, p]) },
  { weight: 3, arbitrary: fc.tuple(dirfd, pathArb).map(([d, p]): Op => ['readlink', d, p]) },
  { weight: 4, arbitrary: fc.tuple(dirfd, pathArb, fc.constantFrom(0, AT_REMOVEDIR, 0x4000)).map(([d, p, f]): Op => ['unlink', d, p, f]) },
  { weight: 5, arbitrary: fc.tuple(dirfd, pathArb, dirfd, pathArb, fc.constantFrom(0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT, RENAME_EXCHANGE | RENAME_NOREPLACE, 8)).map(([a, b, c, d, f]): Op => ['rename', a, b, c, d, f]) },
  { weight: 3, arbitrary: fc.tuple(dirfd, pathArb, dirfd, pathArb, atFlags([AT_SYMLINK_FOLLOW])).map(([a, b, c, d, f]): Op => ['link', a, b, c, d, f]) },
  { weight: 2, arbitrary: fc.tuple(dirfd, pathArb, fc.constantFrom(...MODES), atFlags([AT_SYMLINK_NOFOLLOW])).map(([d, p, m, f]): Op => ['chmod', d, p, m, f]) },
  { weight: 1, arbitrary: fc.tuple(fd, fc.constantFrom(...MODES)).map(([f, m]): Op => ['fchmod', f, m]) },
  { weight: 2, arbitrary: fc.tuple(dirfd, pathArb, fc.constantFrom(-1, 0, 1000, 2000), fc.constantFrom(-1, 0, 100, 1000, 2000), atFlags([AT_SYMLINK_NOFOLLOW])).map(([d, p, u, g, f]): Op => ['chown', d, p, u, g, f]) },
  { weight: 2, arbitrary: fc.tuple(dirfd, pathArb, fc.option(fc.tuple(time, time), { nil: null }), atFlags([AT_SYMLINK_NOFOLLOW])).map(([d, p, t, f]): Op => ['utimens', d, p, t, f]) },
  { weight: 1, arbitrary: fc.tuple(fd, fc.option(fc.tuple(time, time), { nil: null })).map(([f, t]): Op => ['utimens', f, null, t, 0]) },
  { weight: 2, arbitrary: fc.tuple(pathArb, fc.constantFrom(0, 3, 5000, -1)).map(([p, n]): Op => ['truncate', p, n]) },
  { weight: 1, arbitrary: fc.tuple(fd, fc.constantFrom(0, 2, 10000, -5)).map(([f, n]): Op => ['ftruncate', f, n]) },
  { weight: 2, arbitrary: fc.tuple(fd, fc.constantFrom(0, 0, 1, 3, 2, 0x10, 0x08, 0x20, 0x41, 0x80), fc.constantFrom(0, 3, 4096, 5000, -1), fc.constantFrom(1, 100, 4096, 9000, 0)).map(([f, m, o, l]): Op => ['fallocate', f, m, o, l]) },
  { weight: 3, arbitrary: fc.tuple(dirfd, pathArb, fc.constantFrom(0, 1, 2, 4, 7, 8), atFlags([AT_SYMLINK_NOFOLLOW, 0x200])).map(([d, p, m, f]): Op => ['access', d, p, m, f]) },
  { weight: 2, arbitrary: pathArb.map((p): Op => ['chdir', p]) },
  { weight: 1, arbitrary: fd.map((f): Op => ['fchdir', f]) },
  { weight: 2, arbitrary: fc.constant<Op>(['getcwd']) },
  { weight: 1, arbitrary: pathArb.map((p): Op => ['chroot', p]) },
  { weight: 3, arbitrary: fc.tuple(fd, fc.constantFrom(4096, 4096, 4096, 24)).map(([f, n]): Op => ['getdents', f, n]) },
  { weight: 3, arbitrary: fc.tuple(fd, data).map(([f, d]): Op => ['write', f, d]) },
  { weight: 2, arbitrary: fc.tuple(fd, fc.constantFrom(5, 100, 6000)).map(([f, n]): Op => ['read', f, n]) },
  { weight: 1, arbitrary: fc.tuple(fd, fc.constantFrom(5, 100), fc.constantFrom(0, 3, 4096, -1)).map(([f, n, o]): Op => ['pread', f, n, o]) },
  { weight: 1, arbitrary: fc.tuple(fd, data, fc.constantFrom(0, 10, 8192, -1)).map(([f, d, o]): Op => ['pwrite', f, d, o]) },
  { weight: 2, arbitrary: fc.tuple(fd, fc.constantFrom(0, 2, -1, 4096, 100000), fc.constantFrom(SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 9)).map(([f, o, w]): Op => ['lseek', f, o, w]) },
  { weight: 1, arbitrary: fd.map((f): Op => ['dup', f]) },
  { weight: 1, arbitrary: fc.tuple(fd, fd, fc.constantFrom(0, O_CLOEXEC, 1)).map(([a, b, f]): Op => ['dup3', a, b, f]) },
  { weight: 1, arbitrary: fc.tuple(fd, fc.constantFrom(F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC, 9999), fc.constantFrom(0, 1, O_APPEND | O_NONBLOCK, 10, O_RDWR | O_APPEND)).map(([f, c, a]): Op => ['fcntl', f, c, a]) },
  { weight: 1, arbitrary: fd.map((f): Op => ['close', f]) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0o022, 0o077, 0o002, 0o777, 0o1022).map((m): Op => ['umask', m]) },
  { weight: 1, arbitrary: fc.tuple(fd, pathArb).map(([f, p]): Op => ['link', f, '', AT_FDCWD, p, AT_EMPTY_PATH]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/b', '/a', '/a/b', '/c', 'b', '/'), fc.constantFrom(0, 2, 8, 99)).map(([p, f]): Op => ['umount', p, f]) },
  { weight: 1, arbitrary: fc.constantFrom('/a', '/c', 'a/b', '/x', '/f').map((p): Op => ['mount_tmpfs', p]) },
  { weight: 3, arbitrary: fc.tuple(pathArb, xattrName, xattrValue, fc.constantFrom(0, 0, 1, 2, 3), fc.boolean()).map(([p, n, v, f, fl]): Op => ['setxattr', p, n, v, f, fl]) },
  { weight: 2, arbitrary: fc.tuple(pathArb, xattrName, fc.boolean()).map(([p, n, f]): Op => ['getxattr', p, n, f]) },
  { weight: 1, arbitrary: fc.tuple(pathArb, fc.boolean()).map(([p, f]): Op => ['listxattr', p, f]) },
  { weight: 1, arbitrary: fc.tuple(pathArb, xattrName, fc.boolean()).map(([p, n, f]): Op => ['removexattr', p, n, f]) },
);

/** A whole case: a tree, maybe a switch to an unprivileged user, then operations. */
export const caseArb: fc.Arbitrary<Op[]> = fc
  .tuple(treeArb, fc.constantFrom<'root' | 'user'>('root', 'user'), fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.boolean())
  .map(([tree, who, ops, mountSomething]) => {
    const pre: Op[] = [...tree];
    if (mountSomething) pre.push(['mount_tmpfs', '/b']);
    if (who === 'user') pre.push(['become', 1000, 1000, [100]]);
    return [...pre, ...ops];
  });

void S_IFDIR;
