// The overlay over host directories: vroot's overlay with HostFs layers (a lower, and an upper
// with a work directory) changes the upper on the host; then the kernel mounts the same lower and
// upper with overlayfs, and its merged view must be the one vroot showed. This checks that the
// upper vroot writes (whiteouts, opaque directories, copied-up files, vroot's origin xattrs) is
// the kernel's format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_RDONLY, O_TRUNC, O_WRONLY, S_IFLNK, S_IFMT, S_IFREG,
  Overlay, Tmpfs, VirtualFileSystem, type Process,
} from '../../src/mod.js';
import { HostFs } from '../../src/node/mod.js';
import { inodeAt } from './_differential.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The merged view as [path, type letter, mode, content or target] rows, sorted. */
function vrootView(p: Process): string[][] {
  const rows: string[][] = [];
  const rec = (dir: string): void => {
    const fd = p.openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
    const names: string[] = [];
    for (;;) {
      const ents = p.getdents64(fd);
      if (ents.length === 0) break;
      for (const e of ents) if (e.name !== '.' && e.name !== '..') names.push(e.name);
    }
    p.close(fd);
    for (const name of names.sort()) {
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const st = p.fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
      const type = st.mode & S_IFMT;
      let body = '';
      if (type === S_IFREG) {
        const f = p.openat(AT_FDCWD, path, O_RDONLY);
        const buf = new Uint8Array(4096);
        body = dec.decode(buf.subarray(0, p.read(f, buf)));
        p.close(f);
      } else if (type === S_IFLNK) {
        body = p.readlinkat(AT_FDCWD, path);
      }
      rows.push([path, type === S_IFREG ? 'f' : type === S_IFLNK ? 'l' : type === 0o040000 ? 'd' : 'o', (st.mode & 0o7777).toString(8), body]);
      if (type === 0o040000) rec(path);
    }
  };
  rec('/');
  return rows;
}

const KERNEL_VIEW = `
import json, os, stat, sys, ctypes
libc = ctypes.CDLL(None, use_errno=True)
lower, upper, work, mnt = sys.argv[1:5]
opts = 'lowerdir=%s,upperdir=%s,workdir=%s' % (lower, upper, work)
if libc.mount(b'overlay', mnt.encode(), b'overlay', 0, opts.encode()) != 0:
    print(json.dumps({'error': os.strerror(ctypes.get_errno())})); sys.exit(0)
rows = []
for dp, dns, fns in os.walk(mnt):
    dns.sort()
    for n in sorted(dns + fns):
        full = os.path.join(dp, n); st = os.lstat(full); rel = '/' + os.path.relpath(full, mnt)
        body = ''
        if stat.S_ISREG(st.st_mode): body = open(full).read()
        elif stat.S_ISLNK(st.st_mode): body = os.readlink(full)
        t = 'f' if stat.S_ISREG(st.st_mode) else 'l' if stat.S_ISLNK(st.st_mode) else 'd' if stat.S_ISDIR(st.st_mode) else 'o'
        rows.append([rel, t, oct(stat.S_IMODE(st.st_mode))[2:], body])
libc.umount2(mnt.encode(), 0)
print(json.dumps({'rows': sorted(rows)}))
`;

for (const withWork of [true, false]) {
test(`an upper written by vroot through HostFs is what the kernel overlays the same way (${withWork ? 'work directory' : 'no work directory'})`, (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root for whiteouts, trusted xattrs and the kernel overlay mount');
    return;
  }
  const base = mkdtempSync(join(tmpdir(), 'vroot-ovl-host-'));
  try {
    for (const d of ['lower', 'top/upper', 'top/work', 'kwork', 'mnt']) mkdirSync(join(base, d), { recursive: true });
    const lower = join(base, 'lower');
    mkdirSync(join(lower, 'etc/conf.d'), { recursive: true });
    writeFileSync(join(lower, 'etc/hostname'), 'lower\n');
    writeFileSync(join(lower, 'etc/conf.d/a'), 'a\n');
    writeFileSync(join(lower, 'etc/conf.d/b'), 'b\n');
    mkdirSync(join(lower, 'var/cache'), { recursive: true });
    writeFileSync(join(lower, 'var/cache/stale'), 'stale\n');
    symlinkSync('hostname', join(lower, 'etc/name'));

    const top = new HostFs(join(base, 'top'));
    const tp = new VirtualFileSystem();
    tp.mount(top, '/');
    const admin = tp.createProcess();
    const ov = new Overlay({
      lowers: [new HostFs(lower, { readOnly: true })],
      upper: { fs: top, root: inodeAt(admin, '/upper') },
      ...(withWork ? { work: { fs: top, root: inodeAt(admin, '/work') } } : {}),
    });
    const vfs = new VirtualFileSystem();
    vfs.mount(ov, '/');
    const p = vfs.createProcess({ umask: 0o022 });
    const fd = p.openat(AT_FDCWD, '/etc/hostname', O_WRONLY | O_TRUNC);
    p.write(fd, enc.encode('upper\n'));
    p.close(fd);
    p.unlinkat(AT_FDCWD, '/etc/conf.d/a');
    p.fchmodat(AT_FDCWD, '/etc/conf.d/b', 0o600);
    p.unlinkat(AT_FDCWD, '/var/cache/stale');
    p.unlinkat(AT_FDCWD, '/var/cache', AT_REMOVEDIR);
    p.mkdirat(AT_FDCWD, '/var/cache', 0o700);
    const f2 = p.openat(AT_FDCWD, '/var/cache/fresh', O_CREAT | O_WRONLY, 0o644);
    p.write(f2, enc.encode('fresh\n'));
    p.close(f2);
    p.renameat(AT_FDCWD, '/etc/conf.d/b', AT_FDCWD, '/etc/b.moved');
    p.setxattr('/etc/b.moved', 'user.tag', enc.encode('x'));
    const ours = vrootView(p).sort();

    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'python3', '-c', KERNEL_VIEW,
      lower, join(base, 'top/upper'), join(base, 'kwork'), join(base, 'mnt')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const kernel = JSON.parse(r.stdout) as { rows?: string[][]; error?: string };
    assert.equal(kernel.error, undefined, `the kernel refused the layers: ${kernel.error}`);
    assert.deepEqual(ours, kernel.rows);
    assert.ok(ours.some(([path]) => path === '/var/cache/fresh'), 'the opaque directory kept its new file');
    assert.ok(!ours.some(([path]) => path === '/var/cache/stale' || path === '/etc/conf.d/a'), 'whiteouts hide');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
}

test('a host directory changed by the host underneath an overlay lower is seen at the next lookup', () => {
  const base = mkdtempSync(join(tmpdir(), 'vroot-ovl-host-'));
  try {
    mkdirSync(join(base, 'etc'));
    writeFileSync(join(base, 'etc/motd'), 'one\n');
    const ov = new Overlay({ lowers: [new HostFs(base, { readOnly: true })], upper: new Tmpfs() });
    const vfs = new VirtualFileSystem();
    vfs.mount(ov, '/');
    const p = vfs.createProcess();
    const read = (path: string): string => {
      const fd = p.openat(AT_FDCWD, path, O_RDONLY);
      const buf = new Uint8Array(64);
      const n = p.read(fd, buf);
      p.close(fd);
      return dec.decode(buf.subarray(0, n));
    };
    assert.equal(read('/etc/motd'), 'one\n');
    p.chdir('/etc');
    writeFileSync(join(base, 'etc/motd'), 'two\n');
    writeFileSync(join(base, 'etc/issue'), 'new\n');
    assert.equal(read('motd'), 'two\n');
    assert.equal(read('/etc/issue'), 'new\n');
    rmSync(join(base, 'etc/issue'));
    assert.equal(p.fstatat(AT_FDCWD, '/etc').ino, p.fstatat(AT_FDCWD, '.').ino);
    assert.throws(() => p.fstatat(AT_FDCWD, '/etc/issue'), { code: 'ENOENT' });
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
