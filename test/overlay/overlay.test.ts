// Overlay behaviour the kernel comparison cannot show: layers that change underneath, layers on
// different filesystems, atomic copy-up under failure, persistence of st_ino across a new
// overlay, read-only overlays, nesting, other mounts of the upper, and the OCI converters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY,
  S_IFCHR, S_IFMT, S_IFREG, SEEK_SET, FileSystem, Inode, Overlay, Tmpfs, VfsError, VirtualFileSystem,
  exportOciLayer, importOciLayer, type FileHandle, type Process, type StatFs,
} from '../../src/mod.js';
import { code } from '../_errno.js';
import { inodeAt } from './_differential.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function proc(fs: FileSystem): Process {
  const vfs = new VirtualFileSystem();
  vfs.mount(fs, '/');
  return vfs.createProcess({ umask: 0 });
}

function put(p: Process, path: string, text: string, flags = O_CREAT | O_WRONLY | O_TRUNC): void {
  const fd = p.openat(AT_FDCWD, path, flags, 0o644);
  p.write(fd, enc.encode(text));
  p.close(fd);
}

function get(p: Process, path: string): string {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    const buf = new Uint8Array(1 << 16);
    return dec.decode(buf.subarray(0, p.read(fd, buf)));
  } finally {
    p.close(fd);
  }
}

function ls(p: Process, path: string): string[] {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
  try {
    return readAll(p, fd);
  } finally {
    p.close(fd);
  }
}

function readAll(p: Process, fd: number): string[] {
  const out: string[] = [];
  for (;;) {
    const ents = p.getdents64(fd);
    if (ents.length === 0) break;
    for (const e of ents) if (e.name !== '.' && e.name !== '..') out.push(e.name);
  }
  return out.sort();
}

/** Two lower tmpfs layers (top, bottom) and an upper, each with its own process for changes underneath. */
function layered(): { top: Process; bottom: Process; upperFs: Tmpfs; ov: Overlay; p: Process; lowerFs: Tmpfs[] } {
  const topFs = new Tmpfs();
  const bottomFs = new Tmpfs();
  const upperFs = new Tmpfs();
  const top = proc(topFs);
  const bottom = proc(bottomFs);
  bottom.mkdirat(AT_FDCWD, '/etc', 0o755);
  put(bottom, '/etc/hostname', 'bottom\n');
  put(bottom, '/etc/passwd', 'root:x:0:0\n');
  top.mkdirat(AT_FDCWD, '/etc', 0o755);
  put(top, '/etc/hostname', 'top\n');
  const ov = new Overlay({ lowers: [topFs, bottomFs], upper: upperFs });
  return { top, bottom, upperFs, ov, p: proc(ov), lowerFs: [topFs, bottomFs] };
}

test('lookups see lower layers change underneath: added, removed, replaced, whited out', () => {
  const { top, bottom, p } = layered();
  assert.deepEqual(ls(p, '/etc'), ['hostname', 'passwd']);
  assert.equal(get(p, '/etc/hostname'), 'top\n');
  put(bottom, '/etc/group', 'root:x:0:\n');
  assert.equal(get(p, '/etc/group'), 'root:x:0:\n');
  top.unlinkat(AT_FDCWD, '/etc/hostname');
  assert.equal(get(p, '/etc/hostname'), 'bottom\n', 'the bottom layer shows through once the top entry goes');
  top.mknodat(AT_FDCWD, '/etc/passwd', S_IFCHR, 0);
  assert.equal(code(() => p.fstatat(AT_FDCWD, '/etc/passwd')), 'ENOENT', 'a whiteout added to a lower hides the name');
  bottom.fchmodat(AT_FDCWD, '/etc/group', 0o600);
  assert.equal(p.fstatat(AT_FDCWD, '/etc/group').mode & 0o777, 0o600, 'attributes are re-read');
  bottom.mkdirat(AT_FDCWD, '/usr', 0o755);
  put(bottom, '/usr/x', 'x');
  assert.deepEqual(ls(p, '/'), ['etc', 'usr']);
});

test('a working directory inside a merged directory keeps working when a lower changes', () => {
  const { top, bottom, p } = layered();
  p.chdir('/etc');
  top.mkdirat(AT_FDCWD, '/opt', 0o755);
  put(bottom, '/etc/motd', 'hello');
  assert.equal(get(p, 'motd'), 'hello');
  assert.equal(p.getcwd(), '/etc');
  put(p, 'new', 'written');
  assert.equal(get(p, '/etc/new'), 'written');
});

test('an open file keeps the object it opened when a lower replaces the name', () => {
  const { bottom, p } = layered();
  const fd = p.openat(AT_FDCWD, '/etc/passwd', O_RDONLY);
  bottom.unlinkat(AT_FDCWD, '/etc/passwd');
  put(bottom, '/etc/passwd', 'replaced\n');
  const buf = new Uint8Array(64);
  assert.equal(dec.decode(buf.subarray(0, p.pread(fd, buf, 0))), 'root:x:0:0\n');
  p.close(fd);
  assert.equal(get(p, '/etc/passwd'), 'replaced\n');
});

test('a merged listing is cached per open directory and rebuilt on rewind', () => {
  const { bottom, p } = layered();
  const fd = p.openat(AT_FDCWD, '/etc', O_RDONLY | O_DIRECTORY);
  assert.deepEqual(readAll(p, fd), ['hostname', 'passwd']);
  put(bottom, '/etc/late', '');
  put(p, '/etc/mine', '');
  assert.deepEqual(readAll(p, fd), [], 'nothing new before a rewind');
  p.lseek(fd, 0, SEEK_SET);
  assert.deepEqual(readAll(p, fd), ['hostname', 'late', 'mine', 'passwd']);
  p.close(fd);
});

test('copy-up keeps st_ino and st_dev, with layers on different filesystems', () => {
  const { p, upperFs } = layered();
  const before = p.fstatat(AT_FDCWD, '/etc/passwd');
  const root = p.fstatat(AT_FDCWD, '/');
  put(p, '/etc/passwd', 'changed', O_WRONLY | O_TRUNC);
  const after = p.fstatat(AT_FDCWD, '/etc/passwd');
  assert.equal(after.ino, before.ino);
  assert.equal(after.dev, before.dev);
  assert.equal(after.dev, root.dev);
  // The upper and lower inode numbers collide (each tmpfs counts from 1); the overlay's do not.
  const inos = ['/', '/etc', '/etc/hostname', '/etc/passwd'].map((x) => p.fstatat(AT_FDCWD, x).ino);
  assert.equal(new Set(inos).size, inos.length);
  assert.equal(get(proc(upperFs), '/etc/passwd'), 'changed');
});

test('st_ino of a copied-up file survives a new overlay over the same layers', () => {
  const lower = new Tmpfs();
  const upper = new Tmpfs();
  put(proc(lower), '/f', 'lower');
  const first = proc(new Overlay({ lowers: [lower], upper }));
  const ino = first.fstatat(AT_FDCWD, '/f').ino;
  first.fchmodat(AT_FDCWD, '/f', 0o600);
  const second = proc(new Overlay({ lowers: [lower], upper }));
  const st = second.fstatat(AT_FDCWD, '/f');
  assert.equal(st.ino, ino, 'the origin xattr records the lower inode');
  assert.equal(st.mode & 0o777, 0o600);
});

test('a read-only overlay (no upper) refuses every change with EROFS', () => {
  const lower = new Tmpfs();
  const lp = proc(lower);
  lp.mkdirat(AT_FDCWD, '/d', 0o755);
  put(lp, '/d/f', 'data');
  const p = proc(new Overlay({ lowers: [lower] }));
  assert.equal(get(p, '/d/f'), 'data');
  assert.equal(code(() => p.openat(AT_FDCWD, '/d/f', O_RDWR)), 'EROFS');
  assert.equal(code(() => p.mkdirat(AT_FDCWD, '/x', 0o755)), 'EROFS');
  assert.equal(code(() => p.unlinkat(AT_FDCWD, '/d/f')), 'EROFS');
  assert.equal(code(() => p.fchmodat(AT_FDCWD, '/d/f', 0o600)), 'EROFS');
  assert.equal(code(() => p.setxattr('/d/f', 'user.a', enc.encode('v'))), 'EROFS');
  assert.equal(p.statfs('/').flags & 1, 1, 'statfs reports ST_RDONLY');
});

/** A lower filesystem whose file reads fail after `budget` bytes, to interrupt copy-up. */
class FailingFs extends FileSystem {
  readonly type = 'failing';
  readonly root: Inode;
  constructor(private readonly inner: Tmpfs, public budget: number) {
    super();
    this.root = this.wrap(inner.root);
  }
  statfs(): StatFs {
    return this.inner.statfs();
  }
  wrap(inode: Inode): Inode {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const fs = this;
    const w = Object.create(inode) as Inode;
    Object.defineProperty(w, 'fs', { value: fs });
    w.lookup = (name) => { const c = inode.lookup(name); return c === null ? null : fs.wrap(c); };
    w.open = (flags) => {
      const h = inode.open(flags);
      const out: FileHandle = Object.create(h) as FileHandle;
      out.read = (buf, off, len, pos) => {
        if (fs.budget <= 0) throw new VfsError(5);
        const n = h.read(buf, off, Math.min(len, fs.budget), pos);
        fs.budget -= n;
        return n;
      };
      out.readdir = (c, sink) => h.readdir(c, sink);
      out.release = () => h.release();
      return out;
    };
    return w;
  }
}

for (const withWork of [false, true]) {
  test(`a copy-up that fails half way leaves nothing visible (${withWork ? 'work directory' : 'O_TMPFILE'})`, () => {
    const inner = new Tmpfs();
    const ip = proc(inner);
    ip.mkdirat(AT_FDCWD, '/d', 0o755);
    put(ip, '/d/big', 'x'.repeat(300000));
    const upperFs = new Tmpfs();
    const up = proc(upperFs);
    up.mkdirat(AT_FDCWD, '/u', 0o755);
    up.mkdirat(AT_FDCWD, '/w', 0o755);
    const upper = { fs: upperFs, root: inodeAt(up, '/u') };
    const work = withWork ? { work: { fs: upperFs, root: inodeAt(up, '/w') } } : {};
    const failing = new FailingFs(inner, 100000);
    const p = proc(new Overlay({ lowers: [failing], upper, ...work }));
    assert.equal(code(() => p.openat(AT_FDCWD, '/d/big', O_WRONLY)), 'EIO');
    // The parent was copied up; the file was not, and no staging entry is left anywhere.
    const uroot = upper.root;
    const ud = uroot.lookup('d')!;
    assert.ok(ud.isDir());
    assert.equal(ud.lookup('big'), null);
    assert.deepEqual(ls(proc(upperFs), '/u/d'), []);
    assert.deepEqual(ls(proc(upperFs), '/w'), []);
    assert.equal(p.fstatat(AT_FDCWD, '/d/big').size, 300000, 'the lower file still shows');
    assert.equal(upperFs.usedPages, 0, 'the partial copy\'s data was freed');
  });
}

test('staging entries left in the work directory by an interrupted change are removed at start', () => {
  const upperFs = new Tmpfs();
  const up = proc(upperFs);
  for (const d of ['/u', '/w', '/w/#ovl.7', '/w/#ovl.7/sub']) up.mkdirat(AT_FDCWD, d, 0o755);
  put(up, '/w/#ovl.7/sub/half', 'partial');
  put(up, '/w/#ovl.8', 'partial');
  put(up, '/w/keep', 'not ours');
  new Overlay({
    lowers: [new Tmpfs()], upper: { fs: upperFs, root: inodeAt(up, '/u') }, work: { fs: upperFs, root: inodeAt(up, '/w') },
  });
  assert.deepEqual(ls(proc(upperFs), '/w'), ['keep']);
});

test('an upper without O_TMPFILE copies up under a temporary name, renamed into place', () => {
  const inner = new Tmpfs();
  put(proc(inner), '/f', 'z'.repeat(200000));
  put(proc(inner), '/g', 'small');
  const upperFs = new Tmpfs();
  // Only the upper root lacks tmpfile, which is where both copies land.
  upperFs.root.tmpfile = (): Inode => { throw new VfsError(95); };
  const failing = new FailingFs(inner, 100000);
  const p = proc(new Overlay({ lowers: [failing], upper: upperFs }));
  assert.equal(code(() => p.truncate('/f', 5)), 'EIO');
  assert.deepEqual(ls(proc(upperFs), '/'), [], 'the failed copy left no temporary name');
  failing.budget = Infinity;
  p.fchmodat(AT_FDCWD, '/g', 0o600);
  assert.deepEqual(ls(proc(upperFs), '/'), ['g']);
  assert.equal(get(p, '/g'), 'small');
});

test('a copy-up that runs out of upper space fails with ENOSPC and leaves the lower file', () => {
  const lower = new Tmpfs();
  put(proc(lower), '/f', 'y'.repeat(64 * 1024));
  const upperFs = new Tmpfs({ size: 16 * 1024 });
  const p = proc(new Overlay({ lowers: [lower], upper: upperFs }));
  // truncate(2) copies the whole file first, as the kernel does; open(O_TRUNC) copies nothing.
  assert.equal(code(() => p.truncate('/f', 0)), 'ENOSPC');
  assert.equal(p.fstatat(AT_FDCWD, '/f').size, 64 * 1024);
  assert.deepEqual(ls(proc(upperFs), '/'), []);
  assert.equal(upperFs.usedPages, 0);
  p.close(p.openat(AT_FDCWD, '/f', O_WRONLY | O_TRUNC));
  assert.equal(p.fstatat(AT_FDCWD, '/f').size, 0);
});

test('a descriptor opened for reading before a copy-up reads the upper file afterwards', () => {
  const { p } = layered();
  const fd = p.openat(AT_FDCWD, '/etc/passwd', O_RDONLY);
  put(p, '/etc/passwd', 'new contents\n', O_WRONLY | O_TRUNC);
  const buf = new Uint8Array(64);
  assert.equal(dec.decode(buf.subarray(0, p.pread(fd, buf, 0))), 'new contents\n');
  p.unlinkat(AT_FDCWD, '/etc/passwd');
  assert.equal(dec.decode(buf.subarray(0, p.pread(fd, buf, 0))), 'new contents\n', 'still readable after unlink');
  p.close(fd);
});

test('changing a removed lower file through an open descriptor is EEXIST, as on Linux 6.18', () => {
  const { p } = layered();
  const fd = p.openat(AT_FDCWD, '/etc/passwd', O_RDONLY);
  p.unlinkat(AT_FDCWD, '/etc/passwd');
  assert.equal(code(() => p.fchmod(fd, 0o600)), 'EEXIST');
  const buf = new Uint8Array(64);
  assert.equal(dec.decode(buf.subarray(0, p.pread(fd, buf, 0))), 'root:x:0:0\n');
  p.close(fd);
});

test('hard links to a lower file: both names are one object after the link', () => {
  const { p } = layered();
  p.linkat(AT_FDCWD, '/etc/passwd', AT_FDCWD, '/etc/passwd.bak');
  const a = p.fstatat(AT_FDCWD, '/etc/passwd');
  const b = p.fstatat(AT_FDCWD, '/etc/passwd.bak');
  assert.equal(a.ino, b.ino);
  assert.equal(a.nlink, 2);
  put(p, '/etc/passwd.bak', 'via the link\n', O_WRONLY | O_TRUNC);
  assert.equal(get(p, '/etc/passwd'), 'via the link\n');
});

test('the upper filesystem mounted elsewhere sees what the overlay did (no stale names)', () => {
  const { p, upperFs } = layered();
  const other = proc(upperFs);
  put(p, '/etc/hostname', 'changed\n', O_WRONLY | O_TRUNC);
  assert.equal(get(other, '/etc/hostname'), 'changed\n');
  p.unlinkat(AT_FDCWD, '/etc/hostname');
  const st = other.fstatat(AT_FDCWD, '/etc/hostname', AT_SYMLINK_NOFOLLOW);
  assert.equal(st.mode & S_IFMT, S_IFCHR, 'the other mount sees the whiteout, not the removed file');
  p.mkdirat(AT_FDCWD, '/etc/hostname', 0o755);
  assert.ok((other.fstatat(AT_FDCWD, '/etc/hostname').mode & S_IFMT) !== S_IFCHR);
});

test('an overlay can be a lower layer of another overlay (escaped overlay xattrs)', () => {
  const { ov } = layered();
  const outer = proc(new Overlay({ lowers: [ov], upper: new Tmpfs() }));
  assert.equal(get(outer, '/etc/hostname'), 'top\n');
  const inner = proc(ov);
  inner.unlinkat(AT_FDCWD, '/etc/passwd');
  inner.setxattr('/etc', 'trusted.overlay.opaque', enc.encode('y'));
  // The inner overlay stores the xattr escaped, and shows it unescaped; the outer one sees it
  // as data of a layer, so the directory is not opaque to the outer overlay's lookups.
  assert.equal(dec.decode(inner.getxattr('/etc', 'trusted.overlay.opaque')), 'y');
  assert.deepEqual(ls(outer, '/etc'), ['hostname']);
});

test('renaming a merged directory is EXDEV; a new directory moves and turns opaque', () => {
  const { p, bottom } = layered();
  assert.equal(code(() => p.renameat(AT_FDCWD, '/etc', AT_FDCWD, '/etc2')), 'EXDEV');
  bottom.mkdirat(AT_FDCWD, '/srv', 0o755);
  put(bottom, '/srv/old', 'lower');
  p.mkdirat(AT_FDCWD, '/new', 0o755);
  put(p, '/new/mine', 'upper');
  p.unlinkat(AT_FDCWD, '/srv/old');
  p.unlinkat(AT_FDCWD, '/srv', AT_REMOVEDIR);
  p.renameat(AT_FDCWD, '/new', AT_FDCWD, '/srv');
  assert.deepEqual(ls(p, '/srv'), ['mine'], 'the lower /srv does not merge into the moved directory');
});

test('constructor errors: no lowers, a work directory elsewhere, a read-only upper', () => {
  assert.equal(code(() => new Overlay({ lowers: [] })), 'EINVAL');
  const u = new Tmpfs();
  assert.equal(code(() => new Overlay({ lowers: [new Tmpfs()], upper: u, work: new Tmpfs() })), 'EINVAL');
  assert.equal(code(() => new Overlay({ lowers: [new Tmpfs()], upper: new Overlay({ lowers: [new Tmpfs()] }) })), 'EROFS');
  const writable = new Overlay({ lowers: [new Tmpfs()], upper: new Tmpfs() });
  assert.equal(code(() => new Overlay({ lowers: [new Tmpfs()], upper: writable })), 'EINVAL');
});

test('an OCI layer imports as whiteouts and opaque directories, and an upper exports back', () => {
  const base = new Tmpfs();
  const bp = proc(base);
  bp.mkdirat(AT_FDCWD, '/app', 0o755);
  put(bp, '/app/old', 'old');
  put(bp, '/app/keep', 'keep');
  bp.mkdirat(AT_FDCWD, '/cache', 0o755);
  put(bp, '/cache/stale', 'stale');
  put(bp, '/gone', 'gone');
  // An extracted OCI layer: .wh.gone removes /gone, .wh..wh..opq makes /cache opaque.
  const oci = new Tmpfs();
  const op = proc(oci);
  op.mkdirat(AT_FDCWD, '/app', 0o755);
  put(op, '/app/.wh.old', '');
  put(op, '/app/new', 'new');
  op.mkdirat(AT_FDCWD, '/cache', 0o755);
  put(op, '/cache/.wh..wh..opq', '');
  put(op, '/cache/fresh', 'fresh');
  put(op, '/.wh.gone', '');
  put(op, '/.wh..wh.plnk', '');
  const layer = new Tmpfs();
  importOciLayer(oci, layer);
  const lp = proc(layer);
  assert.equal(lp.fstatat(AT_FDCWD, '/gone', AT_SYMLINK_NOFOLLOW).mode & S_IFMT, S_IFCHR);
  assert.equal(dec.decode(lp.getxattr('/cache', 'trusted.overlay.opaque')), 'y');
  const upper = new Tmpfs();
  const p = proc(new Overlay({ lowers: [layer, base], upper }));
  assert.deepEqual(ls(p, '/'), ['app', 'cache']);
  assert.deepEqual(ls(p, '/app'), ['keep', 'new']);
  assert.deepEqual(ls(p, '/cache'), ['fresh']);
  // Changes through the overlay, then the upper as an OCI layer.
  p.unlinkat(AT_FDCWD, '/app/keep');
  p.unlinkat(AT_FDCWD, '/app/new');
  p.unlinkat(AT_FDCWD, '/app', AT_REMOVEDIR);
  p.mkdirat(AT_FDCWD, '/app', 0o700);
  put(p, '/app/only', 'only');
  const out = new Tmpfs();
  exportOciLayer(upper, out);
  const xp = proc(out);
  assert.deepEqual(ls(xp, '/app'), ['.wh..wh..opq', 'only']);
  assert.equal(xp.fstatat(AT_FDCWD, '/app/.wh..wh..opq').mode & S_IFMT, S_IFREG);
  assert.equal(xp.fstatat(AT_FDCWD, '/app').mode & 0o777, 0o700);
  assert.deepEqual(xp.listxattr('/app'), [], 'no overlay metadata in an OCI layer');
  // Round trip: the exported layer imported again gives the same merged view.
  const again = new Tmpfs();
  importOciLayer(out, again);
  const q = proc(new Overlay({ lowers: [again, layer, base] }));
  assert.deepEqual(ls(q, '/app'), ['only']);
  assert.deepEqual(ls(q, '/cache'), ['fresh']);
});

test('OCI import refuses a whiteout of "." and a non-empty destination', () => {
  const oci = new Tmpfs();
  put(proc(oci), '/.wh..', '');
  assert.equal(code(() => importOciLayer(oci, new Tmpfs())), 'EINVAL');
  const full = new Tmpfs();
  put(proc(full), '/x', '');
  assert.equal(code(() => importOciLayer(new Tmpfs(), full)), 'EEXIST');
});
