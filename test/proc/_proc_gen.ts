/**
 * fast-check generators of procfs differential cases. Each scenario builds a small tree, puts
 * the process in some state (open files of every kind, unlinked and renamed objects, a
 * chroot, mounts and binds, another user) and then reads what procfs says about it, or
 * reopens objects through magic links with every RESOLVE_* flag. Cases shrink.
 */
import fc from 'fast-check';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, MNT_DETACH, MS_NOATIME, MS_NODEV, MS_NOEXEC,
  MS_NOSUID, MS_RDONLY, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_EXCL, O_NOFOLLOW,
  O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_TMPFILE, O_TRUNC, O_WRONLY, RESOLVE_BENEATH,
  RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV, S_IFIFO,
} from '../../src/mod.js';
import type { AnyOp } from './_vroot_proc.js';

/** The entries vroot implements in /proc and /proc/<pid> (the kernel lists more). */
const ROOT_NAMES = ['self', 'thread-self', 'mounts'];
const PID_NAMES = ['task', 'fd', 'fdinfo', 'status', 'cwd', 'root', 'exe', 'mounts', 'mountinfo'];

function writeFile(path: string, data: string, mode = 0o644): AnyOp[] {
  // open gives fd 3 here: scenarios write their files before opening anything else.
  return [['open', AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode], ['write', 3, data], ['close', 3]];
}

const RESOLVES = [0, 0, 0, 0, RESOLVE_NO_MAGICLINKS, RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_XDEV, RESOLVE_NO_SYMLINKS,
  RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS];
const REOPEN_FLAGS = [O_RDONLY, O_WRONLY, O_RDWR, O_PATH, O_RDONLY | O_DIRECTORY, O_WRONLY | O_APPEND,
  O_RDWR | O_TRUNC, O_PATH | O_NOFOLLOW, O_RDONLY | O_NONBLOCK, O_WRONLY | O_NONBLOCK, O_CREAT | O_RDWR,
  O_CREAT | O_EXCL | O_RDWR];

/** Ways to open something, relative to /d. */
const OPENS: [string, number][] = [
  ['/d/f', O_RDONLY], ['/d/f', O_WRONLY], ['/d/f', O_RDWR | O_APPEND], ['/d/f', O_PATH], ['/d/l', O_PATH | O_NOFOLLOW],
  ['/d/sub', O_RDONLY | O_DIRECTORY], ['/d/sub', O_PATH], ['/d/fifo', O_RDONLY | O_NONBLOCK], ['/d/fifo', O_RDWR],
  ['/', O_RDONLY | O_DIRECTORY], ['/d', O_PATH], ['/d/n\nl', O_RDONLY], ['/d/sp ace', O_RDWR], ['/d', O_TMPFILE | O_RDWR],
  ['/d/l', O_RDONLY], ['/proc/self/status', O_RDONLY], ['/proc/self', O_PATH | O_NOFOLLOW], ['/proc/self/fd', O_RDONLY | O_DIRECTORY],
];

const MUTATIONS: AnyOp[] = [
  ['unlink', AT_FDCWD, '/d/f', 0], ['rename', AT_FDCWD, '/d/f', AT_FDCWD, '/d/g', 0], ['rename', AT_FDCWD, '/d', AT_FDCWD, '/e', 0],
  ['unlink', AT_FDCWD, '/d/sub', AT_REMOVEDIR], ['unlink', AT_FDCWD, '/d/fifo', 0], ['unlink', AT_FDCWD, '/d/l', 0],
  ['rename', AT_FDCWD, '/d/sub', AT_FDCWD, '/sub2', 0], ['unlink', AT_FDCWD, '/d/n\nl', 0], ['close', 3], ['close', 5],
  ['rename', AT_FDCWD, '/d/sp ace', AT_FDCWD, '/d/sub/moved', 0], ['dup3', 4, 9, O_CLOEXEC], ['dup', 3],
];

/** Open files of every kind, then changes, then what procfs says and reopening through it. */
const fdScenario = fc.record({
  opens: fc.array(fc.tuple(fc.constantFrom(...OPENS), fc.boolean()), { minLength: 1, maxLength: 5 }),
  pipe: fc.option(fc.constantFrom(0, O_CLOEXEC, O_NONBLOCK, O_CLOEXEC | O_NONBLOCK, O_DIRECT), { nil: undefined }),
  mutations: fc.array(fc.constantFrom(...MUTATIONS), { maxLength: 3 }),
  user: fc.boolean(),
  reopens: fc.array(fc.record({
    // Mostly a descriptor the case opened; sometimes one past them.
    fd: fc.nat({ max: 7 }),
    flags: fc.constantFrom(...REOPEN_FLAGS),
    resolve: fc.constantFrom(...RESOLVES),
    how: fc.constantFrom('open', 'openat2', 'dirfd'),
  }), { maxLength: 4 }),
}).map(({ opens, pipe, mutations, user, reopens }) => {
  const opened = opens.length + (pipe === undefined ? 0 : 2);
  const ops: AnyOp[] = [
    ['mkdir', AT_FDCWD, '/d', 0o755],
    ...writeFile('/d/f', 'hello'),
    ...writeFile('/d/n\nl', 'newline'),
    ...writeFile('/d/sp ace', 'space'),
    ['mknod', AT_FDCWD, '/d/fifo', S_IFIFO | 0o666, 0],
    ['mkdir', AT_FDCWD, '/d/sub', 0o755],
    ['symlink', 'f', AT_FDCWD, '/d/l'],
  ];
  if (user) ops.push(['chmod', AT_FDCWD, '/d', 0o777, 0], ['chown', AT_FDCWD, '/d/f', 1000, 1000, 0], ['become', 1000, 1000, []]);
  for (const [[path, flags], cloexec] of opens) ops.push(['open', AT_FDCWD, path, flags | (cloexec ? O_CLOEXEC : 0), 0o600]);
  if (pipe !== undefined) ops.push(['pipe2', pipe]);
  ops.push(...mutations);
  for (let fd = 3; fd < 10; fd++) {
    ops.push(['fdlink', fd], ['pstat', `/proc/self/fd/${fd}`, false], ['fdinfo', fd], ['fstat', fd]);
  }
  ops.push(['lsdir', '/proc/self/fd', null], ['lsdir', '/proc/self/fdinfo', null]);
  for (const r of reopens) ops.push(['reopen', r.how, 3 + (r.fd % (opened + 1)), r.how === 'open' ? r.flags : r.flags & ~O_CREAT & ~O_EXCL, r.resolve]);
  return ops;
});

const DIRS = ['/a', '/a/b', '/a/b/c', '/x', '/a/proc', '/a/b/proc', '/', '..', 'c', 'b'];

/** cwd and root after chdir, chroot, removal and renames. */
const cwdScenario = fc.record({
  steps: fc.array(fc.oneof(
    fc.constantFrom(...DIRS).map((d): AnyOp => ['chdir', d]),
    fc.constantFrom('/a', '/a/b', '/x', '.').map((d): AnyOp => ['chroot', d]),
    fc.constantFrom<AnyOp>(['unlink', AT_FDCWD, '/a/b/c', AT_REMOVEDIR], ['unlink', AT_FDCWD, '/x', AT_REMOVEDIR],
      ['rename', AT_FDCWD, '/a/b/c', AT_FDCWD, '/a/c2', 0], ['rename', AT_FDCWD, '/x', AT_FDCWD, '/a/b/x', 0],
      ['become', 1000, 1000, [100]], ['umask', 0o077]),
  ), { minLength: 1, maxLength: 5 }),
}).map(({ steps: all }) => {
  // An unprivileged process may not set its credentials again.
  const steps = all.filter((s, i) => s[0] !== 'become' || all.findIndex((t) => t[0] === 'become') === i);
  const ops: AnyOp[] = [];
  for (const d of ['/a', '/a/b', '/a/b/c', '/x', '/a/proc', '/a/b/proc']) ops.push(['mkdir', AT_FDCWD, d, 0o755]);
  ops.push(['mount_proc', '/a/proc', 0], ['mount_proc', '/a/b/proc', MS_NOSUID | MS_NODEV | MS_NOEXEC]);
  for (const s of steps) {
    ops.push(s);
    ops.push(['preadlink', AT_FDCWD, '/proc/self/cwd'], ['preadlink', AT_FDCWD, '/proc/self/root'], ['getcwd']);
  }
  ops.push(['open', AT_FDCWD, '/proc/self/cwd/..', O_PATH, 0], ['fdlink', 3], ['open', AT_FDCWD, '/proc/self/root/a', O_PATH, 0], ['fdlink', 4],
    ['pstat', '/proc/self/cwd', true], ['pstat', '/proc/self/root', true], ['fstat', 3], ['pstat', '/', true],
    ['readfile', '/proc/self/mountinfo', 'mountinfo'], ['readfile', '/proc/self/status', 'status']);
  return ops;
});

const MOUNT_DIRS = ['/m', '/m/a', '/m/b', '/m/a/s', '/m/sp ace', '/m/t\tab', '/m/back\\sl'];
const MOUNT_FLAGS = [0, MS_NOSUID, MS_NODEV | MS_NOEXEC, MS_NOATIME, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME];

/** Tmpfs mounts, binds (recursive or not), read-only binds, unmounts, then mounts as seen from a chroot. */
const mountScenario = fc.record({
  steps: fc.array(fc.oneof(
    fc.tuple(fc.constantFrom(...MOUNT_DIRS), fc.constantFrom(...MOUNT_FLAGS)).map(([d, f]): AnyOp => ['mount_tmpfs_flags', d, f]),
    fc.tuple(fc.constantFrom(...MOUNT_DIRS), fc.constantFrom(...MOUNT_DIRS), fc.boolean()).map(([s, d, r]): AnyOp => ['mount_bind', s, d, r]),
    fc.tuple(fc.constantFrom(...MOUNT_DIRS), fc.constantFrom(MS_RDONLY, MS_RDONLY | MS_NOSUID, 0)).map(([d, f]): AnyOp => ['remount_bind', d, f]),
    fc.tuple(fc.constantFrom(...MOUNT_DIRS), fc.constantFrom(0, MNT_DETACH)).map(([d, f]): AnyOp => ['umount', d, f]),
    fc.constantFrom(...MOUNT_DIRS).map((d): AnyOp => ['mkdir', AT_FDCWD, `${d}/s`, 0o755]),
  ), { minLength: 1, maxLength: 6 }),
  root: fc.constantFrom('/', '/m', '/m/a'),
}).map(({ steps, root }) => {
  const ops: AnyOp[] = [];
  for (const d of MOUNT_DIRS) ops.push(['mkdir', AT_FDCWD, d, 0o755]);
  ops.push(['mkdir', AT_FDCWD, '/m/proc', 0o555], ['mkdir', AT_FDCWD, '/m/a/proc', 0o555], ['mount_proc', '/m/proc', 0]);
  ops.push(...steps);
  ops.push(['mount_bind', '/m/proc', '/m/a/proc', false]);
  if (root !== '/') ops.push(['chroot', root]);
  ops.push(['readfile', '/proc/self/mountinfo', 'mountinfo'], ['readfile', '/proc/self/mounts', 'raw'],
    ['open', AT_FDCWD, '/proc', O_PATH, 0], ['fdinfo', 3]);
  return ops;
});

const PROC_PATHS = ['/proc', '/proc/self', '/proc/self/fd', '/proc/self/fdinfo', '/proc/self/status', '/proc/self/cwd',
  '/proc/self/root', '/proc/self/exe', '/proc/self/mounts', '/proc/self/mountinfo', '/proc/self/task', '/proc/thread-self',
  '/proc/mounts', '/proc/{pid}', '/proc/{pid}/task/{pid}', '/proc/{pid}/task/{pid}/fd', '/proc/{other}', '/proc/{other}/fd',
  '/proc/{other}/cwd', '/proc/self/fd/3', '/proc/self/fdinfo/3', '/proc/self/fd/4', '/proc/self/fd/5', '/proc/self/task/{pid}/status', '/proc/01', '/proc/self/fd/00'];

/** Writes, creations and removals in /proc; stats, listings and links of its entries; as root or not. */
const procScenario = fc.record({
  user: fc.option(fc.constantFrom<[number, number, number[]]>([1000, 1000, []], [1000, 100, [100, 27]]), { nil: undefined }),
  ops: fc.array(fc.oneof(
    fc.constantFrom<AnyOp>(
      ['mkdir', AT_FDCWD, '/proc/x', 0o755], ['mkdir', AT_FDCWD, '/proc/self/x', 0o755],
      ['open', AT_FDCWD, '/proc/newf', O_CREAT | O_WRONLY, 0o644], ['open', AT_FDCWD, '/proc/self/newf', O_CREAT | O_WRONLY, 0o644],
      ['open', AT_FDCWD, '/proc/self/status', O_CREAT | O_EXCL | O_WRONLY, 0o644],
      ['unlink', AT_FDCWD, '/proc/self/status', 0], ['unlink', AT_FDCWD, '/proc/self', 0], ['unlink', AT_FDCWD, '/proc/self/fd', AT_REMOVEDIR],
      ['rename', AT_FDCWD, '/proc/self/status', AT_FDCWD, '/proc/self/s2', 0], ['symlink', 'x', AT_FDCWD, '/proc/self/l'],
      ['link', AT_FDCWD, '/proc/self/status', AT_FDCWD, '/proc/self/l2', 0], ['chmod', AT_FDCWD, '/proc/self/status', 0o777, 0],
      ['chmod', AT_FDCWD, '/proc/self/fd', 0o700, 0], ['chown', AT_FDCWD, '/proc/self/status', 0, 0, 0],
      ['truncate', '/proc/self/status', 0], ['writefile', '/proc/self/status', O_WRONLY, 'x'],
      ['writefile', '/proc/self/mounts', O_RDWR, 'x'], ['open', AT_FDCWD, '/proc/self/fd', O_RDWR | O_DIRECTORY, 0],
      ['mknod', AT_FDCWD, '/proc/self/fifo', S_IFIFO | 0o644, 0], ['access', AT_FDCWD, '/proc/self/status', 2, 0],
      ['preadlink', AT_FDCWD, '/proc/self'], ['preadlink', AT_FDCWD, '/proc/thread-self'], ['preadlink', AT_FDCWD, '/proc/mounts'],
      ['preadlink', AT_FDCWD, '/proc/self/status'], ['preadlink', AT_FDCWD, '/proc/{other}/cwd'], ['preadlink', AT_FDCWD, '/proc/{other}/root'],
      ['preadlink', AT_FDCWD, '/proc/{pid}/task/{pid}/cwd'], ['preadlink', AT_FDCWD, '/proc/self/fd/3'], ['preadlink', AT_FDCWD, '/proc/self/fd/5'],
      ['lsdir', '/proc', ROOT_NAMES], ['lsdir', '/proc/self', PID_NAMES], ['lsdir', '/proc/self/task', null],
      ['lsdir', '/proc/{pid}/task/{pid}', PID_NAMES], ['lsdir', '/proc/{other}/fd', null], ['lsdir', '/proc/self/fd', null],
      ['readfile', '/proc/self/status', 'status'], ['readfile', '/proc/self/mounts', 'raw'], ['fdinfo', 4], ['fdinfo', 5], ['umask', 0o027], ['chdir', '/proc/self/fd'], ['chdir', '/proc/self'], ['getcwd'],
      ['fstatat', AT_FDCWD, '/proc/self/status', AT_SYMLINK_NOFOLLOW],
    ),
    // The kernel's case process runs python3, vroot's runs nothing: only exe's link compares.
    fc.tuple(fc.constantFrom(...PROC_PATHS), fc.boolean()).map(([path, follow]): AnyOp => ['pstat', path, follow && !path.endsWith('exe')]),
  ), { minLength: 1, maxLength: 8 }),
}).map(({ user, ops }) => {
  // fd 3: a directory, 4: a file open for writing, 5: a pipe's read end, 6: its write end.
  const out: AnyOp[] = [...writeFile('/f', 'data'), ['open', AT_FDCWD, '/', O_RDONLY | O_DIRECTORY, 0],
    ['open', AT_FDCWD, '/f', O_WRONLY | O_APPEND, 0], ['pipe2', O_NONBLOCK]];
  if (user !== undefined) out.push(['become', ...user]);
  // Another process's descriptors differ between the systems: only their refusal compares.
  return [...out, ...ops.filter((o) => user !== undefined || !(o[0] === 'lsdir' && o[1] === '/proc/{other}/fd'))];
});

/**
 * FEX-Emu's leak, as a case: a process rooted in a guest RootFS (with procfs inside, mounted
 * or bound) opens guest files through absolute symlinks and a symlink to "/", and reads
 * /proc/self/fd, cwd, root and mountinfo: only guest paths may appear.
 */
const rootfsScenario = fc.record({
  bind: fc.boolean(),
  opens: fc.array(fc.constantFrom('/usr/lib/libfoo.so', '/usr/lib/libfoo.so.1', '/usr/rootlink/usr/lib/libfoo.so', '/usr/rootlink/../etc',
    '/proc/self/root/usr/lib/libfoo.so', '/proc/self/cwd/lib', '../../etc/passwd', '/etc/passwd'), { minLength: 1, maxLength: 4 }),
  cwd: fc.constantFrom('/', '/usr', '/usr/lib'),
  unlink: fc.boolean(),
}).map(({ bind, opens, cwd, unlink }) => {
  const ops: AnyOp[] = [];
  for (const d of ['/rootfs', '/rootfs/usr', '/rootfs/usr/lib', '/rootfs/etc']) ops.push(['mkdir', AT_FDCWD, d, 0o755]);
  ops.push(['mkdir', AT_FDCWD, '/rootfs/proc', 0o555]);
  ops.push(...writeFile('/rootfs/usr/lib/libfoo.so', '\u007fELF'), ...writeFile('/rootfs/etc/passwd', 'root:x:0:0'));
  ops.push(['symlink', '/usr/lib/libfoo.so', AT_FDCWD, '/rootfs/usr/lib/libfoo.so.1'], ['symlink', '/', AT_FDCWD, '/rootfs/usr/rootlink']);
  ops.push(bind ? ['mount_bind', '/proc', '/rootfs/proc', false] : ['mount_proc', '/rootfs/proc', MS_NOSUID | MS_NODEV | MS_NOEXEC]);
  ops.push(['chroot', '/rootfs'], ['chdir', cwd]);
  for (const path of opens) ops.push(['open', AT_FDCWD, path, path.endsWith('etc') ? O_PATH : O_RDONLY, 0]);
  if (unlink) ops.push(['unlink', AT_FDCWD, '/usr/lib/libfoo.so', 0]);
  for (let fd = 3; fd < 3 + opens.length; fd++) ops.push(['fdlink', fd], ['open', AT_FDCWD, `/proc/self/fd/${fd}`, O_RDONLY, 0], ['read', 3 + opens.length, 8], ['close', 3 + opens.length]);
  ops.push(['preadlink', AT_FDCWD, '/proc/self/cwd'], ['preadlink', AT_FDCWD, '/proc/self/root'], ['lsdir', '/proc/self/fd', null],
    ['readfile', '/proc/self/mountinfo', 'mountinfo'], ['readfile', '/proc/self/mounts', 'raw'], ['readfile', '/proc/mounts', 'raw']);
  return ops;
});

/** A procfs case. */
export const procCaseArb: fc.Arbitrary<AnyOp[]> = fc.oneof(
  { weight: 4, arbitrary: fdScenario },
  { weight: 2, arbitrary: cwdScenario },
  { weight: 2, arbitrary: mountScenario },
  { weight: 2, arbitrary: procScenario },
  { weight: 2, arbitrary: rootfsScenario },
);
