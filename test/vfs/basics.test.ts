// Hand-written cases for the core, each named after the behaviour it pins down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY,
  O_RDWR, O_WRONLY, O_APPEND, O_CLOEXEC, F_GETFD, FD_CLOEXEC, SEEK_SET, SEEK_END, RENAME_EXCHANGE,
  RENAME_NOREPLACE, RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV,
  S_IFMT, S_IFDIR, S_IFREG, O_TMPFILE, Tmpfs, VirtualFileSystem, type Process,
} from '../../src/mod.js';
import { code } from '../_errno.js';

function setup(): { vfs: VirtualFileSystem; p: Process } {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  return { vfs, p: vfs.createProcess() };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function writeFile(p: Process, path: string, text: string): void {
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
  p.write(fd, enc.encode(text));
  p.close(fd);
}

function readFile(p: Process, path: string): string {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  const buf = new Uint8Array(1 << 16);
  const n = p.read(fd, buf);
  p.close(fd);
  return dec.decode(buf.subarray(0, n));
}

test('dotdot after a symlink applies to where the symlink led', () => {
  const { p } = setup();
  p.mkdirat(AT_FDCWD, '/a', 0o755);
  p.mkdirat(AT_FDCWD, '/a/deep', 0o755);
  p.mkdirat(AT_FDCWD, '/b', 0o755);
  writeFile(p, '/a/target', 'in a');
  writeFile(p, '/target', 'at root');
  p.symlinkat('/a/deep', AT_FDCWD, '/b/link');
  // Textual resolution would give /b/target (missing); Linux gives /a/target.
  assert.equal(readFile(p, '/b/link/../target'), 'in a');
});

test('absolute symlinks resolve from the process root after chroot', () => {
  const { vfs, p } = setup();
  p.mkdirat(AT_FDCWD, '/jail', 0o755);
  writeFile(p, '/secret', 'host');
  writeFile(p, '/jail/secret', 'guest');
  p.symlinkat('/secret', AT_FDCWD, '/jail/link');
  p.symlinkat('../../../../secret', AT_FDCWD, '/jail/rel');
  const guest = vfs.createProcess({ root: '/jail' });
  assert.equal(readFile(guest, '/link'), 'guest');
  assert.equal(readFile(guest, '/rel'), 'guest');
  assert.equal(readFile(guest, '/../../secret'), 'guest');
});

test('the 40-link budget: 40 links resolve, 41 give ELOOP', () => {
  const { p } = setup();
  writeFile(p, '/f', 'x');
  p.symlinkat('f', AT_FDCWD, '/l0');
  for (let i = 1; i <= 40; i++) p.symlinkat(`l${i - 1}`, AT_FDCWD, `/l${i}`);
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/l39')), 'OK');
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/l40')), 'ELOOP');
  p.symlinkat('self', AT_FDCWD, '/self');
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/self')), 'ELOOP');
});

test('trailing slashes: ENOTDIR on files, mkdir works, O_CREAT gives EISDIR', () => {
  const { p } = setup();
  writeFile(p, '/file', '');
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/file/')), 'ENOTDIR');
  assert.equal(code(() => p.mkdirat(AT_FDCWD, '/dir/', 0o755)), 'OK');
  assert.equal((p.fstatat(AT_FDCWD, '/dir').mode & S_IFMT), S_IFDIR);
  assert.equal(code(() => p.openat(AT_FDCWD, '/new/', O_CREAT | O_WRONLY, 0o644)), 'EISDIR');
  p.symlinkat('dir', AT_FDCWD, '/ldir');
  // lstat with a trailing slash follows the symlink.
  assert.equal(p.fstatat(AT_FDCWD, '/ldir/', AT_SYMLINK_NOFOLLOW).mode & S_IFMT, S_IFDIR);
});

test('O_NOFOLLOW gives ELOOP and O_CREAT|O_EXCL on a dangling symlink gives EEXIST', () => {
  const { p } = setup();
  p.symlinkat('/nowhere', AT_FDCWD, '/dangling');
  assert.equal(code(() => p.openat(AT_FDCWD, '/dangling', O_RDONLY | O_NOFOLLOW)), 'ELOOP');
  assert.equal(code(() => p.openat(AT_FDCWD, '/dangling', O_CREAT | O_EXCL | O_WRONLY, 0o644)), 'EEXIST');
  // Without O_EXCL the target of the dangling link is created.
  p.close(p.openat(AT_FDCWD, '/dangling', O_CREAT | O_WRONLY, 0o600));
  assert.equal(p.fstatat(AT_FDCWD, '/nowhere').mode & 0o777, 0o600);
});

test('names longer than 255 bytes and paths of 4096 bytes give ENAMETOOLONG', () => {
  const { p } = setup();
  assert.equal(code(() => p.mkdirat(AT_FDCWD, '/' + 'x'.repeat(256), 0o755)), 'ENAMETOOLONG');
  assert.equal(code(() => p.mkdirat(AT_FDCWD, '/' + 'x'.repeat(255), 0o755)), 'OK');
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/' + 'a/'.repeat(2048))), 'ENAMETOOLONG');
});

test('dup shares the offset and O_APPEND writes at the end', () => {
  const { p } = setup();
  const fd = p.openat(AT_FDCWD, '/f', O_CREAT | O_RDWR | O_CLOEXEC, 0o644);
  assert.equal(p.fcntl(fd, F_GETFD), FD_CLOEXEC);
  const fd2 = p.dup(fd);
  assert.equal(fd2, fd + 1);
  assert.equal(p.fcntl(fd2, F_GETFD), 0);
  p.write(fd, enc.encode('abc'));
  p.write(fd2, enc.encode('def'));
  assert.equal(p.lseek(fd, 0, SEEK_END), 6);
  p.lseek(fd2, 0, SEEK_SET);
  const ap = p.openat(AT_FDCWD, '/f', O_WRONLY | O_APPEND);
  p.write(ap, enc.encode('!'));
  assert.equal(readFile(p, '/f'), 'abcdef!');
  p.close(fd);
  assert.equal(p.openat(AT_FDCWD, '/f', O_RDONLY), fd, 'lowest free descriptor is reused');
});

test('rename rules: into own subtree, over non-empty dir, exchange and noreplace', () => {
  const { p } = setup();
  p.mkdirat(AT_FDCWD, '/a', 0o755);
  p.mkdirat(AT_FDCWD, '/a/b', 0o755);
  p.mkdirat(AT_FDCWD, '/c', 0o755);
  writeFile(p, '/c/x', '1');
  writeFile(p, '/y', '2');
  assert.equal(code(() => p.renameat2(AT_FDCWD, '/a', AT_FDCWD, '/a/b/a')), 'EINVAL');
  assert.equal(code(() => p.renameat2(AT_FDCWD, '/a', AT_FDCWD, '/c')), 'ENOTEMPTY');
  assert.equal(code(() => p.renameat2(AT_FDCWD, '/y', AT_FDCWD, '/c')), 'EISDIR');
  assert.equal(code(() => p.renameat2(AT_FDCWD, '/a', AT_FDCWD, '/y')), 'ENOTDIR');
  assert.equal(code(() => p.renameat2(AT_FDCWD, '/y', AT_FDCWD, '/c/x', RENAME_NOREPLACE)), 'EEXIST');
  p.renameat2(AT_FDCWD, '/y', AT_FDCWD, '/c/x', RENAME_EXCHANGE);
  assert.equal(readFile(p, '/c/x'), '2');
  assert.equal(readFile(p, '/y'), '1');
  p.renameat2(AT_FDCWD, '/a/b', AT_FDCWD, '/c2');
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/a/b')), 'ENOENT');
});

test('openat2 RESOLVE_* flags', () => {
  const { p } = setup();
  p.mkdirat(AT_FDCWD, '/root', 0o755);
  p.mkdirat(AT_FDCWD, '/root/sub', 0o755);
  writeFile(p, '/root/sub/f', 'inner');
  writeFile(p, '/f', 'outer');
  p.symlinkat('/f', AT_FDCWD, '/root/abs');
  p.symlinkat('sub/f', AT_FDCWD, '/root/rel');
  const dir = p.openat(AT_FDCWD, '/root', O_RDONLY | O_DIRECTORY);
  assert.equal(code(() => p.openat2(dir, '../f', { flags: O_RDONLY, resolve: RESOLVE_BENEATH })), 'EXDEV');
  assert.equal(code(() => p.openat2(dir, 'abs', { flags: O_RDONLY, resolve: RESOLVE_BENEATH })), 'EXDEV');
  assert.equal(code(() => p.openat2(dir, 'rel', { flags: O_RDONLY, resolve: RESOLVE_NO_SYMLINKS })), 'ELOOP');
  assert.equal(code(() => p.openat2(dir, 'sub/../sub/f', { flags: O_RDONLY, resolve: RESOLVE_BENEATH })), 'OK');
  // RESOLVE_IN_ROOT: '..' stays at the dirfd and absolute links start there.
  writeFile(p, '/root/f', 'root f');
  const fd = p.openat2(dir, '../../abs', { flags: O_RDONLY, resolve: RESOLVE_IN_ROOT });
  const buf = new Uint8Array(64);
  assert.equal(dec.decode(buf.subarray(0, p.read(fd, buf))), 'root f');
  assert.equal(code(() => p.openat2(dir, 'x', { flags: O_RDONLY, mode: 0o644 })), 'EINVAL');
  const vfs2 = new VirtualFileSystem();
  vfs2.mount(new Tmpfs(), '/');
  const q = vfs2.createProcess();
  q.mkdirat(AT_FDCWD, '/mnt', 0o755);
  q.mount(new Tmpfs(), '/mnt');
  const top = q.openat(AT_FDCWD, '/', O_RDONLY | O_DIRECTORY);
  assert.equal(code(() => q.openat2(top, 'mnt', { flags: O_RDONLY, resolve: RESOLVE_NO_XDEV })), 'EXDEV');
});

test('mounts: crossing down and .. climbing out of a mount', () => {
  const { p } = setup();
  p.mkdirat(AT_FDCWD, '/mnt', 0o755);
  writeFile(p, '/mnt/hidden', 'under');
  p.mount(new Tmpfs(), '/mnt');
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/mnt/hidden')), 'ENOENT');
  writeFile(p, '/mnt/top', 'over');
  writeFile(p, '/outside', 'o');
  assert.equal(readFile(p, '/mnt/../outside'), 'o');
  assert.equal(code(() => p.renameat2(AT_FDCWD, '/mnt/top', AT_FDCWD, '/top')), 'EXDEV');
  assert.equal(code(() => p.unlinkat(AT_FDCWD, '/mnt', AT_REMOVEDIR)), 'EBUSY');
  p.chdir('/mnt');
  assert.equal(code(() => p.umount2('/mnt')), 'EBUSY');
  p.chdir('/');
  p.umount2('/mnt');
  assert.equal(readFile(p, '/mnt/hidden'), 'under');
});

test('a mount over the root: / still names the old root, and .. at the root steps into the mount (Linux step_into)', () => {
  const { p } = setup();
  writeFile(p, '/old', 'old root');
  p.symlinkat('..', AT_FDCWD, '/up');
  p.mount(new Tmpfs(), '/up');  // mount follows the symlink: the tmpfs covers /
  writeFile(p, '/../new', 'new mount');
  assert.equal(readFile(p, '/old'), 'old root', 'an absolute path starts at the process root, under the mount');
  assert.equal(readFile(p, '../new'), 'new mount');
  assert.equal(code(() => p.fstatat(AT_FDCWD, '../old')), 'ENOENT');
  assert.equal(code(() => p.openat2(AT_FDCWD, '..', { flags: O_RDONLY, resolve: RESOLVE_NO_XDEV })), 'EXDEV');
});

test('permissions for an unprivileged process: mode bits, sticky dirs, setgid inheritance', () => {
  const { vfs, p } = setup();
  p.fchmodat(AT_FDCWD, '/', 0o755);
  p.mkdirat(AT_FDCWD, '/tmp', 0o777);
  p.fchmodat(AT_FDCWD, '/tmp', 0o1777);
  p.mkdirat(AT_FDCWD, '/shared', 0o777);
  p.fchmodat(AT_FDCWD, '/shared', 0o2775);
  p.fchownat(AT_FDCWD, '/shared', 0, 100);
  writeFile(p, '/tmp/roots', 'r');
  p.fchmodat(AT_FDCWD, '/tmp/roots', 0o666);
  const user = vfs.createProcess({ cred: { uid: 1000, gid: 1000, groups: [100] } });
  assert.equal(code(() => user.unlinkat(AT_FDCWD, '/tmp/roots')), 'EPERM');
  assert.equal(code(() => user.mkdirat(AT_FDCWD, '/mine', 0o755)), 'EACCES');
  user.mkdirat(AT_FDCWD, '/shared/sub', 0o755);
  const st = user.fstatat(AT_FDCWD, '/shared/sub');
  assert.equal(st.gid, 100);
  assert.equal(st.mode & 0o7777, 0o2755);
  assert.equal(st.uid, 1000);
  writeFile(user, '/tmp/own', 'u');
  user.unlinkat(AT_FDCWD, '/tmp/own');
  p.fchmodat(AT_FDCWD, '/tmp/roots', 0o600);
  assert.equal(code(() => user.openat(AT_FDCWD, '/tmp/roots', O_RDONLY)), 'EACCES');
});

test('getdents64 cookies survive insertions and deletions during a listing', () => {
  const { p } = setup();
  p.mkdirat(AT_FDCWD, '/d', 0o755);
  for (let i = 0; i < 100; i++) writeFile(p, `/d/f${i}`, '');
  const fd = p.openat(AT_FDCWD, '/d', O_RDONLY | O_DIRECTORY);
  const seen = new Map<string, number>();
  let batch = p.getdents64(fd, 200);
  let round = 0;
  while (batch.length > 0) {
    for (const e of batch) {
      seen.set(e.name, (seen.get(e.name) ?? 0) + 1);
      assert.ok(e.off > 0 && e.off <= 0x7fffffff);
    }
    // Mutate between batches: delete a name from the end, add a new one.
    if (round < 40) {
      p.unlinkat(AT_FDCWD, `/d/f${99 - round}`);
      writeFile(p, `/d/new${round}`, '');
      round++;
    }
    batch = p.getdents64(fd, 200);
  }
  for (const [name, n] of seen) assert.equal(n, 1, `${name} listed once`);
  // Every entry that existed throughout was listed.
  for (let i = 0; i < 99 - round; i++) assert.ok(seen.has(`f${i}`), `f${i}`);
  assert.ok(seen.has('.') && seen.has('..'));
});

test('unlinked open files stay readable; sparse files report holes', () => {
  const { p } = setup();
  writeFile(p, '/gone', 'still here');
  const fd = p.openat(AT_FDCWD, '/gone', O_RDONLY);
  p.unlinkat(AT_FDCWD, '/gone');
  const buf = new Uint8Array(32);
  assert.equal(dec.decode(buf.subarray(0, p.read(fd, buf))), 'still here');
  assert.equal(p.fstat(fd).nlink, 0);
  const s = p.openat(AT_FDCWD, '/sparse', O_CREAT | O_RDWR, 0o644);
  p.pwrite(s, enc.encode('x'), 1 << 20);
  const st = p.fstat(s);
  assert.equal(st.size, (1 << 20) + 1);
  assert.equal(st.blocks, 8);
  assert.equal(p.fstat(s).mode & S_IFMT, S_IFREG);
});

test('the dentry cache stays within its bound and evicted names are found again', async () => {
  const { setDentryCacheLimit } = await import('../../src/vfs/dentry.js');
  const { dentryCacheSize } = await import('../../src/vfs/dentry.js');
  const { p } = setup();
  setDentryCacheLimit(200);
  try {
    p.mkdirat(AT_FDCWD, '/many', 0o755);
    for (let i = 0; i < 1000; i++) writeFile(p, `/many/f${i}`, `${i}`);
    const held = p.openat(AT_FDCWD, '/many/f1', O_RDONLY);
    for (let i = 0; i < 1000; i++) p.fstatat(AT_FDCWD, `/many/f${i}`);
    const cached = dentryCacheSize(p.root().mount.fs);
    assert.ok(cached <= 200, `${cached} dentries cached`);
    // Evicted names are looked up again; a held (pinned) dentry keeps working and renames track it.
    for (let i = 0; i < 1000; i += 97) assert.equal(readFile(p, `/many/f${i}`), `${i}`);
    p.renameat2(AT_FDCWD, '/many/f1', AT_FDCWD, '/many/renamed');
    const buf = new Uint8Array(8);
    assert.equal(dec.decode(buf.subarray(0, p.read(held, buf))), '1');
    assert.equal(code(() => p.fstatat(AT_FDCWD, '/many/f1')), 'ENOENT');
    assert.equal(readFile(p, '/many/renamed'), '1');
  } finally {
    setDentryCacheLimit(250_000);
  }
});

test('an O_TMPFILE file that is never linked gives its inode back when closed', () => {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs({ nrInodes: 10 }), '/');
  const p = vfs.createProcess();
  for (let i = 0; i < 50; i++) p.close(p.openat(AT_FDCWD, '/', O_TMPFILE | O_RDWR, 0o600));
  // And unlinked-but-open files keep theirs until closed, as shmem counts until eviction.
  const fds: number[] = [];
  for (let i = 0; i < 9; i++) {
    fds.push(p.openat(AT_FDCWD, `/f${i}`, O_CREAT | O_RDWR, 0o600));
    p.unlinkat(AT_FDCWD, `/f${i}`);
  }
  assert.equal(code(() => p.openat(AT_FDCWD, '/one-more', O_CREAT | O_RDWR, 0o600)), 'ENOSPC');
  for (const fd of fds) p.close(fd);
  assert.equal(code(() => p.close(p.openat(AT_FDCWD, '/one-more', O_CREAT | O_RDWR, 0o600))), 'OK');
});
