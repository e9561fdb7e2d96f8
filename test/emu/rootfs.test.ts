// The merged RootFS preset on the scenarios FEX-Emu and pressure-vessel users reported: a guest
// RootFS directory over a fake host root (a scratch directory, never the machine's /), with
// bypass paths, emulated files and the blessed host-path API. Each test names what it checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, S_IFDIR, S_IFLNK, S_IFMT,
  S_IFREG, Tmpfs, byteStringToUtf8, formatBwrapArgs, mergedRootfs, parseBwrapArgs, rewriteBwrapArgs,
  rootfsBwrapMapping, VirtualFileSystem, type Process,
} from '../../src/mod.js';
import { hostMergedRootfs, type HostMergedRootfs, type HostMergedRootfsOptions } from '../../src/node/mod.js';
import { code } from '../_errno.js';
import { listDir, readText, scratch, type Scratch, type TreeEntry } from './rootfs/_scene.js';

const HOST: TreeEntry[] = [
  { file: 'usr/bin/hosttool', text: 'host tool' },
  { file: 'usr/lib/libhost.so', text: 'libhost' },
  { file: 'usr/lib/shared.so', text: 'host shared' },
  { file: 'etc/hostname', text: 'hosty' },
  { file: 'etc/os-release', text: 'ID=host' },
  { file: 'home/user/cfg', text: 'user cfg' },
  { link: 'home/user/libfoo-link', to: '/usr/lib/libfoo.so' },
  { link: 'usr/bin/host-to-rootfs', to: '/usr/lib/libfoo.so' },
  { file: 'tmp/hostscratch', text: 'tmp file' },
  { file: 'opt/hostonly/x', text: 'host opt' },
];

const ROOTFS: TreeEntry[] = [
  { file: 'usr/lib/libfoo.so', text: 'libfoo from the RootFS' },
  { file: 'usr/lib/shared.so', text: 'RootFS shared' },
  { link: 'usr/lib/libfoo.so.1', to: 'libfoo.so' },
  { link: 'usr/lib64', to: '/usr/lib' },
  { link: 'usr/rootlink', to: '/' },
  { file: 'usr/bin/guesttool', text: 'guest tool' },
  { file: 'etc/os-release', text: 'ID=guest' },
  { link: 'etc/usercfg', to: '/home/user/cfg' },
  { link: 'etc/hosttool-link', to: '/usr/bin/hosttool' },
  { file: 'tmp/rootfs-tmp', text: 'hidden by the /tmp bypass' },
  { file: 'opt/game/data.txt', text: 'game data' },
  { link: 'etc/gamecfg', to: '/opt/game/data.txt' },
];

interface Scene {
  s: Scratch;
  r: HostMergedRootfs;
  p: Process;
  done(): void;
}

function scene(options: Partial<HostMergedRootfsOptions> = {}, host: TreeEntry[] = HOST, rootfs: TreeEntry[] = ROOTFS): Scene {
  const s = scratch(host, rootfs);
  let r: HostMergedRootfs;
  try {
    r = hostMergedRootfs({ rootfs: s.rootfs, host: s.host, home: '/home/user', ...options });
  } catch (e) {
    s.dispose();
    throw e;
  }
  return { s, r, p: r.process, done: () => { r.close(); s.dispose(); } };
}

function typeOf(p: Process, path: string, flags = 0): number {
  return p.fstatat(AT_FDCWD, path, flags).mode & S_IFMT;
}

const enc = new TextEncoder();

function writeGuest(p: Process, path: string, text: string): void {
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
  p.write(fd, enc.encode(text));
  p.close(fd);
}

test('a symlink to / inside the RootFS stays a symlink to the guest root', () => {
  const { p, done } = scene();
  try {
    assert.equal(typeOf(p, '/usr/rootlink', AT_SYMLINK_NOFOLLOW), S_IFLNK);
    assert.equal(p.readlinkat(AT_FDCWD, '/usr/rootlink'), '/');
    const root = p.fstatat(AT_FDCWD, '/');
    const viaLink = p.fstatat(AT_FDCWD, '/usr/rootlink');
    assert.deepEqual([viaLink.dev, viaLink.ino], [root.dev, root.ino]);
    // Through the link: RootFS files, host files and bypass paths, as from the guest's `/`.
    assert.equal(readText(p, '/usr/rootlink/usr/lib/libfoo.so'), 'libfoo from the RootFS');
    assert.equal(readText(p, '/usr/rootlink/etc/hostname'), 'hosty');
    assert.equal(readText(p, '/usr/rootlink/home/user/cfg'), 'user cfg');
    assert.equal(readText(p, '/usr/rootlink/usr/rootlink/usr/rootlink/usr/bin/hosttool'), 'host tool');
    assert.deepEqual(listDir(p, '/usr/rootlink/'), listDir(p, '/'));
    // `..` after the link climbs from where it led (the root stays the root).
    assert.equal(readText(p, '/usr/rootlink/../etc/os-release'), 'ID=guest');
    p.chdir('/usr/rootlink/usr');
    assert.equal(p.getcwd(), '/usr');
  } finally {
    done();
  }
});

test('absolute symlinks from host directories into the RootFS resolve in the merged view', () => {
  const { p, done } = scene();
  try {
    // /home/user is a bypass (host) directory; /usr/bin merges, and the link is the host's.
    assert.equal(readText(p, '/home/user/libfoo-link'), 'libfoo from the RootFS');
    assert.equal(readText(p, '/usr/bin/host-to-rootfs'), 'libfoo from the RootFS');
    assert.equal(p.readlinkat(AT_FDCWD, '/home/user/libfoo-link'), '/usr/lib/libfoo.so');
    assert.equal(p.readlinkat(AT_FDCWD, '/usr/bin/host-to-rootfs'), '/usr/lib/libfoo.so');
    // A relative link inside the RootFS and an absolute link to a RootFS directory.
    assert.equal(readText(p, '/usr/lib/libfoo.so.1'), 'libfoo from the RootFS');
    assert.equal(readText(p, '/usr/lib64/libhost.so'), 'libhost');
    assert.equal(readText(p, '/usr/lib64/libfoo.so.1'), 'libfoo from the RootFS');
  } finally {
    done();
  }
});

test('absolute symlinks from the RootFS back to host paths resolve on the host', () => {
  const { s, p, done } = scene();
  try {
    assert.equal(readText(p, '/etc/usercfg'), 'user cfg');
    assert.equal(readText(p, '/etc/hosttool-link'), 'host tool');
    // Writing through a RootFS link into a bypass directory reaches the host file.
    const fd = p.openat(AT_FDCWD, '/etc/usercfg', O_WRONLY);
    p.write(fd, enc.encode('USER'));
    p.close(fd);
    assert.equal(readFileSync(join(s.host, 'home/user/cfg'), 'utf8'), 'USER cfg');
    assert.equal(p.readlinkat(AT_FDCWD, '/etc/usercfg'), '/home/user/cfg');
  } finally {
    done();
  }
});

test('a file present in both the RootFS and on the host is the RootFS copy', () => {
  const { p, done } = scene();
  try {
    assert.equal(readText(p, '/usr/lib/shared.so'), 'RootFS shared');
    assert.equal(readText(p, '/etc/os-release'), 'ID=guest');
  } finally {
    done();
  }
});

test('/proc/self/fd/N after an open through the RootFS shows the guest path', () => {
  const { s, p, done } = scene();
  try {
    const cases: [string, string][] = [
      ['/usr/lib/libfoo.so', '/usr/lib/libfoo.so'],
      ['/usr/lib/libfoo.so.1', '/usr/lib/libfoo.so'],
      ['/usr/lib64/libfoo.so', '/usr/lib/libfoo.so'],
      ['/usr/rootlink/usr/lib/libfoo.so', '/usr/lib/libfoo.so'],
      ['/home/user/libfoo-link', '/usr/lib/libfoo.so'],
      ['/etc/usercfg', '/home/user/cfg'],
      ['/usr/bin/hosttool', '/usr/bin/hosttool'],
      ['/usr/lib', '/usr/lib'],
      ['/tmp/hostscratch', '/tmp/hostscratch'],
    ];
    for (const [opened, shown] of cases) {
      const fd = p.openat(AT_FDCWD, opened, O_RDONLY);
      assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), shown, opened);
      if (typeOf(p, opened) === S_IFREG) assert.equal(readText(p, `/proc/self/fd/${fd}`), readText(p, opened), opened);
      p.close(fd);
    }
    // An unlinked RootFS file: the guest deleted it (a whiteout), the descriptor still reads it.
    const fd = p.openat(AT_FDCWD, '/usr/lib/libfoo.so', O_RDONLY);
    p.unlinkat(AT_FDCWD, '/usr/lib/libfoo.so');
    assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), '/usr/lib/libfoo.so (deleted)');
    assert.equal(readText(p, `/proc/self/fd/${fd}`), 'libfoo from the RootFS');
    p.close(fd);
    p.chdir('/usr/lib64');
    assert.equal(p.readlinkat(AT_FDCWD, '/proc/self/cwd'), '/usr/lib');
    assert.equal(p.getcwd(), '/usr/lib');
    // No answer the guest can get names the RootFS's or the upper's host location.
    const seen = [readText(p, '/proc/self/mounts'), readText(p, '/proc/self/mountinfo'), p.getcwd(),
      p.readlinkat(AT_FDCWD, '/proc/self/cwd'), p.readlinkat(AT_FDCWD, '/proc/self/root')].join('\n');
    assert.ok(!seen.includes(s.rootfs), seen);
  } finally {
    done();
  }
});

test('listing a merged directory shows entries of both sides, and whiteouts hide deleted ones', () => {
  const { s, p, done } = scene();
  try {
    assert.deepEqual(listDir(p, '/usr/lib'), ['libfoo.so', 'libfoo.so.1', 'libhost.so', 'shared.so']);
    assert.deepEqual(listDir(p, '/etc'), ['gamecfg', 'hostname', 'hosttool-link', 'os-release', 'usercfg']);
    assert.deepEqual(listDir(p, '/opt'), ['game', 'hostonly']);
    assert.deepEqual(listDir(p, '/'), ['dev', 'etc', 'home', 'opt', 'proc', 'run', 'sys', 'tmp', 'usr']);
    // Deleting names from either side (and from both) whites them out in the upper only.
    p.unlinkat(AT_FDCWD, '/usr/lib/libfoo.so');
    p.unlinkat(AT_FDCWD, '/usr/lib/libhost.so');
    p.unlinkat(AT_FDCWD, '/usr/lib/shared.so');
    assert.deepEqual(listDir(p, '/usr/lib'), ['libfoo.so.1']);
    assert.equal(code(() => p.fstatat(AT_FDCWD, '/usr/lib/shared.so')), 'ENOENT');
    assert.equal(code(() => p.fstatat(AT_FDCWD, '/usr/lib/libfoo.so.1')), 'ENOENT');
    assert.equal(readFileSync(join(s.rootfs, 'usr/lib/libfoo.so'), 'utf8'), 'libfoo from the RootFS');
    assert.equal(readFileSync(join(s.host, 'usr/lib/libhost.so'), 'utf8'), 'libhost');
    assert.equal(readFileSync(join(s.host, 'usr/lib/shared.so'), 'utf8'), 'host shared');
    // A name made again after its deletion is the new object, listed once.
    writeGuest(p, '/usr/lib/shared.so', 'new');
    assert.deepEqual(listDir(p, '/usr/lib'), ['libfoo.so.1', 'shared.so']);
    assert.equal(readText(p, '/usr/lib/shared.so'), 'new');
    // A whole merged directory removed and made again is empty (opaque).
    p.unlinkat(AT_FDCWD, '/opt/game/data.txt');
    p.unlinkat(AT_FDCWD, '/opt/game', AT_REMOVEDIR);
    p.unlinkat(AT_FDCWD, '/opt/hostonly/x');
    p.unlinkat(AT_FDCWD, '/opt/hostonly', AT_REMOVEDIR);
    assert.deepEqual(listDir(p, '/opt'), []);
    p.mkdirat(AT_FDCWD, '/opt/game', 0o755);
    assert.deepEqual(listDir(p, '/opt/game'), []);
    assert.ok(existsSync(join(s.rootfs, 'opt/game/data.txt')));
  } finally {
    done();
  }
});

test('bypass paths come from the host alone and write through to it', () => {
  const { s, p, done } = scene();
  try {
    // The RootFS's own /tmp is never looked at.
    assert.deepEqual(listDir(p, '/tmp'), ['hostscratch']);
    assert.equal(code(() => p.fstatat(AT_FDCWD, '/tmp/rootfs-tmp')), 'ENOENT');
    writeGuest(p, '/tmp/made-by-guest', 'guest data');
    assert.equal(readFileSync(join(s.host, 'tmp/made-by-guest'), 'utf8'), 'guest data');
    p.mkdirat(AT_FDCWD, '/home/user/dir', 0o700);
    p.renameat(AT_FDCWD, '/tmp/made-by-guest', AT_FDCWD, '/tmp/renamed');
    p.unlinkat(AT_FDCWD, '/tmp/hostscratch');
    assert.ok(existsSync(join(s.host, 'home/user/dir')));
    assert.ok(existsSync(join(s.host, 'tmp/renamed')));
    assert.ok(!existsSync(join(s.host, 'tmp/hostscratch')));
    // A rename between a bypass path and the merge crosses mounts.
    assert.equal(code(() => p.renameat(AT_FDCWD, '/tmp/renamed', AT_FDCWD, '/etc/renamed')), 'EXDEV');
    // The fake host's other directories are read-only layers: nothing the guest does changes them.
    writeGuest(p, '/usr/bin/hosttool', 'changed');
    assert.equal(readFileSync(join(s.host, 'usr/bin/hosttool'), 'utf8'), 'host tool');
    assert.equal(readText(p, '/usr/bin/hosttool'), 'changedol');
  } finally {
    done();
  }
});

test('writes outside bypass paths land in the upper, never in the RootFS or the host', () => {
  const { s, r, p, done } = scene();
  try {
    writeGuest(p, '/etc/new.conf', 'x');
    p.mkdirat(AT_FDCWD, '/usr/lib/newdir', 0o755);
    p.fchmodat(AT_FDCWD, '/usr/lib/libfoo.so', 0o600);
    p.symlinkat('/nowhere', AT_FDCWD, '/usr/newlink');
    assert.ok(!existsSync(join(s.rootfs, 'etc/new.conf')));
    assert.ok(!existsSync(join(s.host, 'etc/new.conf')));
    assert.ok(!existsSync(join(s.rootfs, 'usr/lib/newdir')));
    assert.equal(r.locate('/etc/new.conf').source, 'upper');
    assert.equal(r.hostPathOf('/etc/new.conf'), null);
    assert.equal(p.fstatat(AT_FDCWD, '/usr/lib/libfoo.so').mode & 0o7777, 0o600);
  } finally {
    done();
  }
  // With a host directory as the upper, the changes stay there and have host paths.
  const upperBase = scratch([], []);
  const upper = join(upperBase.dir, 'upper');
  mkdirSync(upper);
  const t = scene({ upper });
  try {
    writeGuest(t.p, '/etc/new.conf', 'kept');
    assert.equal(readFileSync(join(upper, 'etc/new.conf'), 'utf8'), 'kept');
    assert.deepEqual(t.r.locate('/etc/new.conf'), { source: 'upper', hostPath: join(upper, 'etc/new.conf') });
    t.p.unlinkat(AT_FDCWD, '/etc/os-release');
    assert.equal(code(() => t.p.fstatat(AT_FDCWD, '/etc/os-release')), 'ENOENT');
    assert.ok(existsSync(join(t.s.rootfs, 'etc/os-release')));
  } finally {
    t.done();
    upperBase.dispose();
  }
});

test('host changes made while the preset is live are seen', () => {
  const { s, p, done } = scene();
  try {
    assert.equal(code(() => p.fstatat(AT_FDCWD, '/usr/bin/newtool')), 'ENOENT');
    writeFileSync(join(s.host, 'usr/bin/newtool'), 'new host tool');
    assert.equal(readText(p, '/usr/bin/newtool'), 'new host tool');
    assert.ok(listDir(p, '/usr/bin').includes('newtool'));
    // The RootFS changes too (a tool updating it), and the RootFS still wins over the host.
    writeFileSync(join(s.rootfs, 'usr/bin/newtool'), 'new RootFS tool');
    assert.equal(readText(p, '/usr/bin/newtool'), 'new RootFS tool');
    unlinkSync(join(s.rootfs, 'usr/bin/newtool'));
    assert.equal(readText(p, '/usr/bin/newtool'), 'new host tool');
    unlinkSync(join(s.host, 'usr/bin/newtool'));
    assert.equal(code(() => p.fstatat(AT_FDCWD, '/usr/bin/newtool')), 'ENOENT');
    // A host file replaced by a directory; a bypass directory changed underneath.
    unlinkSync(join(s.host, 'etc/hostname'));
    mkdirSync(join(s.host, 'etc/hostname'));
    assert.equal(typeOf(p, '/etc/hostname'), S_IFDIR);
    renameSync(join(s.host, 'home/user/cfg'), join(s.host, 'home/user/cfg2'));
    assert.deepEqual(listDir(p, '/home/user'), ['cfg2', 'libfoo-link']);
    // A directory the guest is in keeps working when the host adds to it.
    p.chdir('/opt/hostonly');
    writeFileSync(join(s.host, 'opt/hostonly/y'), 'y');
    assert.equal(readText(p, 'y'), 'y');
    rmSync(join(s.rootfs, 'opt/game'), { recursive: true });
    assert.deepEqual(listDir(p, '/opt'), ['hostonly']);
  } finally {
    done();
  }
});

test('the blessed API gives host paths of every layer and of the RootFS, and is absent from the guest', () => {
  const { s, r, p, done } = scene();
  try {
    assert.equal(r.rootfsHostPath, s.rootfs);
    assert.deepEqual(r.locate('/usr/lib/libfoo.so'), { source: 'rootfs', hostPath: join(s.rootfs, 'usr/lib/libfoo.so') });
    assert.deepEqual(r.locate('/usr/lib64/libfoo.so.1'), { source: 'rootfs', hostPath: join(s.rootfs, 'usr/lib/libfoo.so') });
    assert.deepEqual(r.locate('/usr/lib64', { follow: false }), { source: 'rootfs', hostPath: join(s.rootfs, 'usr/lib64') });
    assert.deepEqual(r.locate('/usr/bin/hosttool'), { source: 'host', hostPath: join(s.host, 'usr/bin/hosttool') });
    assert.deepEqual(r.locate('/etc/hosttool-link'), { source: 'host', hostPath: join(s.host, 'usr/bin/hosttool') });
    assert.deepEqual(r.locate('/home/user/cfg'), { source: 'bypass', hostPath: join(s.host, 'home/user/cfg') });
    assert.deepEqual(r.locate('/tmp'), { source: 'bypass', hostPath: join(s.host, 'tmp') });
    // A merged directory is reported at the RootFS, which the guest sees first.
    assert.deepEqual(r.locate('/usr/lib'), { source: 'rootfs', hostPath: join(s.rootfs, 'usr/lib') });
    assert.deepEqual(r.locate('/opt/hostonly'), { source: 'host', hostPath: join(s.host, 'opt/hostonly') });
    assert.deepEqual(r.locate('/proc/self', { process: p }), { source: 'procfs', hostPath: null });
    // The trusted lookups are no process: /proc/self names nothing for them.
    assert.equal(code(() => r.locate('/proc/self')), 'ENOENT');
    assert.equal(code(() => r.locate('/missing')), 'ENOENT');
    // Resolved as a chrooted process sees it.
    const jailed = p.clone();
    jailed.chroot('/usr');
    assert.deepEqual(r.locate('/lib/libfoo.so', { process: jailed }), { source: 'rootfs', hostPath: join(s.rootfs, 'usr/lib/libfoo.so') });
    jailed.exit();
    // Bind mounts the guest makes of merged and bypassed directories are located too.
    p.mkdirat(AT_FDCWD, '/opt/lib', 0o755);
    p.mkdirat(AT_FDCWD, '/opt/home', 0o755);
    p.mount({ bind: '/usr/lib' }, '/opt/lib');
    p.mount({ bind: '/home/user' }, '/opt/home');
    assert.deepEqual(r.locate('/opt/lib/libfoo.so'), { source: 'rootfs', hostPath: join(s.rootfs, 'usr/lib/libfoo.so') });
    assert.deepEqual(r.locate('/opt/lib/libhost.so'), { source: 'host', hostPath: join(s.host, 'usr/lib/libhost.so') });
    assert.deepEqual(r.locate('/opt/home/cfg'), { source: 'bypass', hostPath: join(s.host, 'home/user/cfg') });
    p.mount(new Tmpfs(), '/opt/lib');
    assert.deepEqual(r.locate('/opt/lib'), { source: 'other', hostPath: null });
    // The preset's own lookups run as no process the guest can see.
    assert.deepEqual(listDir(p, '/proc').filter((n) => /^\d+$/.test(n)), [String(p.pid)]);
  } finally {
    done();
  }
});

test('emulated files show generated content at fixed paths, read-only', () => {
  let opens = 0;
  const { s, r, p, done } = scene({
    emulatedFiles: {
      '/proc/cpuinfo': () => `processor\t: ${opens++}\n`,
      '/etc/os-release': 'ID=emulated\n',
      '/etc/fex-marker': { content: new Uint8Array([1, 2, 3]), mode: 0o640 },
      '/sys/devices/online': '0-3\n',
      '/usr/lib/libfoo.so': 'emulated over a RootFS file',
      '/usr/lib64': 'emulated over a RootFS symlink',
      '/tmp/emulated': 'in a bypass directory',
    },
  }, [...HOST, { file: 'sys/devices/present', text: '0-7\n' }]);
  try {
    assert.equal(readText(p, '/proc/cpuinfo'), 'processor\t: 0\n');
    assert.equal(readText(p, '/proc/cpuinfo'), 'processor\t: 1\n');
    assert.ok(listDir(p, '/proc').includes('cpuinfo'));
    assert.ok(listDir(p, '/proc').includes('self'));
    assert.equal(readText(p, '/proc/self/mounts').includes(' /proc proc '), true);
    assert.equal(readText(p, '/etc/os-release'), 'ID=emulated\n');
    assert.equal(readText(p, '/usr/lib/libfoo.so'), 'emulated over a RootFS file');
    assert.equal(readText(p, '/usr/lib64'), 'emulated over a RootFS symlink');
    assert.equal(readText(p, '/usr/lib/libfoo.so.1'), 'emulated over a RootFS file');
    const marker = p.fstatat(AT_FDCWD, '/etc/fex-marker');
    assert.deepEqual([marker.mode, marker.size], [S_IFREG | 0o640, 3]);
    assert.ok(listDir(p, '/etc').includes('fex-marker'));
    assert.equal(readText(p, '/sys/devices/online'), '0-3\n');
    assert.deepEqual(listDir(p, '/sys/devices'), ['online', 'present']);
    assert.equal(readText(p, '/sys/devices/present'), '0-7\n');
    // Read-only, fixed: writes EROFS, no removal or rename (a mount point), and nothing on disk.
    assert.equal(code(() => p.openat(AT_FDCWD, '/etc/os-release', O_RDWR)), 'EROFS');
    assert.equal(code(() => p.openat(AT_FDCWD, '/proc/cpuinfo', O_WRONLY)), 'EROFS');
    assert.equal(code(() => p.unlinkat(AT_FDCWD, '/etc/os-release')), 'EBUSY');
    assert.equal(code(() => p.renameat(AT_FDCWD, '/etc/fex-marker', AT_FDCWD, '/etc/x')), 'EBUSY');
    assert.equal(readFileSync(join(s.rootfs, 'etc/os-release'), 'utf8'), 'ID=guest');
    assert.ok(!existsSync(join(s.rootfs, 'etc/fex-marker')) && !existsSync(join(s.host, 'etc/fex-marker')));
    assert.ok(!existsSync(join(s.host, 'sys/devices/online')));
    for (const path of ['/proc/cpuinfo', '/etc/os-release', '/sys/devices/online']) {
      assert.deepEqual(r.locate(path), { source: 'emulated', hostPath: null }, path);
      const fd = p.openat(AT_FDCWD, path, O_RDONLY);
      assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), path);
      p.close(fd);
    }
    // A bypass directory given an emulated entry is still the host's (read-only now), mounted once.
    assert.deepEqual(listDir(p, '/tmp'), ['emulated', 'hostscratch']);
    assert.equal(readText(p, '/tmp/hostscratch'), 'tmp file');
    assert.equal(readText(p, '/proc/self/mounts').split('\n').filter((l) => l.split(' ')[1] === '/tmp').length, 1);
    assert.equal(code(() => writeGuest(p, '/tmp/new', 'x')), 'EROFS');
    assert.deepEqual(r.locate('/tmp/hostscratch'), { source: 'bypass', hostPath: join(s.host, 'tmp/hostscratch') });
    assert.equal(readText(p, '/proc/self/mounts').split('\n').filter((l) => l.split(' ')[1] === '/proc').length, 1);
    // The view of /proc forgets the entries of a process that exits, as procfs does.
    const proc = r.bypassed.find((b) => b.guest === '/proc')!.mount;
    const child = p.clone();
    assert.ok(listDir(child, '/proc/self/fd').length > 0);
    assert.ok(proc.root.cachedChild(String(child.pid)) !== undefined);
    child.exit();
    assert.equal(proc.root.cachedChild(String(child.pid)), undefined);
    assert.equal(code(() => p.fstatat(AT_FDCWD, `/proc/${child.pid}`)), 'ENOENT');
    // The host directory an emulated file was added to still has its host paths.
    assert.deepEqual(r.locate('/sys/devices/present'), { source: 'bypass', hostPath: join(s.host, 'sys/devices/present') });
  } finally {
    done();
  }
});

test('emulated files: bad paths are refused with a clear error', () => {
  const s = scratch(HOST, ROOTFS);
  try {
    const make = (emulatedFiles: Record<string, string>): string => code(() =>
      hostMergedRootfs({ rootfs: s.rootfs, host: s.host, home: null, emulatedFiles }).close());
    assert.equal(make({ 'etc/relative': 'x' }), 'EINVAL');
    assert.equal(make({ '/usr/lib': 'a directory' }), 'EISDIR');
    assert.equal(make({ '/': 'the root' }), 'EINVAL');
    assert.equal(make({ '/proc/self/auxv': 'per process' }), 'ENOENT');
    assert.equal(make({ '/etc/ok': 'fine' }), 'OK');
  } finally {
    s.dispose();
  }
});

test('bypass lists: relative paths and / are refused, nested and missing ones are skipped', () => {
  const s = scratch(HOST, ROOTFS);
  try {
    const make = (bypass: string[]): string => code(() =>
      hostMergedRootfs({ rootfs: s.rootfs, host: s.host, home: null, bypass }).close());
    assert.equal(make(['tmp']), 'EINVAL');
    assert.equal(code(() => hostMergedRootfs({ rootfs: join(s.dir, 'missing'), host: s.host })), 'ENOENT');
    assert.equal(code(() => hostMergedRootfs({ rootfs: join(s.host, 'etc/hostname'), host: s.host })), 'ENOTDIR');
    assert.equal(make(['/']), 'EINVAL');
    const r = hostMergedRootfs({ rootfs: s.rootfs, host: s.host, home: '/home/user', bypass: ['/tmp', '/tmp/x', '/nowhere', '/home', '/proc/sys'] });
    try {
      // /proc/sys is procfs's: vroot's procfs is at /proc whatever the list says.
      assert.deepEqual(r.bypassed.map((b) => b.guest), ['/tmp', '/home', '/proc']);
      assert.deepEqual(r.locate('/proc'), { source: 'procfs', hostPath: null });
      assert.deepEqual(r.missingBypass, ['/nowhere']);
    } finally {
      r.close();
    }
  } finally {
    s.dispose();
  }
});

test('a bypassed file is the host\'s, written through, whatever the RootFS has there', () => {
  const { s, p, r, done } = scene({ bypass: ['/tmp', '/etc/hostname', '/etc/os-release'] });
  try {
    assert.equal(readText(p, '/etc/os-release'), 'ID=host');
    assert.equal(readText(p, '/etc/hostname'), 'hosty');
    writeGuest(p, '/etc/os-release', 'ID=HOST');
    assert.equal(readFileSync(join(s.host, 'etc/os-release'), 'utf8'), 'ID=HOST');
    assert.equal(readFileSync(join(s.rootfs, 'etc/os-release'), 'utf8'), 'ID=guest');
    assert.deepEqual(r.locate('/etc/os-release'), { source: 'bypass', hostPath: join(s.host, 'etc/os-release') });
    assert.equal(code(() => p.unlinkat(AT_FDCWD, '/etc/hostname')), 'EBUSY');
    // The directory around them is still the merge.
    assert.deepEqual(listDir(p, '/etc'), ['gamecfg', 'hostname', 'hosttool-link', 'os-release', 'usercfg']);
  } finally {
    done();
  }
});

test('a RootFS symlink or file where the host has a bypass directory does not move the bypass', () => {
  const rootfs: TreeEntry[] = [...ROOTFS, { link: 'run', to: '/var/run' }, { dir: 'var/run' }, { file: 'var/run/rootfs-pid', text: '1' },
    { file: 'sys', text: 'a file where the host has a directory' }];
  const { s, p, done } = scene({}, [...HOST, { file: 'run/host.pid', text: '42' }], rootfs);
  try {
    assert.equal(typeOf(p, '/run', AT_SYMLINK_NOFOLLOW), S_IFDIR);
    assert.deepEqual(listDir(p, '/run'), ['host.pid']);
    assert.deepEqual(listDir(p, '/var/run'), ['rootfs-pid']);
    assert.equal(typeOf(p, '/sys'), S_IFDIR);
    writeGuest(p, '/run/guest.pid', '7');
    assert.equal(readFileSync(join(s.host, 'run/guest.pid'), 'utf8'), '7');
    // The guest's view of the directories around the mount point is the merge's.
    assert.deepEqual(listDir(p, '/'), ['dev', 'etc', 'home', 'opt', 'proc', 'run', 'sys', 'tmp', 'usr', 'var']);
  } finally {
    done();
  }
});

test('a RootFS given as a filesystem (an image) works without any host path', () => {
  // Platform-neutral: the RootFS and the host are in-memory trees, filled through namespaces of their own.
  const fill = (dirs: string[], files: Record<string, string>, links: Record<string, string>): Tmpfs => {
    const fs = new Tmpfs({ mode: 0o755 });
    const vfs = new VirtualFileSystem();
    vfs.mount(fs, '/');
    const q = vfs.createProcess();
    for (const d of dirs) q.mkdirat(AT_FDCWD, d, 0o755);
    for (const [path, text] of Object.entries(files)) writeGuest(q, path, text);
    for (const [path, target] of Object.entries(links)) q.symlinkat(target, AT_FDCWD, path);
    q.exit();
    return fs;
  };
  const host = fill(['/etc', '/usr', '/usr/bin', '/proc', '/home', '/home/u'],
    { '/etc/hostname': 'h', '/usr/bin/tool': 'host tool' }, { '/usr/hostroot': '/' });
  const rootfs = fill(['/etc', '/usr', '/usr/lib'], { '/usr/lib/libfoo.so': 'foo', '/etc/os-release': 'ID=img' }, { '/usr/rootlink': '/' });
  const r = mergedRootfs({ rootfs, host, home: '/home/u' });
  const p = r.process;
  assert.deepEqual(listDir(p, '/usr'), ['bin', 'hostroot', 'lib', 'rootlink']);
  assert.equal(readText(p, '/usr/rootlink/usr/hostroot/usr/lib/libfoo.so'), 'foo');
  assert.deepEqual(r.locate('/usr/lib/libfoo.so'), { source: 'rootfs', hostPath: null });
  assert.deepEqual(r.locate('/usr/bin/tool'), { source: 'host', hostPath: null });
  assert.deepEqual(r.locate('/home/u'), { source: 'bypass', hostPath: null });
  assert.equal(r.rootfsHostPath, null);
  assert.deepEqual(r.missingBypass, ['/sys', '/dev', '/run', '/tmp']);
  writeGuest(p, '/home/u/note', 'through');
  assert.equal(host.root.lookup('home')?.lookup('u')?.lookup('note')?.size, 7);
  const fd = p.openat(AT_FDCWD, '/usr/lib/libfoo.so', O_RDONLY);
  assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), '/usr/lib/libfoo.so');
  r.close();
});

test('bwrap arguments naming RootFS objects are rewritten to their host paths', () => {
  const { s, r, done } = scene();
  try {
    const argv = ['--ro-bind', '/opt/game', '/game', '--ro-bind', '/etc/gamecfg', '/cfg', '--bind', '/home/user', '/home/user',
      '--ro-bind', '/usr/bin/hosttool', '/tool', '--ro-bind', '/etc/os-release', '/osrel', '--ro-bind-try', '/nowhere', '/n',
      '--', '/bin/true'];
    const { commandLine, changes } = rewriteBwrapArgs(parseBwrapArgs(argv), rootfsBwrapMapping(r));
    assert.deepEqual(changes.map((c) => [c.from, byteStringToUtf8(c.to)]), [
      ['/opt/game', join(s.rootfs, 'opt/game')],
      ['/etc/gamecfg', join(s.rootfs, 'opt/game/data.txt')],
    ]);
    const out = formatBwrapArgs(commandLine).map(byteStringToUtf8);
    assert.equal(out[1], join(s.rootfs, 'opt/game'));
    // The host has /etc/os-release too: by default the host's stays, as rootfsMapping does.
    assert.equal(out[13], '/etc/os-release');
    const strict = rewriteBwrapArgs(parseBwrapArgs(argv), rootfsBwrapMapping(r, { preferHost: false }));
    assert.deepEqual(strict.changes.map((c) => byteStringToUtf8(c.to)),
      [join(s.rootfs, 'opt/game'), join(s.rootfs, 'opt/game/data.txt'), join(s.host, 'usr/bin/hosttool'), join(s.rootfs, 'etc/os-release')]);
  } finally {
    done();
  }
});

