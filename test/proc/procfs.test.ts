// Hand-written procfs cases, each named after the behaviour it pins down: what the kernel
// oracle cannot show (several vroot processes and threads, exit, executables, other users'
// processes, memory), and the answers Linux's fs/proc sources give for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, Cred, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_PATH, O_RDONLY, O_RDWR,
  O_WRONLY, ProcFs, RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_XDEV,
  S_IFDIR, S_IFLNK, S_IFMT, Tmpfs, VirtualFileSystem, type Capability, type Process,
} from '../../src/mod.js';
import { rootDentryOf } from '../../src/vfs/dentry.js';
import { code } from '../_errno.js';

function setup(): { vfs: VirtualFileSystem; p: Process; proc: ProcFs } {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  p.mkdirat(AT_FDCWD, '/proc', 0o555);
  const proc = new ProcFs();
  vfs.mount(proc, '/proc');
  return { vfs, p, proc };
}


const enc = new TextEncoder();
const dec = new TextDecoder();

function writeFile(p: Process, path: string, text: string, mode = 0o644): void {
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, mode);
  p.write(fd, enc.encode(text));
  p.close(fd);
}

function readFd(p: Process, fd: number): string {
  const buf = new Uint8Array(1 << 16);
  let out = '';
  for (;;) {
    const n = p.read(fd, buf);
    if (n === 0) return out;
    out += dec.decode(buf.subarray(0, n));
  }
}

function cat(p: Process, path: string): string {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    return readFd(p, fd);
  } finally {
    p.close(fd);
  }
}

function names(p: Process, path: string, bufferSize = 32768): string[] {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
  const out: string[] = [];
  try {
    for (;;) {
      const batch = p.getdents64(fd, bufferSize);
      if (batch.length === 0) return out;
      for (const e of batch) if (e.name !== '.' && e.name !== '..') out.push(e.name);
    }
  } finally {
    p.close(fd);
  }
}

test('/proc/self and /proc/thread-self name the process that walks, among interleaved processes and threads', () => {
  const { p } = setup();
  const q = p.clone();
  const t = p.clone({ thread: true, files: 'share', fs: 'share' });
  assert.notEqual(q.pid, p.pid);
  assert.equal(t.tgid, p.pid);
  assert.notEqual(t.pid, p.pid);
  // Calls of the three tasks interleave; each sees itself.
  for (let i = 0; i < 3; i++) {
    assert.equal(p.readlinkat(AT_FDCWD, '/proc/self'), String(p.pid));
    assert.equal(q.readlinkat(AT_FDCWD, '/proc/self'), String(q.pid));
    assert.equal(t.readlinkat(AT_FDCWD, '/proc/self'), String(p.pid));
    assert.equal(t.readlinkat(AT_FDCWD, '/proc/thread-self'), `${p.pid}/task/${t.pid}`);
    assert.equal(p.readlinkat(AT_FDCWD, '/proc/thread-self'), `${p.pid}/task/${p.pid}`);
  }
  // Following the links lands in each caller's own directory.
  assert.match(cat(q, '/proc/self/status'), new RegExp(`^Pid:\\t${q.pid}$`, 'm'));
  assert.match(cat(t, '/proc/thread-self/status'), new RegExp(`^Pid:\\t${t.pid}$`, 'm'));
  assert.match(cat(t, '/proc/self/status'), new RegExp(`^Pid:\\t${p.pid}$`, 'm'));
});

test('threads: task/ lists the group, /proc lists leaders only, a thread keeps its parent', () => {
  const { p } = setup();
  const child = p.clone();
  const t1 = child.clone({ thread: true, files: 'share', fs: 'share' });
  const t2 = child.clone({ thread: true, files: 'share', fs: 'copy' });
  assert.deepEqual(names(p, `/proc/${child.pid}/task`), [child.pid, t1.pid, t2.pid].map(String));
  assert.deepEqual(names(p, `/proc/${t1.pid}/task`), [child.pid, t1.pid, t2.pid].map(String));
  const listed = names(p, '/proc');
  assert.ok(listed.includes(String(child.pid)) && !listed.includes(String(t1.pid)), listed.join(' '));
  // A thread id is hidden from the listing but can be looked up, as on Linux.
  assert.equal(code(() => p.fstatat(AT_FDCWD, `/proc/${t1.pid}`)), 'OK');
  assert.equal(code(() => p.fstatat(AT_FDCWD, `/proc/${p.pid}/task/${t1.pid}`)), 'ENOENT');
  const status = cat(p, `/proc/${child.pid}/task/${t1.pid}/status`);
  assert.match(status, new RegExp(`^Tgid:\\t${child.pid}$`, 'm'));
  assert.match(status, new RegExp(`^PPid:\\t${p.pid}$`, 'm'));
  assert.match(status, /^Threads:\t3$/m);
  // A thread with its own fs context has its own cwd.
  p.mkdirat(AT_FDCWD, '/w', 0o755);
  t2.chdir('/w');
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/${child.pid}/task/${t2.pid}/cwd`), '/w');
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/${child.pid}/task/${t1.pid}/cwd`), '/');
  assert.equal(p.fstatat(AT_FDCWD, `/proc/${child.pid}/task`).nlink, 2 + 3);
  assert.deepEqual(names(p, `/proc/${child.pid}/task/${t1.pid}`), ['fd', 'fdinfo', 'status', 'cwd', 'root', 'exe', 'mounts', 'mountinfo']);
});

test('fd/N of an unlinked, renamed or replaced file reopens the very file', () => {
  const { p } = setup();
  p.mkdirat(AT_FDCWD, '/d', 0o755);
  writeFile(p, '/d/f', 'original');
  const fd = p.openat(AT_FDCWD, '/d/f', O_RDONLY);
  const path = p.openat(AT_FDCWD, '/d/f', O_PATH);
  p.renameat(AT_FDCWD, '/d', AT_FDCWD, '/e');
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), '/e/f');
  p.unlinkat(AT_FDCWD, '/e/f');
  writeFile(p, '/e/f', 'impostor');
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), '/e/f (deleted)');
  // Reopening through the link reaches the unlinked file, not the new one of the same name,
  // also through an O_PATH descriptor, and with more access than the descriptor had.
  const again = p.openat(AT_FDCWD, `/proc/self/fd/${path}`, O_RDWR);
  assert.equal(readFd(p, again), 'original');
  assert.equal(p.fstat(again).ino, p.fstat(fd).ino);
  p.write(again, enc.encode('!'));
  assert.equal(p.fstat(fd).size, 'original!'.length);
  assert.equal(cat(p, '/e/f'), 'impostor');
});

test('reopening through fd/N checks the inode permission, not the descriptor', () => {
  const { p } = setup();
  writeFile(p, '/mine', 'data', 0o644);
  p.fchownat(AT_FDCWD, '/mine', 1000, 1000);
  writeFile(p, '/theirs', 'data', 0o644);
  const user = p.clone();
  user.setCred(new Cred({ uid: 1000, gid: 1000 }));
  const a = user.openat(AT_FDCWD, '/mine', O_RDONLY);
  const b = user.openat(AT_FDCWD, '/theirs', O_RDONLY);
  assert.equal(code(() => user.close(user.openat(AT_FDCWD, `/proc/self/fd/${a}`, O_RDWR))), 'OK');
  assert.equal(code(() => user.openat(AT_FDCWD, `/proc/self/fd/${b}`, O_RDWR)), 'EACCES');
  assert.equal(code(() => user.close(user.openat(AT_FDCWD, `/proc/self/fd/${b}`, O_RDONLY))), 'OK');
});

test('magic links and RESOLVE_*: NO_MAGICLINKS is ELOOP, scoped lookups EXDEV, NO_XDEV across mounts', () => {
  const { p } = setup();
  writeFile(p, '/f', 'x');
  const fd = p.openat(AT_FDCWD, '/f', O_RDONLY);
  const fdDir = p.openat(AT_FDCWD, '/proc/self/fd', O_PATH | O_DIRECTORY);
  const status = p.openat(AT_FDCWD, '/proc/self/status', O_RDONLY);
  const open2 = (dirfd: number, path: string, resolve: number): string =>
    code(() => p.close(p.openat2(dirfd, path, { flags: O_RDONLY, resolve })));
  assert.equal(open2(AT_FDCWD, `/proc/self/fd/${fd}`, 0), 'OK');
  assert.equal(open2(AT_FDCWD, `/proc/self/fd/${fd}`, RESOLVE_NO_MAGICLINKS), 'ELOOP');
  assert.equal(open2(fdDir, String(fd), RESOLVE_BENEATH), 'EXDEV');
  assert.equal(open2(fdDir, String(fd), RESOLVE_IN_ROOT), 'EXDEV');
  // The magic link leaves procfs for the root tmpfs: NO_XDEV refuses; within procfs it may jump.
  assert.equal(open2(fdDir, String(fd), RESOLVE_NO_XDEV), 'EXDEV');
  assert.equal(open2(fdDir, String(status), RESOLVE_NO_XDEV), 'OK');
  // A closed descriptor is ENOENT even under NO_MAGICLINKS: the link is resolved first.
  p.close(fd);
  assert.equal(open2(fdDir, String(fd), RESOLVE_NO_MAGICLINKS), 'ENOENT');
  // O_PATH|O_NOFOLLOW opens the link itself; readlink of it still works.
  const link = p.openat(AT_FDCWD, `/proc/self/fd/${status}`, O_PATH | 0o400000);
  assert.equal(p.fstat(link).mode & S_IFMT, S_IFLNK);
  assert.equal(p.readlinkat(link, ''), `/proc/${p.pid}/status`);
});

test('a guest rooted in a RootFS sees guest paths; the host sees the RootFS prefix', () => {
  const { vfs, p } = setup();
  for (const d of ['/rootfs', '/rootfs/usr', '/rootfs/usr/lib', '/rootfs/proc', '/rootfs/tmp']) p.mkdirat(AT_FDCWD, d, 0o755);
  writeFile(p, '/rootfs/usr/lib/libc.so.6', 'ELF');
  p.symlinkat('/', AT_FDCWD, '/rootfs/usr/root');
  p.mount({ bind: '/proc' }, '/rootfs/proc');
  p.mount(new Tmpfs(), '/rootfs/tmp');
  const guest = vfs.createProcess({ root: '/rootfs', cwd: '/usr' });
  const lib = guest.openat(AT_FDCWD, 'root/usr/lib/libc.so.6', O_RDONLY);
  assert.equal(guest.readlinkat(AT_FDCWD, `/proc/self/fd/${lib}`), '/usr/lib/libc.so.6');
  assert.equal(guest.readlinkat(AT_FDCWD, '/proc/self/cwd'), '/usr');
  assert.equal(guest.readlinkat(AT_FDCWD, '/proc/self/root'), '/');
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/${guest.pid}/fd/${lib}`), '/rootfs/usr/lib/libc.so.6');
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/${guest.pid}/root`), '/rootfs');
  // The guest's mount table shows its own mounts from its root, and nothing outside it.
  const mountinfo = cat(guest, '/proc/self/mountinfo');
  assert.deepEqual(mountinfo.split('\n').filter((l) => l !== '').map((l) => l.split(' ')[4]), ['/proc', '/tmp']);
  assert.ok(!mountinfo.includes('rootfs'), mountinfo);
  assert.deepEqual(cat(guest, '/proc/mounts').split('\n').filter((l) => l !== '').map((l) => l.split(' ')[1]), ['/proc', '/tmp']);
  // The host sees the guest's table from the guest's root too, as Linux shows /proc/<pid>/mounts.
  assert.equal(cat(p, `/proc/${guest.pid}/mountinfo`), mountinfo);
});

test('readlink of an fd outside the reader root shows the namespace path, as d_path does', () => {
  const { vfs, p } = setup();
  p.mkdirat(AT_FDCWD, '/jail', 0o755);
  p.mkdirat(AT_FDCWD, '/jail/proc', 0o555);
  p.mount({ bind: '/proc' }, '/jail/proc');
  writeFile(p, '/outside', 'x');
  const fd = p.openat(AT_FDCWD, '/outside', O_RDONLY);
  p.chroot('/jail');
  // Unlike getcwd's "(unreachable)" marker, d_path gives the path from the namespace root.
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), '/outside');
  assert.equal(p.readlinkat(AT_FDCWD, '/proc/self/cwd'), '/');
  assert.equal(p.getcwd(), '(unreachable)/');
  void vfs;
});

test('pipes, fifos, devices and directories as fd links', () => {
  const { p } = setup();
  p.mkdirat(AT_FDCWD, '/dev', 0o755);
  p.mknodat(AT_FDCWD, '/dev/null', 0o020666, (1 << 8) | 3);
  p.mknodat(AT_FDCWD, '/fifo', 0o010644);
  const [r, w] = p.pipe2(0);
  const nul = p.openat(AT_FDCWD, '/dev/null', O_WRONLY);
  const fifo = p.openat(AT_FDCWD, '/fifo', O_RDONLY | 0o4000);
  const dir = p.openat(AT_FDCWD, '/dev', O_RDONLY | O_DIRECTORY);
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${r}`), `pipe:[${p.fstat(r).ino}]`);
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${w}`), `pipe:[${p.fstat(r).ino}]`);
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${nul}`), '/dev/null');
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fifo}`), '/fifo');
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${dir}`), '/dev');
  // lstat modes say how each is open: r-x reading, -wx writing.
  assert.equal(p.fstatat(AT_FDCWD, `/proc/self/fd/${r}`, AT_SYMLINK_NOFOLLOW).mode, S_IFLNK | 0o500);
  assert.equal(p.fstatat(AT_FDCWD, `/proc/self/fd/${w}`, AT_SYMLINK_NOFOLLOW).mode, S_IFLNK | 0o300);
  // Reopening a pipe's read end through /proc reads what the write end wrote.
  p.write(w, enc.encode('through the pipe'));
  const again = p.openat(AT_FDCWD, `/proc/self/fd/${r}`, O_RDONLY);
  const buf = new Uint8Array(64);
  assert.equal(dec.decode(buf.subarray(0, p.read(again, buf))), 'through the pipe');
});

test('fdinfo: position, octal flags with O_CLOEXEC from the descriptor, mount id and inode', () => {
  const { p } = setup();
  writeFile(p, '/f', 'hello world');
  const fd = p.openat(AT_FDCWD, '/f', O_RDWR | O_CLOEXEC);
  p.read(fd, new Uint8Array(5));
  const dup = p.dup(fd);
  const st = p.fstat(fd);
  assert.equal(cat(p, `/proc/self/fdinfo/${fd}`), `pos:\t5\nflags:\t02100002\nmnt_id:\t${st.mntId}\nino:\t${st.ino}\n`);
  assert.equal(cat(p, `/proc/self/fdinfo/${dup}`), `pos:\t5\nflags:\t0100002\nmnt_id:\t${st.mntId}\nino:\t${st.ino}\n`);
  // An fdinfo file opened before its descriptor closes says ENOENT when read.
  const info = p.openat(AT_FDCWD, `/proc/self/fdinfo/${dup}`, O_RDONLY);
  p.close(dup);
  assert.equal(code(() => p.read(info, new Uint8Array(64))), 'ENOENT');
  assert.deepEqual(names(p, '/proc/self/fdinfo'), names(p, '/proc/self/fd'));
});

test('other users: fd/ is closed to them, magic links need ptrace access, fdinfo too', () => {
  const { p } = setup();
  writeFile(p, '/f', 'x');
  const fd = p.openat(AT_FDCWD, '/f', O_RDONLY);
  const user = p.clone();
  user.setCred(new Cred({ uid: 1000, gid: 1000 }));
  const other = `/proc/${p.pid}`;
  assert.equal(code(() => user.readlinkat(AT_FDCWD, `${other}/fd/${fd}`)), 'EACCES');
  assert.equal(code(() => user.readlinkat(AT_FDCWD, `${other}/cwd`)), 'EACCES');
  assert.equal(code(() => user.openat(AT_FDCWD, `${other}/root/f`, O_RDONLY)), 'EACCES');
  assert.equal(code(() => user.openat(AT_FDCWD, `${other}/fdinfo/${fd}`, O_RDONLY)), 'EACCES');
  assert.equal(code(() => user.openat(AT_FDCWD, `${other}/fdinfo`, O_RDONLY | O_DIRECTORY)), 'EACCES');
  // Its status and mount table are readable by all.
  assert.match(cat(user, `${other}/status`), /^State:\tS \(sleeping\)$/m);
  assert.equal(code(() => cat(user, `${other}/mountinfo`)), 'OK');
  // Root without CAP_SYS_PTRACE may still list fd/ (CAP_DAC_READ_SEARCH) but not follow it.
  const caps: Capability[] = ['CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_SYS_ADMIN'];
  const rootish = p.clone();
  rootish.setCred(new Cred({ uid: 0, capabilities: caps }));
  const owner = p.clone();
  owner.setCred(new Cred({ uid: 1000, gid: 1000 }));
  const ownerFd = owner.openat(AT_FDCWD, '/f', O_RDONLY);
  assert.ok(names(rootish, `/proc/${owner.pid}/fd`).includes(String(ownerFd)));
  assert.equal(code(() => rootish.readlinkat(AT_FDCWD, `/proc/${owner.pid}/fd/${ownerFd}`)), 'EACCES');
  // The same user may look at its other processes.
  assert.equal(user.readlinkat(AT_FDCWD, `/proc/${owner.pid}/fd/${ownerFd}`), '/f');
  // Entries are owned by the task's effective ids.
  const st = p.fstatat(AT_FDCWD, `/proc/${owner.pid}/fd`);
  assert.deepEqual([st.uid, st.gid, st.mode], [1000, 1000, S_IFDIR | 0o500]);
});

test('exe: ENOENT until setExecutable; the file is pinned, its name is the command name', () => {
  const { vfs, p } = setup();
  p.mkdirat(AT_FDCWD, '/bin', 0o755);
  p.mkdirat(AT_FDCWD, '/mnt', 0o755);
  p.mount(new Tmpfs(), '/mnt');
  writeFile(p, '/mnt/program-with-a-long-name', '#!/bin/sh\n', 0o755);
  p.symlinkat('/mnt/program-with-a-long-name', AT_FDCWD, '/bin/prog');
  assert.equal(code(() => p.readlinkat(AT_FDCWD, '/proc/self/exe')), 'ENOENT');
  assert.equal(code(() => p.setExecutable(AT_FDCWD, '/mnt')), 'EACCES');
  p.setExecutable(AT_FDCWD, '/bin/prog');
  assert.equal(p.readlinkat(AT_FDCWD, '/proc/self/exe'), '/mnt/program-with-a-long-name');
  assert.match(cat(p, '/proc/self/status'), /^Name:\tprog$/m);
  const child = p.clone();
  assert.equal(child.readlinkat(AT_FDCWD, '/proc/self/exe'), '/mnt/program-with-a-long-name');
  p.setExecutable(AT_FDCWD, '/mnt/program-with-a-long-name');
  assert.match(cat(p, '/proc/self/status'), /^Name:\tprogram-with-a-$/m);
  // The executable keeps its mount busy, and its data after unlink.
  assert.equal(code(() => p.umount2('/mnt')), 'EBUSY');
  p.unlinkat(AT_FDCWD, '/mnt/program-with-a-long-name');
  assert.equal(p.readlinkat(AT_FDCWD, '/proc/self/exe'), '/mnt/program-with-a-long-name (deleted)');
  assert.equal(cat(p, '/proc/self/exe'), '#!/bin/sh\n');
  child.exit();
  p.exit();
  const q = vfs.createProcess();
  assert.equal(code(() => q.umount2('/mnt')), 'OK');
});

test('status: ids, sorted groups, umask, state and capabilities', () => {
  const { p } = setup();
  const q = p.clone();
  q.setCred(new Cred({ uid: 1000, gid: 100, groups: [27, 4, 100] }));
  q.umask(0o027);
  const s = cat(q, '/proc/self/status');
  assert.match(s, /^Umask:\t0027$/m);
  assert.match(s, /^State:\tR \(running\)$/m);
  assert.match(s, /^Uid:\t1000\t1000\t1000\t1000$/m);
  assert.match(s, /^Gid:\t100\t100\t100\t100$/m);
  assert.match(s, /^Groups:\t4 27 100 $/m);
  assert.match(s, /^CapEff:\t0000000000000000$/m);
  assert.match(cat(p, '/proc/self/status'), /^CapEff:\t00000000082c021f$/m);
  assert.match(cat(p, `/proc/${q.pid}/status`), /^State:\tS \(sleeping\)$/m);
  for (let i = 0; i < 70; i++) q.openat(AT_FDCWD, '/', O_PATH);
  assert.match(cat(q, '/proc/self/status'), /^FDSize:\t128$/m);
});

test('exit: the pid directory goes, open proc files fail as Linux, cached entries are dropped', () => {
  const { p, proc } = setup();
  const q = p.clone();
  writeFile(p, '/f', 'x');
  const qfd = q.openat(AT_FDCWD, '/f', O_RDONLY);
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/${q.pid}/fd/${qfd}`), '/f');
  const status = p.openat(AT_FDCWD, `/proc/${q.pid}/status`, O_RDONLY);
  const fdDir = p.openat(AT_FDCWD, `/proc/${q.pid}/fd`, O_RDONLY | O_DIRECTORY);
  const cwd = p.openat(AT_FDCWD, `/proc/${q.pid}`, O_PATH);
  const pidDir = p.openat(AT_FDCWD, `/proc/${q.pid}`, O_RDONLY | O_DIRECTORY);
  q.exit();
  assert.equal(code(() => p.getdents64(pidDir)), 'ENOENT');
  assert.equal(code(() => p.fstatat(AT_FDCWD, `/proc/${q.pid}`)), 'ENOENT');
  assert.equal(code(() => p.read(status, new Uint8Array(16))), 'ESRCH');
  assert.equal(code(() => p.getdents64(fdDir)), 'ENOENT');
  assert.equal(code(() => p.readlinkat(cwd, 'cwd')), 'ENOENT');
  assert.ok(!names(p, '/proc').includes(String(q.pid)));
  // Many short-lived processes leave no cached entries behind (proc_flush_pid).
  for (let i = 0; i < 200; i++) {
    const c = p.clone();
    c.readlinkat(AT_FDCWD, '/proc/self/cwd');
    c.readlinkat(AT_FDCWD, `/proc/thread-self/cwd`);
    c.exit();
  }
  const cached = [...(rootDentryOf(proc).children?.keys() ?? [])];
  assert.ok(cached.length < 10, `cached entries: ${cached.join(' ')}`);
});

test('readdir: cookies fit 31 bits and resume where a small buffer stopped', () => {
  const { p } = setup();
  for (let i = 0; i < 30; i++) p.clone();
  for (let i = 0; i < 40; i++) p.openat(AT_FDCWD, '/', O_PATH);
  for (const dir of ['/proc', '/proc/self', '/proc/self/fd', '/proc/self/fdinfo', '/proc/self/task']) {
    const all = names(p, dir);
    assert.deepEqual(names(p, dir, 48), all, dir);
    const fd = p.openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
    for (const e of p.getdents64(fd)) assert.ok(e.off > 0 && e.off <= 0x7fffffff, `${dir}: ${e.off}`);
    p.close(fd);
  }
  const root = names(p, '/proc');
  assert.deepEqual(root.slice(0, 3), ['mounts', 'self', 'thread-self']);
  // p and its 30 clones (the process vfs.mount used has exited).
  assert.equal(root.length, 3 + 31);
});

test('inode numbers are stable per object and distinct between objects', () => {
  const { p } = setup();
  const q = p.clone();
  const a = p.fstatat(AT_FDCWD, '/proc/self/status').ino;
  assert.equal(p.fstatat(AT_FDCWD, `/proc/${p.pid}/status`).ino, a);
  assert.equal(p.fstatat(AT_FDCWD, '/proc/self/status').ino, a);
  assert.notEqual(q.fstatat(AT_FDCWD, '/proc/self/status').ino, a);
  assert.notEqual(p.fstatat(AT_FDCWD, `/proc/${p.pid}/task/${p.pid}/status`).ino, a);
  assert.equal(p.fstatat(AT_FDCWD, '/proc').ino, 1);
});

test('writes into /proc: ENOENT for new names, EPERM in pid directories, EINVAL for writes', () => {
  const { p } = setup();
  const user = p.clone();
  user.setCred(new Cred({ uid: 1000, gid: 1000 }));
  for (const proc of [p, user]) {
    assert.equal(code(() => proc.mkdirat(AT_FDCWD, '/proc/self/x', 0o755)), 'ENOENT');
    assert.equal(code(() => proc.openat(AT_FDCWD, '/proc/new', O_CREAT | O_WRONLY, 0o644)), 'ENOENT');
    assert.equal(code(() => proc.unlinkat(AT_FDCWD, '/proc/self/status')), 'EPERM');
    assert.equal(code(() => proc.fchmodat(AT_FDCWD, '/proc/self/status', 0o777)), 'EPERM');
    assert.equal(code(() => proc.fchownat(AT_FDCWD, '/proc/self', 0, 0)), 'EPERM');
  }
  const fd = p.openat(AT_FDCWD, '/proc/self/status', O_WRONLY);
  assert.equal(code(() => p.write(fd, enc.encode('x'))), 'EINVAL');
  assert.equal(code(() => user.openat(AT_FDCWD, '/proc/self/status', O_WRONLY)), 'EACCES');
});

test('a procfs shows the VirtualFileSystem it is mounted in, and no other', () => {
  const { vfs, p, proc } = setup();
  const other = new VirtualFileSystem();
  other.mount(new Tmpfs(), '/');
  const stranger = other.createProcess();
  stranger.mkdirat(AT_FDCWD, '/proc', 0o555);
  assert.equal(code(() => other.mount(proc, '/proc')), 'EBUSY');
  assert.equal(proc.vfs, vfs);
  // Mounted again in its own VFS it is the same procfs (same inodes).
  p.mkdirat(AT_FDCWD, '/proc2', 0o555);
  p.mount(proc, '/proc2');
  assert.equal(p.fstatat(AT_FDCWD, '/proc2/self/status').ino, p.fstatat(AT_FDCWD, '/proc/self/status').ino);
  // A fresh procfs in the other VFS shows only its processes.
  other.mount(new ProcFs(), '/proc');
  assert.deepEqual(names(stranger, '/proc').filter((n) => /^\d+$/.test(n)), [String(stranger.pid)]);
});
