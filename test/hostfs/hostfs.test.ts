// Hand-written HostFs cases, each named after the behaviour it pins down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readableCopy } from '../_readable_copy.js';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_PATH, O_RDONLY,
  O_RDWR, O_TMPFILE, O_WRONLY, RENAME_EXCHANGE, RENAME_WHITEOUT, S_IFCHR, S_IFMT, SEEK_SET, VfsError,
  VirtualFileSystem, type Process,
} from '../../src/mod.js';
import { HostFs, type HostFsOptions } from '../../src/node/mod.js';
import { loadHostCalls } from '../../src/fs/hostfs/_native.js';
import { isRoot, scratch } from './_scratch.js';
import { code } from '../_errno.js';

const enc = new TextEncoder();
const B = (s: string): Buffer => Buffer.from(s, 'latin1');

function setup(dir: string, options: HostFsOptions = {}): { p: Process; fs: HostFs; vfs: VirtualFileSystem } {
  const vfs = new VirtualFileSystem();
  const fs = new HostFs(dir, options);
  vfs.mount(fs, '/');
  return { vfs, fs, p: vfs.createProcess() };
}

function readAll(p: Process, path: string | Uint8Array): string {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    const buf = new Uint8Array(1 << 16);
    return Buffer.from(buf.subarray(0, p.read(fd, buf))).toString('latin1');
  } finally {
    p.close(fd);
  }
}

function writeAll(p: Process, path: string | Uint8Array, text: string, flags = O_CREAT | O_WRONLY, mode = 0o644): void {
  const fd = p.openat(AT_FDCWD, path, flags, mode);
  try {
    p.write(fd, B(text));
  } finally {
    p.close(fd);
  }
}

function list(p: Process, path: string, bufferSize = 32768): string[] {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
  const names: string[] = [];
  try {
    for (let e = p.getdents64(fd, bufferSize); e.length > 0; e = p.getdents64(fd, bufferSize)) names.push(...e.map((x) => x.rawName));
  } finally {
    p.close(fd);
  }
  return names.filter((n) => n !== '.' && n !== '..').sort();
}

function withScratch(name: string, fn: (dir: string) => void): void {
  const s = scratch(name);
  try {
    fn(s.dir);
  } finally {
    s.remove();
  }
}

test('non-UTF-8 names and symlink bodies round-trip between host and guest', () => withScratch('hostfs-names', (dir) => {
  writeFileSync(Buffer.concat([B(dir + '/'), Buffer.from([0xff, 0xfe, 0x41])]), 'host made');
  symlinkSync(Buffer.from([0x80, 0x2f, 0xc0]), Buffer.concat([B(dir + '/'), Buffer.from([0xe9])]));
  const { p } = setup(dir);
  assert.deepEqual(list(p, '/'), ['\xe9', '\xff\xfeA']);
  assert.equal(readAll(p, B('/\xff\xfeA')), 'host made');
  assert.deepEqual([...p.readlinkatBytes(AT_FDCWD, B('/\xe9'))], [0x80, 0x2f, 0xc0]);
  writeAll(p, B('/\xc3\x28'), 'guest made');
  p.mkdirat(AT_FDCWD, B('/\xfe'), 0o755);
  const host = readdirSync(B(dir), { encoding: 'buffer' }).map((n) => n.toString('hex')).sort();
  assert.deepEqual(host, ['c328', 'e9', 'fe', 'fffe41']);
  assert.equal(readFileSync(Buffer.concat([B(dir + '/'), Buffer.from([0xc3, 0x28])]), 'latin1'), 'guest made');
}));

test('host changes are seen: replaced, removed and added names, a directory turned symlink', () => withScratch('hostfs-reval', (dir) => {
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd/f'), 'one');
  const { p } = setup(dir);
  const before = p.fstatat(AT_FDCWD, '/d/f');
  assert.equal(readAll(p, '/d/f'), 'one');
  writeFileSync(join(dir, 'd/f.new'), 'two!');
  renameSync(join(dir, 'd/f.new'), join(dir, 'd/f'));
  const after = p.fstatat(AT_FDCWD, '/d/f');
  assert.notEqual(after.ino, before.ino);
  assert.equal(after.ino, Number(lstatSync(join(dir, 'd/f'), { bigint: true }).ino));
  assert.equal(after.size, 4);
  assert.equal(readAll(p, '/d/f'), 'two!');
  unlinkSync(join(dir, 'd/f'));
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/d/f')), 'ENOENT');
  writeFileSync(join(dir, 'd/g'), 'new');
  assert.deepEqual(list(p, '/d'), ['g']);
  // The directory becomes a symlink: the VFS follows it, inside the guest's root.
  mkdirSync(join(dir, 'e'));
  writeFileSync(join(dir, 'e/g'), 'in e');
  renameSync(join(dir, 'd'), join(dir, 'd.old'));
  symlinkSync('/e', join(dir, 'd'));
  assert.equal(readAll(p, '/d/g'), 'in e');
  assert.equal(p.readlinkat(AT_FDCWD, '/d'), '/e');
}));

test('an open file keeps working after the host unlinks or renames it', () => withScratch('hostfs-open', (dir) => {
  writeFileSync(join(dir, 'f'), 'abc');
  const { p } = setup(dir);
  const fd = p.openat(AT_FDCWD, '/f', O_RDWR);
  renameSync(join(dir, 'f'), join(dir, 'g'));
  p.pwrite(fd, B('XY'), 1);
  assert.equal(readFileSync(join(dir, 'g'), 'latin1'), 'aXY');
  unlinkSync(join(dir, 'g'));
  p.pwrite(fd, B('Z'), 3);
  const buf = new Uint8Array(8);
  assert.equal(Buffer.from(buf.subarray(0, p.pread(fd, buf, 0))).toString(), 'aXYZ');
  const st = p.fstat(fd);
  assert.equal(st.nlink, 0);
  assert.equal(st.size, 4);
  p.close(fd);
}));

test('setattr acts on the object the guest holds, not on what has its old name now', () => withScratch('hostfs-setattr', (dir) => {
  writeFileSync(join(dir, 'f'), 'mine', { mode: 0o644 });
  const { p } = setup(dir);
  const fd = p.openat(AT_FDCWD, '/f', O_RDONLY);
  const path = p.openat(AT_FDCWD, '/f', O_PATH);
  renameSync(join(dir, 'f'), join(dir, 'moved'));
  writeFileSync(join(dir, 'f'), 'impostor', { mode: 0o644 });
  p.fchmod(fd, 0o600);
  p.futimens(fd, [{ sec: 1000, nsec: 5 }, { sec: 2000, nsec: 7 }]);
  p.fchownat(path, '', 123, 456, AT_EMPTY_PATH);
  const moved = lstatSync(join(dir, 'moved'), { bigint: true });
  assert.equal(Number(moved.mode) & 0o7777, 0o600);
  assert.equal(moved.mtimeNs, 2000n * 1000000000n + 7n);
  assert.equal([moved.uid, moved.gid].join(), isRoot() ? '123,456' : `${moved.uid},${moved.gid}`);
  const impostor = lstatSync(join(dir, 'f'));
  assert.equal(impostor.mode & 0o7777, 0o644);
  assert.notEqual(impostor.mtimeMs, 2000000);
  p.close(fd);
  p.close(path);
}));

test('readOnly: every write is EROFS and the host tree stays as it was', () => withScratch('hostfs-ro', (dir) => {
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'f'), 'data');
  symlinkSync('f', join(dir, 'l'));
  const snapshot = (): string => execFileSync('find', [dir, '-printf', '%p %y %m %s %n %T@ %C@\\n']).toString();
  const before = snapshot();
  const { p } = setup(dir, { readOnly: true });
  assert.equal(readAll(p, '/f'), 'data');
  assert.deepEqual(list(p, '/'), ['d', 'f', 'l']);
  const writes: [string, () => unknown][] = [
    ['open for writing', () => p.openat(AT_FDCWD, '/f', O_WRONLY)],
    ['create', () => p.openat(AT_FDCWD, '/new', O_CREAT | O_WRONLY, 0o644)],
    ['O_TMPFILE', () => p.openat(AT_FDCWD, '/d', O_TMPFILE | O_RDWR, 0o600)],
    ['mkdir', () => p.mkdirat(AT_FDCWD, '/nd', 0o755)],
    ['mknod', () => p.mknodat(AT_FDCWD, '/wh', S_IFCHR, 0)],
    ['symlink', () => p.symlinkat('x', AT_FDCWD, '/nl')],
    ['link', () => p.linkat(AT_FDCWD, '/f', AT_FDCWD, '/f2')],
    ['unlink', () => p.unlinkat(AT_FDCWD, '/f')],
    ['rmdir', () => p.unlinkat(AT_FDCWD, '/d', AT_REMOVEDIR)],
    ['rename', () => p.renameat2(AT_FDCWD, '/f', AT_FDCWD, '/g')],
    ['chmod', () => p.fchmodat(AT_FDCWD, '/f', 0o600)],
    ['chown', () => p.fchownat(AT_FDCWD, '/f', 1, 1)],
    ['utimensat', () => p.utimensat(AT_FDCWD, '/f', null)],
    ['truncate', () => p.truncate('/f', 0)],
    ['setxattr', () => p.setxattr('/f', 'user.x', B('1'))],
    ['removexattr', () => p.removexattr('/f', 'user.x')],
  ];
  for (const [name, fn] of writes) assert.equal(code(fn), 'EROFS', name);
  assert.equal(p.statfs('/').flags & 1, 1);
  assert.equal(snapshot(), before);
}));

test('errors are the host\'s errno: an immutable file refuses with EPERM', { skip: !isRoot() && 'chattr +i needs root' }, () => withScratch('hostfs-errno', (dir) => {
  writeFileSync(join(dir, 'f'), 'fixed');
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd/x'), '');
  execFileSync('chattr', ['+i', join(dir, 'f')]);
  try {
    const { p } = setup(dir);
    // The core sees a writable 0644 file owned by root; only the host knows better.
    assert.equal(code(() => p.openat(AT_FDCWD, '/f', O_WRONLY)), 'EPERM');
    assert.equal(code(() => p.unlinkat(AT_FDCWD, '/f')), 'EPERM');
    assert.equal(code(() => p.fchmodat(AT_FDCWD, '/f', 0o600)), 'EPERM');
    assert.equal(code(() => p.setxattr('/f', 'user.a', B('1'))), 'EPERM');
    assert.equal(code(() => p.unlinkat(AT_FDCWD, '/d', AT_REMOVEDIR)), 'ENOTEMPTY');
    assert.equal(readAll(p, '/f'), 'fixed');
  } finally {
    execFileSync('chattr', ['-i', join(dir, 'f')]);
  }
}));

test('hard links share one inode whose number is the host st_ino', () => withScratch('hostfs-ino', (dir) => {
  const { p } = setup(dir);
  writeAll(p, '/a', 'x');
  p.linkat(AT_FDCWD, '/a', AT_FDCWD, '/b');
  const a = p.fstatat(AT_FDCWD, '/a');
  const b = p.fstatat(AT_FDCWD, '/b');
  assert.equal(a.ino, b.ino);
  assert.equal(a.nlink, 2);
  assert.equal(a.ino, Number(lstatSync(join(dir, 'b'), { bigint: true }).ino));
  assert.notEqual(a.dev, 0);
}));

test('readdir cookies fit 31 bits, resume after host changes, never repeat or skip a survivor', () => withScratch('hostfs-readdir', (dir) => {
  for (let i = 0; i < 300; i++) writeFileSync(join(dir, `f${i}`), '');
  const { p } = setup(dir);
  const fd = p.openat(AT_FDCWD, '/', O_RDONLY | O_DIRECTORY);
  const first = p.getdents64(fd, 1024);
  const cookie = first[first.length - 1]!.off;
  const seen = first.map((e) => e.rawName).filter((n) => n !== '.' && n !== '..');
  // The host removes and adds entries while the listing is half done.
  const removed = new Set<string>();
  for (let i = 0; i < 300; i += 7) {
    if (seen.includes(`f${i}`)) continue;
    unlinkSync(join(dir, `f${i}`));
    removed.add(`f${i}`);
  }
  for (let i = 0; i < 50; i++) writeFileSync(join(dir, `g${i}`), '');
  // A second descriptor resumes at the same cookie (telldir/seekdir across opens).
  const fd2 = p.openat(AT_FDCWD, '/', O_RDONLY | O_DIRECTORY);
  p.lseek(fd2, cookie, SEEK_SET);
  const rest: string[] = [];
  const rest2: string[] = [];
  for (let e = p.getdents64(fd, 1024); e.length > 0; e = p.getdents64(fd, 1024)) {
    for (const x of e) {
      assert.ok(x.off > 0 && x.off < 2 ** 31);
      rest.push(x.rawName);
    }
  }
  for (let e = p.getdents64(fd2, 1024); e.length > 0; e = p.getdents64(fd2, 1024)) rest2.push(...e.map((x) => x.rawName));
  for (const listing of [rest, rest2]) {
    const all = [...seen, ...listing];
    assert.equal(new Set(all).size, all.length, 'an entry was listed twice');
    for (let i = 0; i < 300; i++) {
      const n = `f${i}`;
      if (!removed.has(n)) assert.ok(all.includes(n), `${n} existed throughout and was skipped`);
    }
  }
  // The fresh descriptor read the directory after the changes: no removed name, every new one.
  for (const n of removed) assert.ok(!rest2.includes(n));
  for (let i = 0; i < 50; i++) assert.ok(rest2.includes(`g${i}`));
  p.close(fd);
  p.close(fd2);
}));

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

test('host descriptors stay bounded; an evicted inode is found again, a replaced one is ESTALE', () => withScratch('hostfs-evict', (dir) => {
  mkdirSync(join(dir, 'cwd'));
  for (let i = 0; i < 400; i++) writeFileSync(join(dir, `f${i}`), `${i}`);
  const { p, fs } = setup(dir, { maxCachedFds: 16 });
  p.chdir('/cwd');
  const base = openDescriptors();
  for (let i = 0; i < 400; i++) p.fstatat(AT_FDCWD, `/f${i}`);
  assert.ok(openDescriptors() - base <= 16, `${openDescriptors() - base} descriptors for 400 inodes`);
  // f0 was evicted long ago: it is found again by its name, and is the same object.
  assert.equal(readAll(p, '/f0'), '0');
  assert.equal(p.fstatat(AT_FDCWD, '/f0').ino, Number(lstatSync(join(dir, 'f0')).ino));
  // The working directory's descriptor was evicted too; the host moves it and puts another
  // directory in its place. Creating in the cwd must not land in the impostor.
  renameSync(join(dir, 'cwd'), join(dir, 'moved'));
  mkdirSync(join(dir, 'cwd'));
  assert.equal(code(() => writeAll(p, 'new', 'x')), 'ESTALE');
  assert.deepEqual(readdirSync(join(dir, 'cwd')), []);
  assert.deepEqual(readdirSync(join(dir, 'moved')), []);
  fs.close();
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/f1')), 'EIO');
}));

test('a synchronous create and unlink loop holds no descriptor of unlinked files', () => withScratch('hostfs-churn', (dir) => {
  const { p } = setup(dir);
  const base = openDescriptors();
  for (let i = 0; i < 5000; i++) {
    writeAll(p, `/t${i & 3}`, 'x');
    p.unlinkat(AT_FDCWD, `/t${i & 3}`);
  }
  assert.ok(openDescriptors() - base <= 2, `${openDescriptors() - base} descriptors left`);
  // The price: an O_PATH descriptor of an unlinked file no one has open is stale (Linux
  // would still stat it); an open file keeps its object.
  writeAll(p, '/kept', 'k');
  const path = p.openat(AT_FDCWD, '/kept', O_PATH);
  const open = p.openat(AT_FDCWD, '/kept', O_RDONLY);
  p.unlinkat(AT_FDCWD, '/kept');
  assert.equal(p.fstat(path).nlink, 0);
  p.close(open);
  assert.equal(code(() => p.fstat(path)), 'ESTALE');
  p.close(path);
}));

test('whiteouts, RENAME_EXCHANGE and trusted xattrs make a host dir a kernel overlay upper', { skip: !isRoot() && 'mknod and mount need root' }, () => withScratch('hostfs-overlay', (dir) => {
  for (const d of ['lower', 'lower/dir', 'upper', 'work', 'merged']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'lower/gone'), 'lower');
  writeFileSync(join(dir, 'lower/dir/hidden'), 'lower');
  writeFileSync(join(dir, 'lower/kept'), 'lower');
  const { p } = setup(join(dir, 'upper'));
  p.mknodat(AT_FDCWD, '/gone', S_IFCHR, 0);
  p.mkdirat(AT_FDCWD, '/dir', 0o755);
  p.setxattr('/dir', 'trusted.overlay.opaque', B('y'));
  writeAll(p, '/dir/a', 'A');
  writeAll(p, '/dir/b', 'B');
  p.renameat2(AT_FDCWD, '/dir/a', AT_FDCWD, '/dir/b', RENAME_EXCHANGE);
  writeAll(p, '/w', 'w');
  p.renameat2(AT_FDCWD, '/w', AT_FDCWD, '/w2', RENAME_WHITEOUT);
  const wh = lstatSync(join(dir, 'upper/gone'));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0);
  assert.equal(p.fstatat(AT_FDCWD, '/w', AT_SYMLINK_NOFOLLOW).mode & S_IFMT, S_IFCHR);
  assert.equal(execFileSync('getfattr', ['--absolute-names', '--only-values', '-n', 'trusted.overlay.opaque', join(dir, 'upper/dir')]).toString(), 'y');
  const merged = join(dir, 'merged');
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`, merged]);
  try {
    assert.deepEqual(readdirSync(merged).sort(), ['dir', 'kept', 'w2']);
    assert.deepEqual(readdirSync(join(merged, 'dir')).sort(), ['a', 'b']);
    assert.equal(readFileSync(join(merged, 'dir/a'), 'utf8'), 'B');
  } finally {
    execFileSync('umount', [merged]);
  }
}));

test('O_TMPFILE: an unnamed file gets its name with linkat(AT_EMPTY_PATH)', () => withScratch('hostfs-tmpfile', (dir) => {
  const { p } = setup(dir);
  const fd = p.openat(AT_FDCWD, '/', O_TMPFILE | O_RDWR, 0o640);
  p.write(fd, enc.encode('anonymous'));
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(p.fstat(fd).nlink, 0);
  p.linkat(fd, '', AT_FDCWD, '/named', AT_EMPTY_PATH);
  p.close(fd);
  assert.equal(readFileSync(join(dir, 'named'), 'utf8'), 'anonymous');
  assert.equal(lstatSync(join(dir, 'named')).mode & 0o777, 0o640);
}));

test('new objects belong to the guest\'s uid and gid when the host process is root', { skip: !isRoot() && 'chown needs root' }, () => withScratch('hostfs-owner', (dir) => {
  const vfs = new VirtualFileSystem();
  vfs.mount(new HostFs(dir), '/');
  const root = vfs.createProcess();
  root.fchmodat(AT_FDCWD, '/', 0o777);
  const user = vfs.createProcess({ cred: { uid: 1000, gid: 1001 }, umask: 0o077 });
  writeAll(user, '/f', 'x', O_CREAT | O_WRONLY, 0o666);
  user.mkdirat(AT_FDCWD, '/d', 0o777);
  user.symlinkat('f', AT_FDCWD, '/l');
  for (const [name, mode] of [['f', 0o600], ['d', 0o700], ['l', -1]] as const) {
    const st = lstatSync(join(dir, name));
    assert.equal(`${st.uid}:${st.gid}`, '1000:1001', name);
    if (mode >= 0) assert.equal(st.mode & 0o7777, mode, name);
  }
}));

test('the creator may write a file it made read-only, even through an unprivileged host process', {
  skip: !isRoot() && 'needs root to run a child as another user',
}, () => withScratch('hostfs-creator', (dir) => {
  execFileSync('chown', ['65534:65534', dir]);
  // A world-readable copy: the checkout may be where the unprivileged user cannot go.
  const mod = join(readableCopy(), 'dist', 'src', 'node', 'mod.js');
  const core = join(readableCopy(), 'dist', 'src', 'mod.js');
  const script = `
    import { VirtualFileSystem, AT_FDCWD, O_CREAT, O_EXCL, O_RDWR } from ${JSON.stringify(core)};
    import { HostFs } from ${JSON.stringify(mod)};
    const vfs = new VirtualFileSystem();
    vfs.mount(new HostFs(${JSON.stringify(dir)}), '/');
    const p = vfs.createProcess({ cred: { uid: 65534, gid: 65534 } });
    // As git writes its objects: O_CREAT|O_EXCL|O_RDWR with mode 0444.
    const fd = p.openat(AT_FDCWD, '/obj', O_CREAT | O_EXCL | O_RDWR, 0o444);
    p.write(fd, new TextEncoder().encode('blob'));
    p.close(fd);
  `;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const st = lstatSync(join(dir, 'obj'));
  assert.equal(st.mode & 0o7777, 0o444);
  assert.equal(st.uid, 65534);
  assert.equal(readFileSync(join(dir, 'obj'), 'utf8'), 'blob');
}));

test('a mount inside the directory is crossed, and its inode numbers are vroot\'s own', { skip: !isRoot() && 'mount needs root' }, () => withScratch('hostfs-mount', (dir) => {
  mkdirSync(join(dir, 'mnt'));
  writeFileSync(join(dir, 'outer'), '');
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(dir, 'mnt')]);
  try {
    writeFileSync(join(dir, 'mnt/inner'), 'on tmpfs');
    const { p, fs } = setup(dir);
    assert.equal(readAll(p, '/mnt/inner'), 'on tmpfs');
    const inner = p.fstatat(AT_FDCWD, '/mnt/inner');
    const outer = p.fstatat(AT_FDCWD, '/outer');
    assert.ok(inner.ino >= 2 ** 52, `${inner.ino}`);
    assert.ok(outer.ino < 2 ** 52);
    assert.equal(inner.dev, outer.dev);
    fs.close();
  } finally {
    execFileSync('umount', [join(dir, 'mnt')]);
  }
}));

test('symlinks are resolved by the VFS inside the root, never by the host', () => withScratch('hostfs-symlink', (dir) => {
  mkdirSync(join(dir, 'root'));
  writeFileSync(join(dir, 'secret'), 'outside');
  symlinkSync('/etc', join(dir, 'root/etc'));
  symlinkSync('../secret', join(dir, 'root/up'));
  symlinkSync(join(dir, 'secret'), join(dir, 'root/abs'));
  const { p } = setup(join(dir, 'root'));
  // /etc is the link itself, inside the root: it loops.
  assert.equal(code(() => readAll(p, '/etc/passwd')), 'ELOOP');
  assert.equal(code(() => readAll(p, '/up')), 'ENOENT');
  assert.equal(code(() => readAll(p, '/abs')), 'ENOENT');
  writeAll(p, '/secret', 'decoy');
  assert.equal(readAll(p, '/up'), 'decoy');
}));

test('a hard link the host made to an outside file is inside: the host decided', () => withScratch('hostfs-hardlink', (dir) => {
  mkdirSync(join(dir, 'root'));
  writeFileSync(join(dir, 'shared'), 'shared by the host');
  linkSync(join(dir, 'shared'), join(dir, 'root/shared'));
  const { p } = setup(join(dir, 'root'));
  assert.equal(readAll(p, '/shared'), 'shared by the host');
}));

test('statfs describes the host filesystem', () => withScratch('hostfs-statfs', (dir) => {
  const { p } = setup(dir);
  const st = p.statfs('/');
  assert.equal(st.type.toString(16), execFileSync('stat', ['-f', '-c', '%t', dir]).toString().trim());
  assert.equal(st.bsize, Number(execFileSync('stat', ['-f', '-c', '%S', dir]).toString().trim()));
  assert.equal(st.namelen, 255);
}));

test('a HostFs on a missing directory fails with the host errno', () => {
  assert.throws(() => new HostFs('/nonexistent/vroot-hostfs'), (e: unknown) => e instanceof VfsError && e.code === 'ENOENT');
  assert.throws(() => new HostFs('/etc/passwd'), (e: unknown) => e instanceof VfsError && e.code === 'ENOTDIR');
});

test('without the native addon HostFs says how to build it', () => {
  assert.throws(() => loadHostCalls('/nonexistent/vroot_hostfs.node'), /not built.*npm install/s);
});

