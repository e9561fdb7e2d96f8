/**
 * Generated cases about ownership for the FakeOwnership differential tests: a tree of many
 * owners, modes (set-ID, sticky, set-group-ID directories), devices and fifos, some changes as
 * root, then, as one user or still as root, the calls whose answers depend on who owns what:
 * stat, access, open, write (which clears set-ID bits), chown, chmod, mknod, unlink and rename
 * in sticky directories, hard links (protected_hardlinks), utimens, user xattrs, listings.
 * The ops are the kernel oracle's (test/oracle/ops.ts).
 */
import fc from 'fast-check';
import {
  AT_EACCESS, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL,
  O_NOATIME, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK, UTIME_NOW,
  makedev,
} from '../../src/mod.js';
import { treeArb } from '../oracle/gen.js';
import type { Op } from '../oracle/ops.js';

/** Paths of the tree treeArb builds, and a few it never makes. */
const PATHS = [
  '/', '/a', '/a/b', '/b', '/c', '/f', '/g', '/m', '/n', '/p', '/x', '/a/f', '/a/g', '/a/c', '/a/p',
  '/a/b/f', '/a/b/g', '/a/b/x', '/b/f', '/b/g', '/b/a', '/b/a/f', '/c/f', '/c/m', '/l', '/a/l',
] as const;
const MODES = [0o755, 0o700, 0o777, 0o1777, 0o2775, 0o000, 0o644, 0o600, 0o4755, 0o2755, 0o6711, 0o640, 0o3777, 0o2710];
const UIDS = [-1, 0, 1000, 2000];
const GIDS = [-1, 0, 100, 1000];
const USERS: [number, number, number[]][] = [[1000, 1000, [100]], [2000, 100, []], [1000, 100, [1000]], [2000, 2000, [1000]]];

/**
 * The kernel side opens the device nodes it makes, so they must name no real device of this
 * machine: 240 is a major of the "local/experimental use" range no driver here registers (see
 * /proc/devices), so both sides answer ENXIO. 1:3 and 1:5 are null and zero, which vroot has.
 */
const UNASSIGNED_MAJOR = 240;

const path = fc.constantFrom(...PATHS);
const mode = fc.constantFrom(...MODES);

const ownershipOp: fc.Arbitrary<Op[]> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(path, fc.constantFrom(0, AT_SYMLINK_NOFOLLOW)).map(([p, f]): Op[] => [['fstatat', AT_FDCWD, p, f]]) },
  { weight: 5, arbitrary: fc.tuple(path, fc.constantFrom(...UIDS), fc.constantFrom(...GIDS), fc.constantFrom(0, AT_SYMLINK_NOFOLLOW)).map(([p, u, g, f]): Op[] => [['chown', AT_FDCWD, p, u, g, f], ['fstatat', AT_FDCWD, p, AT_SYMLINK_NOFOLLOW]]) },
  { weight: 4, arbitrary: fc.tuple(path, mode).map(([p, m]): Op[] => [['chmod', AT_FDCWD, p, m, 0], ['fstatat', AT_FDCWD, p, 0]]) },
  {
    weight: 3,
    arbitrary: fc.tuple(path, fc.constantFrom(
      [S_IFCHR | 0o666, makedev(1, 3)], [S_IFCHR | 0o620, makedev(UNASSIGNED_MAJOR, 2)],
      [S_IFBLK | 0o660, makedev(UNASSIGNED_MAJOR, 1)], [S_IFIFO | 0o640, 0], [S_IFSOCK | 0o755, 0], [0o4755, 0],
      [S_IFCHR | 0o2755, makedev(1, 5)],
    )).map(([p, [m, d]]): Op[] => [['mknod', AT_FDCWD, p, m, d], ['fstatat', AT_FDCWD, p, 0]]),
  },
  {
    weight: 5,
    arbitrary: fc.tuple(path, fc.constantFrom(O_RDONLY, O_WRONLY, O_RDWR, O_RDONLY | O_NOATIME, O_WRONLY | O_APPEND, O_WRONLY | O_TRUNC,
      O_CREAT | O_WRONLY, O_CREAT | O_EXCL | O_RDWR, O_RDONLY | O_DIRECTORY), fc.constantFrom(0o644, 0o4755, 0o2755, 0o600, 0o2777), fc.boolean())
      .map(([p, f, m, write]): Op[] => {
        const ops: Op[] = [['open', AT_FDCWD, p, f, m]];
        // When the open worked the fd is 3: a write there shows whether set-ID bits are cleared.
        if (write) ops.push(['write', 3, 'data'], ['fstat', 3]);
        ops.push(['close', 3]);
        return ops;
      }),
  },
  { weight: 4, arbitrary: fc.tuple(path, fc.constantFrom(0, 1, 2, 4, 6, 7), fc.constantFrom(0, AT_EACCESS, AT_SYMLINK_NOFOLLOW)).map(([p, m, f]): Op[] => [['access', AT_FDCWD, p, m, f]]) },
  { weight: 3, arbitrary: fc.tuple(path, fc.constantFrom(0, AT_REMOVEDIR)).map(([p, f]): Op[] => [['unlink', AT_FDCWD, p, f]]) },
  { weight: 3, arbitrary: fc.tuple(path, path).map(([a, b]): Op[] => [['rename', AT_FDCWD, a, AT_FDCWD, b, 0], ['fstatat', AT_FDCWD, b, AT_SYMLINK_NOFOLLOW]]) },
  { weight: 2, arbitrary: fc.tuple(path, path).map(([a, b]): Op[] => [['link', AT_FDCWD, a, AT_FDCWD, b, 0], ['fstatat', AT_FDCWD, b, AT_SYMLINK_NOFOLLOW]]) },
  { weight: 2, arbitrary: fc.tuple(path, fc.boolean()).map(([p, now]): Op[] => [['utimens', AT_FDCWD, p, now ? null : [[5, 0], [0, UTIME_NOW]], 0]]) },
  { weight: 2, arbitrary: fc.tuple(path, fc.constantFrom('user.a', 'user.b')).map(([p, n]): Op[] => [['setxattr', p, n, 'v', 0, true], ['listxattr', p, true]]) },
  { weight: 2, arbitrary: fc.tuple(path, fc.constantFrom(0o755, 0o2775, 0o1777, 0o700)).map(([p, m]): Op[] => [['mkdir', AT_FDCWD, p, m], ['fstatat', AT_FDCWD, p, 0]]) },
  { weight: 1, arbitrary: path.map((p): Op[] => [['truncate', p, 0], ['fstatat', AT_FDCWD, p, 0]]) },
  { weight: 1, arbitrary: path.map((p): Op[] => [['chdir', p], ['getcwd']]) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('/', '/a', '/a/b', '/b', '/c').map((p): Op[] => [['open', AT_FDCWD, p, O_RDONLY | O_DIRECTORY, 0], ['getdents', 3, 4096], ['close', 3]]),
  },
);

/** A case: a tree, changes as root, then maybe a switch to one user, then more calls. */
export const ownershipCaseArb: fc.Arbitrary<Op[]> = fc
  .tuple(
    treeArb,
    fc.array(ownershipOp, { maxLength: 6 }),
    fc.option(fc.constantFrom(...USERS), { nil: null }),
    fc.array(ownershipOp, { minLength: 1, maxLength: 14 }),
  )
  .map(([tree, asRoot, user, rest]) => {
    const ops: Op[] = [...tree, ...asRoot.flat()];
    if (user !== null) ops.push(['become', user[0], user[1], user[2]]);
    ops.push(...rest.flat());
    return ops;
  });
