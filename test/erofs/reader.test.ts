// The EROFS reader as a vroot filesystem: superblock checks, lookups in multi-block
// directories, resumable 31-bit readdir cookies, random-access reads of every layout, read-only
// errors, statfs and the bounded cache. Images come from vroot's writer (no tools needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, DT_DIR, DT_REG, Erofs, MemorySink, O_CREAT, O_DIRECTORY, O_RDONLY, O_RDWR, O_WRONLY,
  ProcessTreeSource, SEEK_SET, Tmpfs, VfsError, VirtualFileSystem, writeErofs, type ErofsWriteOptions, type Process,
} from '../../src/mod.js';
import { FileSource } from '../../src/node/mod.js';
import { EROFS_MAGIC } from '../../src/fs/erofs/format/constants.js';
import { superblockChecksum } from '../../src/fs/erofs/format/superblock.js';
import { Prng, testSeed } from '../emu/_prng.js';
import { code } from '../_errno.js';

const seed = testSeed(0x2ead);


interface Fixture {
  bytes: Uint8Array;
  files: Map<string, Uint8Array>;
  names: string[];
}

/** A tmpfs tree with a 2000-entry directory and files of every size class, written as an image. */
function fixture(options: ErofsWriteOptions = {}): Fixture {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  const rng = new Prng(seed);
  p.mkdirat(AT_FDCWD, '/t', 0o755);
  p.mkdirat(AT_FDCWD, '/t/big', 0o755);
  const names: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const name = `${rng.int(0, 1e9).toString(36)}-${'x'.repeat(rng.int(0, 80))}-${i}`;
    names.push(name);
    p.close(p.openat(AT_FDCWD, `/t/big/${name}`, O_CREAT | O_WRONLY, 0o600));
  }
  p.mkdirat(AT_FDCWD, '/t/big/sub', 0o755);
  names.push('sub');
  const files = new Map<string, Uint8Array>();
  for (const size of [0, 1, 4095, 4096, 4097, 12288, 100_000, 1_000_003]) {
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = rng.chance(0.8) ? (i * 13) >> 5 : rng.int(0, 255);
    const path = `/t/f${size}`;
    const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
    p.write(fd, data);
    p.close(fd);
    files.set(path.slice(3), data);
  }
  p.linkat(AT_FDCWD, '/t/f4097', AT_FDCWD, '/t/big/sub/hard', 0);
  const sink = new MemorySink();
  writeErofs(new ProcessTreeSource(p, '/t'), sink, options);
  return { bytes: sink.bytes().slice(), files, names };
}

function mounted(bytes: Uint8Array, options = {}): { p: Process; fs: Erofs } {
  const vfs = new VirtualFileSystem();
  const fs = Erofs.open(bytes, options);
  vfs.mount(fs, '/');
  return { p: vfs.createProcess(), fs };
}

const plain = fixture();
const compressed = fixture({ compress: 'lz4' });

test('superblock checks: bad magic EINVAL, bad checksum EUCLEAN, unknown incompat features EOPNOTSUPP', () => {
  const b = plain.bytes.slice();
  assert.equal(new DataView(b.buffer).getUint32(1024, true), EROFS_MAGIC);
  b[1024] = b[1024]! ^ 1;
  assert.equal(code(() => Erofs.open(b)), 'EINVAL');
  const c = plain.bytes.slice();
  c[1024 + 36] = c[1024 + 36]! ^ 1; // blocks field, checksum left stale
  assert.equal(code(() => Erofs.open(c)), 'EUCLEAN');
  const d = plain.bytes.slice();
  new DataView(d.buffer).setUint32(1024 + 80, 0x40, true); // xattr_prefixes, not implemented
  new DataView(d.buffer).setUint32(1028, superblockChecksum(d, 12), true);
  assert.throws(() => Erofs.open(d), (e: unknown) => e instanceof VfsError && e.code === 'EOPNOTSUPP' && /xattr_prefixes/.test(e.message));
  assert.equal(code(() => Erofs.open(plain.bytes.subarray(0, 1100))), 'EINVAL');
});

test('every name of a multi-block directory is found by binary search; others are ENOENT', () => {
  for (const fx of [plain, compressed]) {
    const { p } = mounted(fx.bytes);
    const st = p.fstatat(AT_FDCWD, '/big');
    assert.ok(st.size > 3 * 4096, 'the directory spans several blocks');
    for (const name of fx.names) assert.equal(code(() => p.fstatat(AT_FDCWD, `/big/${name}`, AT_SYMLINK_NOFOLLOW)), 'OK', name);
    for (const name of ['', '0', 'zzzz', '~', fx.names[5] + 'x', fx.names[9]!.slice(0, -1), '\x01']) {
      if (name === '' || fx.names.includes(name)) continue;
      assert.equal(code(() => p.fstatat(AT_FDCWD, `/big/${name}`)), 'ENOENT', JSON.stringify(name));
    }
  }
});

test('readdir cookies fit 31 bits and resume a listing anywhere', () => {
  const { p } = mounted(plain.bytes);
  const fd = p.openat(AT_FDCWD, '/big', O_RDONLY | O_DIRECTORY);
  const all = [];
  for (;;) {
    const batch = p.getdents64(fd, 400);
    if (batch.length === 0) break;
    all.push(...batch);
  }
  assert.equal(all.length, plain.names.length + 2);
  assert.deepEqual(all.slice(2).map((e) => e.name).sort(), [...plain.names].sort());
  assert.ok(all.every((e) => e.off > 0 && e.off <= 0x7fffffff));
  assert.equal(all.find((e) => e.name === 'sub')!.type, DT_DIR);
  assert.equal(all.find((e) => e.name === plain.names[0])!.type, DT_REG);
  // Seek to each tenth cookie: the listing continues with the entry after it.
  for (let i = 0; i < all.length - 1; i += 97) {
    p.lseek(fd, all[i]!.off, SEEK_SET);
    assert.equal(p.getdents64(fd, 400)[0]!.name, all[i + 1]!.name);
  }
  p.close(fd);
});

test('random-access reads of plain, inline and compressed files return the written bytes', () => {
  const rng = new Prng(seed + 1);
  for (const fx of [plain, compressed, fixture({ inlineData: false })]) {
    const { p } = mounted(fx.bytes, { extentCacheBytes: 64 * 1024 });
    for (const [path, data] of fx.files) {
      const fd = p.openat(AT_FDCWD, `/${path}`, O_RDONLY);
      assert.equal(p.fstat(fd).size, data.length);
      for (let k = 0; k < 40; k++) {
        const pos = rng.int(0, data.length + 10);
        const len = rng.int(0, 70_000);
        const buf = new Uint8Array(len);
        const n = p.pread(fd, buf, pos);
        assert.equal(n, Math.max(0, Math.min(len, data.length - pos)));
        assert.deepEqual(buf.subarray(0, n), data.subarray(pos, pos + n), `${path} @${pos}+${len}`);
      }
      p.close(fd);
    }
  }
});

test('inode numbers are nids: hard links share one, st_blocks counts image blocks', () => {
  const { p, fs } = mounted(compressed.bytes);
  const a = p.fstatat(AT_FDCWD, '/f4097');
  const b = p.fstatat(AT_FDCWD, '/big/sub/hard');
  assert.equal(a.ino, b.ino);
  assert.equal(a.nlink, 2);
  assert.equal(p.fstatat(AT_FDCWD, '/').ino, fs.image.sb.rootNid);
  const big = p.fstatat(AT_FDCWD, '/f1000003');
  assert.ok(big.blocks > 0 && big.blocks < 1_000_003 / 512, 'a compressible file takes fewer blocks than its size');
  assert.equal(p.fstatat(AT_FDCWD, '/f0').blocks, 0);
});

test('the filesystem is read-only: writes fail with EROFS', () => {
  const { p } = mounted(plain.bytes);
  assert.equal(code(() => p.openat(AT_FDCWD, '/f1', O_RDWR)), 'EROFS');
  assert.equal(code(() => p.openat(AT_FDCWD, '/new', O_CREAT | O_WRONLY, 0o644)), 'EROFS');
  assert.equal(code(() => p.mkdirat(AT_FDCWD, '/d', 0o755)), 'EROFS');
  assert.equal(code(() => p.unlinkat(AT_FDCWD, '/f1')), 'EROFS');
  assert.equal(code(() => p.setxattr('/f1', 'user.x', new Uint8Array(1))), 'EROFS');
  assert.equal(code(() => p.fchmodat(AT_FDCWD, '/f1', 0o600)), 'EROFS');
});

test('statfs reports the EROFS magic, blocks, no free space and 255-byte names', () => {
  const { p, fs } = mounted(plain.bytes);
  const st = p.statfs('/');
  assert.equal(st.type, EROFS_MAGIC);
  assert.equal(st.bsize, 4096);
  assert.equal(st.blocks, plain.bytes.length / 4096);
  assert.equal(st.bfree, 0);
  assert.equal(st.namelen, 255);
  assert.equal(st.flags & 1, 1, 'ST_RDONLY');
  assert.equal(fs.type, 'erofs');
});

test('the block cache stays within its bound, and file data does not go through it', () => {
  const { p, fs } = mounted(plain.bytes, { cacheBlocks: 4 });
  const fd = p.openat(AT_FDCWD, '/big', O_RDONLY | O_DIRECTORY);
  while (p.getdents64(fd).length > 0);
  p.close(fd);
  for (const name of plain.names.slice(0, 300)) p.fstatat(AT_FDCWD, `/big/${name}`);
  assert.ok(fs.image.cache.size <= 4, `${fs.image.cache.size} blocks cached`);
  const misses = fs.image.cache.misses;
  const f = p.openat(AT_FDCWD, '/f1000003', O_RDONLY);
  const buf = new Uint8Array(1 << 20);
  while (p.read(f, buf) > 0);
  p.close(f);
  assert.ok(fs.image.cache.misses - misses <= 1, 'a plain file is read around the cache');
});

test('FileSource reads an image file with positional reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vroot-erofs-fs-'));
  try {
    const path = join(dir, 'img');
    writeFileSync(path, compressed.bytes);
    const source = FileSource.open(path);
    assert.equal(source.size, compressed.bytes.length);
    const vfs = new VirtualFileSystem();
    const fs = Erofs.open(source);
    vfs.mount(fs, '/');
    const p = vfs.createProcess();
    const fd = p.openat(AT_FDCWD, '/f100000', O_RDONLY);
    const buf = new Uint8Array(100_000);
    assert.equal(p.read(fd, buf), 100_000);
    assert.deepEqual(buf, compressed.files.get('f100000'));
    fs.close();
    assert.equal(code(() => source.read(buf, 0, 10, 0)), 'EIO');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
