// FakeOwnership over vroot's own filesystems (no host involved): the record format, identity of
// wrapped inodes, what the lower sees, stacking with casefold, and the tar-like workload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AT_EMPTY_PATH, AT_FDCWD, DT_BLK, DT_CHR, DT_FIFO, DT_REG, DT_SOCK, FakeInode,
  FakeOwnership, O_CREAT, O_DIRECTORY, O_PATH, O_RDONLY, O_RDWR, O_TMPFILE, O_WRONLY, OVERRIDE_STAT_XATTR, S_IFBLK,
  S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, ProcFs, Tmpfs, VfsError, VirtualFileSystem,
  byteStringToUtf8, fakeRootCred, fakeRootProcess, formatOverrideStat, getCasefoldFlag, makedev,
  parseOverrideStat, setCasefoldFlag, type FakeOwnershipOptions, type OverrideStat, type Process,
} from '../../src/mod.js';
import { compareTree, extractTree, generateTree, walkTree } from './fake_owner_tree.js';
import { code } from '../_errno.js';

const enc = new TextEncoder();

function setup(lower = new Tmpfs(), options: FakeOwnershipOptions = {}): { vfs: VirtualFileSystem; fs: FakeOwnership; lower: Tmpfs; p: Process } {
  const vfs = new VirtualFileSystem();
  const fs = new FakeOwnership(lower, options);
  vfs.mount(fs, '/');
  return { vfs, fs, lower, p: fakeRootProcess(vfs) };
}

function touch(p: Process, path: string, mode = 0o644, text = ''): void {
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, mode);
  if (text !== '') p.write(fd, enc.encode(text));
  p.close(fd);
}

function lowerAt(lower: Tmpfs, path: string): ReturnType<Tmpfs['root']['lookup']> {
  let inode: ReturnType<Tmpfs['root']['lookup']> = lower.root;
  for (const name of path.split('/').filter((n) => n !== '')) inode = inode!.lookup(name);
  return inode;
}

// ---- the record format ----

test('override_stat values are those containers/storage writes and reads', () => {
  const cases: [OverrideStat, string][] = [
    [{ uid: 1000, gid: 1011, mode: 0o644, type: S_IFREG, rdev: 0 }, '1000:1011:0644:file'],
    [{ uid: 0, gid: 0, mode: 0o1777, type: S_IFDIR, rdev: 0 }, '0:0:1777:dir'],
    [{ uid: 1, gid: 2, mode: 0o777, type: S_IFLNK, rdev: 0 }, '1:2:0777:symlink'],
    [{ uid: 3, gid: 4, mode: 0o666, type: S_IFIFO, rdev: 0 }, '3:4:0666:pipe'],
    [{ uid: 5, gid: 6, mode: 0o700, type: S_IFSOCK, rdev: 0 }, '5:6:0700:socket'],
    [{ uid: 0, gid: 6, mode: 0o660, type: S_IFBLK, rdev: makedev(8, 0) }, '0:6:0660:block-8-0'],
    [{ uid: 0, gid: 5, mode: 0o620, type: S_IFCHR, rdev: makedev(136, 70000) }, '0:5:0620:char-136-70000'],
    [{ uid: 4294967295, gid: 0, mode: 0o6755, type: S_IFREG, rdev: 0 }, '4294967295:0:6755:file'],
    [{ uid: 0, gid: 0, mode: 0o0, type: S_IFREG, rdev: 0 }, '0:0:0000:file'],
  ];
  for (const [value, text] of cases) {
    assert.equal(formatOverrideStat(value), text);
    assert.deepEqual(parseOverrideStat(text), value, text);
    assert.deepEqual(parseOverrideStat(enc.encode(text + '\0')), value, `${text} with a C string's NUL`);
  }
  // Older writers: three fields, the mode without padding (fuse-overlayfs, its fix-up script).
  assert.deepEqual(parseOverrideStat('1000:1000:755'), { uid: 1000, gid: 1000, mode: 0o755, type: 0, rdev: 0 });
  // Only the permission and set-ID bits of the mode count; types match by prefix; extra device parts are ignored.
  assert.deepEqual(parseOverrideStat('1:1:100644:filex'), { uid: 1, gid: 1, mode: 0o644, type: S_IFREG, rdev: 0 });
  assert.deepEqual(parseOverrideStat('1:1:0600:char-1-3-later'), { uid: 1, gid: 1, mode: 0o600, type: S_IFCHR, rdev: makedev(1, 3) });
  for (const bad of ['', '1:2', 'a:0:0644:file', '0:b:0644', '0:0:0698:file', '0:0:0644:door', '0:0:0644:block-8',
    'x:0:0644:char-1-3', '0:0:0644:char-x-3', '0:0:0644:block-1-y', '0:0:0644:blockade-1-2', '4294967296:0:0644',
    '-1:0:0644', '0:0:0644:char-4096-0', '0:0:0644:char-0-1048576', ' 0:0:0644', '0:0:0644:char--1-3']) {
    assert.equal(parseOverrideStat(bad), null, JSON.stringify(bad));
  }
});

test('any record survives format and parse (generated)', () => {
  const typeArb = fc.constantFrom(S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFSOCK, S_IFBLK, S_IFCHR);
  fc.assert(fc.property(
    fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 0o7777 }), typeArb,
    fc.nat({ max: 0xfff }), fc.nat({ max: 0xfffff }),
    (uid, gid, mode, type, maj, min) => {
      const rdev = type === S_IFBLK || type === S_IFCHR ? makedev(maj, min) : 0;
      const value = { uid, gid, mode, type, rdev };
      assert.deepEqual(parseOverrideStat(formatOverrideStat(value)), value);
    },
  ), { numRuns: 2000, seed: 20260717 });
});

// ---- the stacking filesystem ----

test('chown, chmod and mknod are recorded; the lower keeps its owner and only gains the owner\'s access', () => {
  const { p, lower } = setup();
  touch(p, '/f', 0o644, 'data');
  p.fchownat(AT_FDCWD, '/f', 1000, 100);
  p.fchmodat(AT_FDCWD, '/f', 0o4000);
  p.mkdirat(AT_FDCWD, '/d', 0o000);
  p.fchmodat(AT_FDCWD, '/d', 0o1000);
  p.mknodat(AT_FDCWD, '/d/null', S_IFCHR | 0o666, makedev(1, 3));
  p.mknodat(AT_FDCWD, '/d/fifo', S_IFIFO | 0o600);
  const st = p.fstatat(AT_FDCWD, '/f');
  assert.deepEqual([st.uid, st.gid, st.mode], [1000, 100, S_IFREG | 0o4000]);
  const f = lowerAt(lower, '/f')!;
  assert.deepEqual([f.uid, f.gid, f.mode], [0, 0, S_IFREG | 0o600]);
  assert.equal(lowerAt(lower, '/d')!.mode, S_IFDIR | 0o700);
  const dev = lowerAt(lower, '/d/null')!;
  assert.deepEqual([dev.mode, dev.rdev, dev.size], [S_IFREG | 0o644, 0, 0]);
  // The memory store lets the lower make fifos itself.
  assert.equal(lowerAt(lower, '/d/fifo')!.mode & S_IFMT, S_IFIFO);
  assert.equal(p.fstatat(AT_FDCWD, '/d/null').rdev, makedev(1, 3));
});

test('a lower inode has one wrapper: repeated lookups, hard links and open files share it', () => {
  const { p, fs } = setup();
  touch(p, '/a');
  p.linkat(AT_FDCWD, '/a', AT_FDCWD, '/b');
  const a = fs.root.lookup('a');
  assert.ok(a instanceof FakeInode);
  assert.equal(fs.root.lookup('a'), a);
  assert.equal(fs.root.lookup('b'), a);
  p.fchownat(AT_FDCWD, '/b', 7, 7);
  assert.equal(p.fstatat(AT_FDCWD, '/a').uid, 7);
  const fd = p.openat(AT_FDCWD, '/a', O_RDWR);
  p.unlinkat(AT_FDCWD, '/a');
  p.unlinkat(AT_FDCWD, '/b');
  // An open file outlives its names with its record; fstat shows it.
  const st = p.fstat(fd);
  assert.deepEqual([st.uid, st.nlink], [7, 0]);
  p.close(fd);
});

test('listings show the recorded types, for both stores', () => {
  for (const store of ['memory', 'xattr'] as const) {
    const { p } = setup(new Tmpfs(), { store });
    p.mknodat(AT_FDCWD, '/c', S_IFCHR | 0o600, makedev(1, 5));
    p.mknodat(AT_FDCWD, '/b', S_IFBLK | 0o600, makedev(7, 0));
    p.mknodat(AT_FDCWD, '/p', S_IFIFO | 0o600);
    p.mknodat(AT_FDCWD, '/s', S_IFSOCK | 0o600);
    touch(p, '/r');
    const fd = p.openat(AT_FDCWD, '/', O_RDONLY | O_DIRECTORY);
    const types = Object.fromEntries(p.getdents64(fd).map((e) => [e.name, e.type]));
    p.close(fd);
    assert.deepEqual({ c: types.c, b: types.b, p: types.p, s: types.s, r: types.r },
      { c: DT_CHR, b: DT_BLK, p: DT_FIFO, s: DT_SOCK, r: DT_REG }, store);
  }
});

test('xattr store: records live in the lower objects, and a new FakeOwnership over the same lower reads them', () => {
  const lower = new Tmpfs();
  const first = setup(lower, { store: 'xattr' });
  const entries = generateTree(20260718, 200);
  extractTree(first.p, entries);
  assert.deepEqual(compareTree(entries, walkTree(first.p)), []);
  const f = entries.find((e) => e.type === S_IFCHR)!;
  assert.equal(byteStringToUtf8(String.fromCharCode(...lowerAt(lower, f.path)!.getxattr(OVERRIDE_STAT_XATTR)!)),
    formatOverrideStat({ uid: f.uid, gid: f.gid, mode: f.perm, type: S_IFCHR, rdev: f.rdev }));
  const again = setup(lower, { store: 'xattr' });
  const seen = walkTree(again.p);
  // Symlinks' records were kept in memory (no user xattrs on symlinks on Linux).
  const expected = entries.map((e) => (e.type === S_IFLNK ? { ...e, uid: 0, gid: 0 } : e));
  assert.deepEqual(compareTree(expected, seen), []);
});

test('memory store: the tar-like tree round-trips', () => {
  const { p } = setup();
  const entries = generateTree(20260719, 300);
  extractTree(p, entries);
  assert.deepEqual(compareTree(entries, walkTree(p)), []);
});

test('objects without a record show the lower\'s owner, or the unrecorded owner chosen', () => {
  const lower = new Tmpfs({ uid: 1234, gid: 5678, mode: 0o751 });
  const plain = setup(lower);
  assert.deepEqual([plain.p.fstatat(AT_FDCWD, '/').uid, plain.p.fstatat(AT_FDCWD, '/').gid], [1234, 5678]);
  const rooted = setup(lower, { unrecordedOwner: { uid: 0, gid: 0 } });
  const st = rooted.p.fstatat(AT_FDCWD, '/');
  assert.deepEqual([st.uid, st.gid, st.mode], [0, 0, S_IFDIR | 0o751]);
  // New lower objects get the lower root's owner (what a privileged host would chown them to).
  rooted.p.mkdirat(AT_FDCWD, '/d', 0o755);
  assert.deepEqual([lowerAt(lower, '/d')!.uid, lowerAt(lower, '/d')!.gid], [1234, 5678]);
  assert.deepEqual([rooted.p.fstatat(AT_FDCWD, '/d').uid, rooted.p.fstatat(AT_FDCWD, '/d').gid], [0, 0]);
});

test('O_TMPFILE files get records, keep them through linkat, and show them by descriptor', () => {
  const { p, vfs } = setup();
  const user = vfs.createProcess({ cred: { uid: 1000, gid: 1000 } });
  p.mkdirat(AT_FDCWD, '/t', 0o777);
  p.fchmodat(AT_FDCWD, '/t', 0o777);
  const fd = user.openat(AT_FDCWD, '/t', O_TMPFILE | O_RDWR, 0o640);
  assert.deepEqual([user.fstat(fd).uid, user.fstat(fd).mode], [1000, S_IFREG | 0o640]);
  user.linkat(fd, '', AT_FDCWD, '/t/named', AT_EMPTY_PATH);
  user.close(fd);
  assert.equal(p.fstatat(AT_FDCWD, '/t/named').uid, 1000);
});

test('stacks on casefold: lookups fold, the flag calls through, ownership is still recorded', () => {
  const { p } = setup(new Tmpfs({ casefold: 'per-directory' }));
  p.mkdirat(AT_FDCWD, '/games', 0o755);
  const fd = p.openat(AT_FDCWD, '/games', O_RDONLY | O_DIRECTORY);
  assert.equal(getCasefoldFlag(p, fd), false);
  setCasefoldFlag(p, fd, true);
  assert.equal(getCasefoldFlag(p, fd), true);
  p.close(fd);
  touch(p, '/games/Save.DAT', 0o600);
  p.fchownat(AT_FDCWD, '/games/save.dat', 1000, 1000);
  assert.equal(p.fstatat(AT_FDCWD, '/games/SAVE.dat').uid, 1000);
  assert.equal(code(() => touch(p, '/games/save.dat', 0o600)), 'OK');
  const list = p.openat(AT_FDCWD, '/games', O_RDONLY | O_DIRECTORY);
  assert.deepEqual(p.getdents64(list).map((e) => e.name).filter((n) => n[0] !== '.'), ['Save.DAT']);
  p.close(list);
  // Over a tmpfs made without casefold, the answers are that tmpfs's.
  const plain = setup().p;
  const root = plain.openat(AT_FDCWD, '/', O_RDONLY | O_DIRECTORY);
  assert.equal(getCasefoldFlag(plain, root), false);
  assert.equal(code(() => setCasefoldFlag(plain, root, true)), 'EOPNOTSUPP');
});

test('the lower\'s errors and limits pass through', () => {
  const { p } = setup(new Tmpfs({ size: 8192, nrInodes: 4 }));
  touch(p, '/a');
  p.fchownat(AT_FDCWD, '/a', 1, 1);
  const fd = p.openat(AT_FDCWD, '/a', O_WRONLY);
  assert.equal(code(() => p.write(fd, new Uint8Array(20000))), 'ENOSPC');
  p.close(fd);
  touch(p, '/b');
  touch(p, '/c');
  assert.equal(code(() => p.mknodat(AT_FDCWD, '/d', S_IFCHR | 0o600, makedev(1, 3))), 'ENOSPC');
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/d')), 'ENOENT');
  assert.equal(p.fstatat(AT_FDCWD, '/a').uid, 1);
});

test('a read-only mount of it refuses chown like any read-only filesystem', () => {
  const vfs = new VirtualFileSystem();
  vfs.mount(new FakeOwnership(new Tmpfs()), '/', { readOnly: true });
  const p = fakeRootProcess(vfs);
  assert.equal(code(() => p.fchownat(AT_FDCWD, '/', 1, 1)), 'EROFS');
  assert.equal(code(() => p.mknodat(AT_FDCWD, '/n', S_IFCHR | 0o600, makedev(1, 3))), 'EROFS');
});

test('it describes itself as its lower with the store added', () => {
  const { fs } = setup(new Tmpfs({ size: 1 << 20 }), { store: 'xattr' });
  assert.equal(fs.type, 'tmpfs');
  assert.equal(fs.mountOptions, 'size=1024k,fake_owner=xattr');
  assert.equal(new FakeOwnership(new Tmpfs()).mountOptions, 'fake_owner=memory');
});

test('fake root: uid 0 with the ownership capabilities only; plain root and users are unchanged', () => {
  const cred = fakeRootCred([10]);
  assert.deepEqual([cred.uid, cred.gid, cred.fsuid, [...cred.groups]], [0, 0, 0, [10]]);
  for (const cap of ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_MKNOD', 'CAP_SYS_CHROOT'] as const) {
    assert.ok(cred.capable(cap), cap);
  }
  assert.ok(!cred.capable('CAP_SYS_ADMIN'));
  assert.ok(!cred.capable('CAP_LINUX_IMMUTABLE'));
  const { p, vfs } = setup();
  touch(p, '/f');
  // trusted.* xattrs need CAP_SYS_ADMIN, which a fake root lacks.
  assert.equal(code(() => p.setxattr('/f', 'trusted.x', enc.encode('v'))), 'EPERM');
  const fakeInSub = fakeRootProcess(vfs, { cwd: '/', umask: 0o077, groups: [3] });
  touch(fakeInSub, '/g', 0o666);
  assert.equal(fakeInSub.fstatat(AT_FDCWD, '/g').mode & 0o777, 0o600);
  assert.deepEqual([...fakeInSub.cred.groups], [3]);
});

test('xattr store: a record the lower refuses stays in memory; one it cannot store undoes the creation', () => {
  const { p, lower } = setup(new Tmpfs(), { store: 'xattr' });
  touch(p, '/kept');
  // TmpfsInode.prototype, which files and directories share.
  const proto = Object.getPrototypeOf(Object.getPrototypeOf(lower.root.lookup('kept')!)) as { setxattr: (...a: unknown[]) => void };
  const original = proto.setxattr;
  let refuse: 'EPERM' | 'ENOSPC' = 'EPERM';
  proto.setxattr = function (this: unknown, name: unknown, ...rest: unknown[]) {
    if (name === OVERRIDE_STAT_XATTR) throw new VfsError(refuse === 'EPERM' ? 1 : 28);
    original.call(this, name, ...rest);
  };
  try {
    p.fchownat(AT_FDCWD, '/kept', 3, 4);
    assert.deepEqual([p.fstatat(AT_FDCWD, '/kept').uid, p.fstatat(AT_FDCWD, '/kept').gid], [3, 4]);
    refuse = 'ENOSPC';
    assert.equal(code(() => p.fchownat(AT_FDCWD, '/kept', 5, 6)), 'ENOSPC');
    assert.equal(p.fstatat(AT_FDCWD, '/kept').uid, 3);
    assert.equal(code(() => touch(p, '/new')), 'ENOSPC');
    assert.equal(code(() => p.mkdirat(AT_FDCWD, '/dir', 0o755)), 'ENOSPC');
    assert.equal(code(() => p.mknodat(AT_FDCWD, '/dev', S_IFCHR | 0o600, makedev(1, 3))), 'ENOSPC');
    for (const name of ['new', 'dir', 'dev']) {
      assert.equal(lower.root.lookup(name), null, name);
      assert.equal(code(() => p.fstatat(AT_FDCWD, `/${name}`)), 'ENOENT');
    }
  } finally {
    proto.setxattr = original;
  }
});

test('fallocate, O_PATH holds and remounts reach the lower', () => {
  const { p, vfs, lower } = setup();
  touch(p, '/f');
  const fd = p.openat(AT_FDCWD, '/f', O_RDWR);
  p.fallocate(fd, 0, 0, 10000);
  assert.equal(p.fstat(fd).size, 10000);
  p.close(fd);
  // An O_PATH descriptor keeps an unlinked file's data, as tmpfs keeps it for its own holders.
  const w = p.openat(AT_FDCWD, '/f', O_WRONLY);
  p.write(w, enc.encode('kept'));
  p.close(w);
  p.mkdirat(AT_FDCWD, '/proc', 0o555);
  vfs.mount(new ProcFs(), '/proc');
  const path = p.openat(AT_FDCWD, '/f', O_PATH);
  p.unlinkat(AT_FDCWD, '/f');
  const r = p.openat(AT_FDCWD, `/proc/self/fd/${path}`, O_RDONLY);
  const buf = new Uint8Array(4);
  p.read(r, buf);
  assert.equal(new TextDecoder().decode(buf), 'kept');
  p.close(r);
  p.close(path);
  // The lower made read-only after mounting (as "umount /" does to a root) is read-only here too.
  lower.remountedReadOnly = true;
  assert.equal(code(() => touch(p, '/new')), 'EROFS');
});
