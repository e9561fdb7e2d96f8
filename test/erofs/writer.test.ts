// The writer's choices, checked on the images it makes (no tools needed): compact inodes where
// they fit, tail packing or not, compression only where it saves blocks, shared xattrs,
// determinism, and clear errors for what EROFS cannot hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AT_FDCWD, Erofs, ErofsWriteError, MemorySink, O_CREAT, O_WRONLY, ProcessTreeSource, S_IFDIR, Tmpfs, VirtualFileSystem,
  writeErofs, type ErofsWriteOptions, type Process,
} from '../../src/mod.js';
import { ErofsImage } from '../../src/fs/erofs/reader/image.js';
import { BufferSource } from '../../src/fs/erofs/byte_source.js';
import {
  LAYOUT_COMPRESSED_COMPACT, LAYOUT_FLAT_INLINE, LAYOUT_FLAT_PLAIN,
} from '../../src/fs/erofs/format/constants.js';
import { compressedBlocks, rawBlkaddr, type DiskInode } from '../../src/fs/erofs/format/inode.js';
import { Prng, testSeed } from '../emu/_prng.js';
import { vrootWalk, diffWalks, normalizeIdentity } from './_tree.js';

const seed = testSeed(0x3717e);

function tree(build: (p: Process) => void): Process {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  p.mkdirat(AT_FDCWD, '/t', 0o755);
  build(p);
  return p;
}

function put(p: Process, path: string, data: Uint8Array): void {
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
  p.write(fd, data);
  p.close(fd);
}

function image(p: Process, options: ErofsWriteOptions = {}): ErofsImage {
  const sink = new MemorySink();
  writeErofs(new ProcessTreeSource(p, '/t'), sink, options);
  return new ErofsImage(new BufferSource(sink.bytes().slice()));
}

function inodeAt(img: ErofsImage, path: string): DiskInode {
  let ino = img.inode(img.sb.rootNid);
  for (const part of path.split('/').filter((x) => x)) ino = img.inode(img.lookup(ino, part)!.nid);
  return ino;
}

const random = (rng: Prng, n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(0, 255));
const text = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => 'abcabd xyz\n'.charCodeAt(i % 11));

test('compact inodes where the mtime is the build time and ids fit; extended otherwise', () => {
  const p = tree((q) => {
    for (let i = 0; i < 5; i++) put(q, `/t/same${i}`, new Uint8Array(3));
    for (let i = 0; i < 5; i++) q.utimensat(AT_FDCWD, `/t/same${i}`, [{ sec: 0, nsec: 0 }, { sec: 1_000_000, nsec: 0 }]);
    put(q, '/t/other', new Uint8Array(3));
    q.utimensat(AT_FDCWD, '/t/other', [{ sec: 0, nsec: 0 }, { sec: 7, nsec: 8 }]);
    put(q, '/t/bigid', new Uint8Array(3));
    q.utimensat(AT_FDCWD, '/t/bigid', [{ sec: 0, nsec: 0 }, { sec: 1_000_000, nsec: 0 }]);
    q.fchownat(AT_FDCWD, '/t/bigid', 70_000, 0);
  });
  const img = image(p);
  assert.equal(img.sb.buildTime, 1_000_000, 'the most common mtime becomes the build time');
  assert.equal(inodeAt(img, 'same0').extended, false);
  assert.equal(inodeAt(img, 'other').extended, true);
  assert.equal(inodeAt(img, 'other').mtimeNsec, 8);
  assert.equal(inodeAt(img, 'bigid').extended, true);
  assert.equal(inodeAt(img, 'bigid').uid, 70_000);
  const fixed = image(p, { timestamp: 42 });
  assert.equal(inodeAt(fixed, 'other').extended, false);
  assert.equal(inodeAt(fixed, 'other').mtimeSec, 42);
  assert.equal(image(p, { forceExtended: true }).inode(img.sb.rootNid).extended, true);
});

test('tails are packed after the inode unless inlineData is false; directories and symlinks always', () => {
  const p = tree((q) => {
    put(q, '/t/small', text(100));
    put(q, '/t/tail', text(4096 * 3 + 50));
    put(q, '/t/whole', text(8192));
    q.symlinkat('target', AT_FDCWD, '/t/link');
    q.mkdirat(AT_FDCWD, '/t/d', 0o755);
  });
  const a = image(p);
  assert.equal(inodeAt(a, 'small').layout, LAYOUT_FLAT_INLINE);
  assert.equal(inodeAt(a, 'tail').layout, LAYOUT_FLAT_INLINE);
  assert.equal(inodeAt(a, 'whole').layout, LAYOUT_FLAT_PLAIN);
  const b = image(p, { inlineData: false });
  assert.equal(inodeAt(b, 'small').layout, LAYOUT_FLAT_PLAIN);
  assert.equal(inodeAt(b, 'tail').layout, LAYOUT_FLAT_PLAIN);
  assert.equal(inodeAt(b, 'link').layout, LAYOUT_FLAT_INLINE);
  assert.equal(inodeAt(b, 'd').layout, LAYOUT_FLAT_INLINE);
  // Without inline data every regular file starts on a block boundary of its own.
  assert.ok(rawBlkaddr(inodeAt(b, 'small')) !== rawBlkaddr(inodeAt(b, 'tail')));
});

test('compression is used only where it saves blocks', () => {
  const rng = new Prng(seed);
  const p = tree((q) => {
    put(q, '/t/text', text(200_000));
    put(q, '/t/random', random(rng, 200_000));
    put(q, '/t/tiny', text(3000));
  });
  const img = image(p, { compress: 'lz4' });
  const t = inodeAt(img, 'text');
  assert.equal(t.layout, LAYOUT_COMPRESSED_COMPACT);
  assert.ok(compressedBlocks(t) < 200_000 / 4096 / 4, `${compressedBlocks(t)} blocks`);
  // Incompressible data is stored flat (its tail in a block of its own: the record slot was sized
  // for an index before the data was read).
  assert.equal(inodeAt(img, 'random').layout, LAYOUT_FLAT_PLAIN, 'incompressible data stays flat');
  assert.equal(inodeAt(img, 'random').size, 200_000);
  assert.equal(inodeAt(img, 'tiny').layout, LAYOUT_FLAT_INLINE);
  const out = new Uint8Array(200_000);
  img.read(t, out, 0, out.length, 0);
  assert.deepEqual(out, text(200_000));
});

test('an xattr used by several inodes is stored once, in the shared area', () => {
  const p = tree((q) => {
    for (let i = 0; i < 4; i++) {
      put(q, `/t/f${i}`, new Uint8Array(1));
      q.setxattr(`/t/f${i}`, 'security.label', new TextEncoder().encode('system_u:object_r:etc_t:s0'));
      q.setxattr(`/t/f${i}`, 'user.own', new Uint8Array([i]));
    }
  });
  const img = image(p);
  for (let i = 0; i < 4; i++) {
    const ino = inodeAt(img, `f${i}`);
    // header + one shared id + one inline entry (4-byte head, "own", a 1-byte value)
    assert.equal(ino.xattrSize, 12 + 4 + 8);
    assert.deepEqual(img.xattrs(ino).map((x) => x.name).sort(), ['security.label', 'user.own']);
    assert.deepEqual(img.getxattr(ino, 'user.own'), new Uint8Array([i]));
  }
});

test('the same tree and options always give the same bytes', () => {
  const rng = new Prng(seed + 1);
  const p = tree((q) => {
    q.mkdirat(AT_FDCWD, '/t/d', 0o755);
    for (let i = 0; i < 50; i++) put(q, `/t/${i % 3 ? 'd/' : ''}${rng.int(0, 1e6)}`, rng.chance(0.5) ? text(rng.int(0, 20_000)) : random(rng, rng.int(0, 9000)));
  });
  const one = new MemorySink();
  const two = new MemorySink();
  writeErofs(new ProcessTreeSource(p, '/t'), one, { compress: 'lz4' });
  writeErofs(new ProcessTreeSource(p, '/t'), two, { compress: 'lz4' });
  assert.deepEqual(one.bytes(), two.bytes());
});

test('a round trip through the writer and the reader keeps every attribute', () => {
  const rng = new Prng(seed + 2);
  const p = tree((q) => {
    q.mkdirat(AT_FDCWD, '/t/a', 0o1777);
    for (let i = 0; i < 30; i++) {
      const path = `/t/${i % 2 ? 'a/' : ''}n${i}`;
      put(q, path, rng.chance(0.5) ? text(rng.int(0, 30_000)) : random(rng, rng.int(0, 30_000)));
      q.fchmodat(AT_FDCWD, path, rng.int(0, 0o7777));
      q.fchownat(AT_FDCWD, path, rng.int(0, 2 ** 32 - 2), rng.int(0, 2 ** 32 - 2));
      q.utimensat(AT_FDCWD, path, [{ sec: 0, nsec: 0 }, { sec: rng.int(-(2 ** 31), 2 ** 33), nsec: rng.int(0, 999_999_999) }]);
    }
    q.symlinkat('n1', AT_FDCWD, '/t/a/l');
  });
  const expected = normalizeIdentity(vrootWalk(p, '/t')).map((e) => (e['type'] === S_IFDIR ? { ...e, size: 0 } : e));
  for (const options of [{}, { compress: 'lz4' as const }, { inlineData: false }]) {
    const sink = new MemorySink();
    writeErofs(new ProcessTreeSource(p, '/t'), sink, options);
    const vfs = new VirtualFileSystem();
    vfs.mount(Erofs.open(sink.bytes()), '/');
    const seen = normalizeIdentity(vrootWalk(vfs.createProcess())).map((e) => (e['type'] === S_IFDIR ? { ...e, size: 0 } : e));
    const diff = diffWalks(expected, seen, ['type', 'mode', 'uid', 'gid', 'size', 'nlink', 'rdev', 'mtime', 'data', 'xattrs', 'children', 'ino']);
    assert.deepEqual(diff, [], `${JSON.stringify(options)}: ${diff.join('\n')}`);
  }
});

test('input EROFS cannot hold is refused with ErofsWriteError', () => {
  const p = tree((q) => {
    put(q, '/t/f', new Uint8Array(1));
    q.setxattr('/t/f', 'user.big', new Uint8Array(65536));
  });
  assert.throws(() => writeErofs(new ProcessTreeSource(p, '/t'), new MemorySink()), ErofsWriteError);
  const q = tree((r) => put(r, '/t/f', new Uint8Array(1)));
  assert.throws(() => writeErofs(new ProcessTreeSource(q, '/t/f'), new MemorySink()), /not a directory/);
});

test('names that sort around "." and ".." are placed in byte order (".-x" lies between them)', () => {
  const names = ['!bang', '-minus', '.-dash', '..-x', '...', '.dot', 'z', '\x01ctl'];
  const p = tree((q) => {
    q.mkdirat(AT_FDCWD, '/t/d', 0o755);
    for (const n of names) put(q, `/t/d/${n}`, new Uint8Array(1));
  });
  const img = image(p);
  const dir = inodeAt(img, 'd');
  const listed: string[] = [];
  img.readdir(dir, 0, (name) => { listed.push(name); return true; });
  assert.deepEqual(listed, [...listed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'sorted by bytes');
  assert.deepEqual([...listed].sort(), [...names, '.', '..'].sort());
  for (const n of [...names, '.', '..']) assert.ok(img.lookup(dir, n) !== null, n);
  assert.equal(img.lookup(dir, '..')!.nid, img.sb.rootNid);
});
