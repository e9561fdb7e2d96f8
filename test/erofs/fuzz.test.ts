// Corrupted images: a seeded loop mutates valid images (random bytes, truncation, out-of-range
// block addresses, absurd sizes, bad name offsets, directory cycles, bad indexes) and reads
// everything through the VFS. Every operation must end in a VfsError with a corruption or I/O
// errno, never another exception, a hang or a huge allocation.
// EROFS_FUZZ_CASES sets the number of cases (default 10000); VROOT_SEED the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, Erofs, MemorySink, O_CREAT, O_DIRECTORY, O_RDONLY, O_WRONLY, ProcessTreeSource, S_IFCHR,
  S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, Tmpfs, VfsError, VirtualFileSystem, makedev, setDentryCacheLimit, writeErofs, type ErofsWriteOptions,
  type Process,
} from '../../src/mod.js';
import { superblockChecksum } from '../../src/fs/erofs/format/superblock.js';
import { ErofsImage } from '../../src/fs/erofs/reader/image.js';
import { BufferSource } from '../../src/fs/erofs/byte_source.js';
import { isCompressedLayout, rawBlkaddr } from '../../src/fs/erofs/format/inode.js';
import { Prng, testSeed } from '../emu/_prng.js';
import { buildTree, cleanup, scratch } from './_tree.js';

const CASES = Number(process.env['EROFS_FUZZ_CASES'] ?? 10_000);
const seed = testSeed(0xf022);
/** What a read of a damaged image may answer (besides success). */
const ALLOWED = new Set(['EIO', 'EUCLEAN', 'EOPNOTSUPP', 'EINVAL', 'ENOENT', 'ENOTDIR', 'E2BIG', 'ERANGE', 'EOVERFLOW', 'ENODATA']);

function smallTree(p: Process, rng: Prng): void {
  const write = (path: string, n: number): void => {
    const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = rng.chance(0.6) ? (i >> 3) & 0xff : rng.int(0, 255);
    p.write(fd, b);
    p.close(fd);
  };
  p.mkdirat(AT_FDCWD, '/t', 0o755);
  p.mkdirat(AT_FDCWD, '/t/a', 0o755);
  p.mkdirat(AT_FDCWD, '/t/a/b', 0o755);
  p.mkdirat(AT_FDCWD, '/t/big', 0o755);
  for (let i = 0; i < 150; i++) write(`/t/big/entry-with-a-longish-name-${i}`, 0);
  for (const [i, n] of [0, 1, 100, 4095, 4097, 9000, 20000, 70000].entries()) write(`/t/${i % 2 ? 'a/' : 'a/b/'}f${i}`, n);
  p.setxattr('/t/a/f1', 'user.one', new Uint8Array([1, 2, 3]));
  p.setxattr('/t/a/f3', 'user.one', new Uint8Array([1, 2, 3]));
  p.setxattr('/t/a/f3', 'trusted.two', new Uint8Array(300));
  p.symlinkat('b/f0', AT_FDCWD, '/t/a/link');
  p.symlinkat('y'.repeat(4000), AT_FDCWD, '/t/long');
  p.linkat(AT_FDCWD, '/t/a/f1', AT_FDCWD, '/t/hard', 0);
  p.mknodat(AT_FDCWD, '/t/fifo', S_IFIFO | 0o600);
  p.mknodat(AT_FDCWD, '/t/dev', S_IFCHR | 0o600, makedev(1, 3));
}

/** Base images: vroot-written in several layouts, plus mkfs.erofs ones when the tool exists. */
function baseImages(): Array<{ name: string; bytes: Uint8Array }> {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  smallTree(p, new Prng(seed));
  const out: Array<{ name: string; bytes: Uint8Array }> = [];
  const variants: Array<[string, ErofsWriteOptions]> = [['vroot', {}], ['vroot lz4', { compress: 'lz4' }], ['vroot noinline', { inlineData: false, forceExtended: true }]];
  for (const [name, options] of variants) {
    const sink = new MemorySink();
    writeErofs(new ProcessTreeSource(p, '/t'), sink, options);
    out.push({ name, bytes: sink.bytes().slice() });
  }
  if (spawnSync('sh', ['-c', 'command -v mkfs.erofs']).status === 0 && process.getuid?.() === 0) {
    const src = scratch('fuzz-src');
    const dir = mkdtempSync(join(tmpdir(), 'vroot-fuzz-'));
    try {
      buildTree(src, seed, { entries: 25, nameMax: 100, bigDir: 120, depth: 4, specials: true, xattrs: true, maxFileSize: 40_000 });
      const args: Array<[string, string[]]> = [
        ['mkfs.erofs lz4hc legacy', ['-zlz4hc', '-Elegacy-compress']], ['mkfs.erofs lz4 big pcluster', ['-zlz4hc', '-C16384']],
        ['mkfs.erofs ztailpacking', ['-zlz4', '-Eztailpacking']], ['mkfs.erofs chunks', ['--chunksize=8192', '-Eforce-chunk-indexes']],
        ['mkfs.erofs -x0', ['-x0', '-T0']],
      ];
      for (const [name, a] of args) {
        const image = join(dir, 'img');
        const r = spawnSync('mkfs.erofs', ['--quiet', ...a, image, src]);
        if (r.status === 0) out.push({ name, bytes: new Uint8Array(readFileSync(image)) });
      }
    } finally {
      cleanup(src);
      cleanup(dir);
    }
  }
  return out;
}

/** Byte ranges worth damaging: the superblock, inodes with xattrs and indexes, directory blocks. */
function regions(bytes: Uint8Array): Array<[number, number]> {
  const image = new ErofsImage(new BufferSource(bytes));
  const out: Array<[number, number]> = [[1024, 1024 + 128]];
  const seen = new Set<number>();
  const queue = [image.sb.rootNid];
  while (queue.length > 0) {
    const nid = queue.shift()!;
    if (seen.has(nid)) continue;
    seen.add(nid);
    const ino = image.inode(nid);
    const at = image.inodePosition(nid);
    out.push([at, Math.min(bytes.length, image.inodeEnd(ino) + 64)]);
    if (isCompressedLayout(ino.layout)) out.push([image.inodeEnd(ino), Math.min(bytes.length, image.inodeEnd(ino) + 256)]);
    if ((ino.mode & S_IFMT) === S_IFDIR) {
      for (let b = 0; b * image.blockSize < ino.size; b++) {
        if (rawBlkaddr(ino) !== 0xffffffff && ino.layout !== 2) out.push([(rawBlkaddr(ino) + b) * image.blockSize, (rawBlkaddr(ino) + b + 1) * image.blockSize]);
      }
      image.readdir(ino, 0, (name, child) => {
        if (name !== '.' && name !== '..') queue.push(child);
        return true;
      });
    }
  }
  return out;
}

interface Target {
  name: string;
  bytes: Uint8Array;
  regions: Array<[number, number]>;
  dirents: number[];
  rootNid: number;
  metaBase: number;
}

/** Applies one seeded mutation; returns a description. */
function mutate(t: Target, rng: Prng): { bytes: Uint8Array; what: string } {
  let b = t.bytes.slice();
  const region = rng.pick(t.regions);
  const at = (): number => rng.int(region[0], Math.max(region[0], region[1] - 1));
  const u32 = (o: number, v: number): void => { if (o + 4 <= b.length) new DataView(b.buffer).setUint32(o, v >>> 0, true); };
  const u16 = (o: number, v: number): void => { if (o + 2 <= b.length) new DataView(b.buffer).setUint16(o, v & 0xffff, true); };
  let what: string;
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
    case 2: {
      const n = rng.int(1, 8);
      for (let i = 0; i < n; i++) b[at()] = rng.int(0, 255);
      what = `${n} random bytes in [${region[0]}, ${region[1]})`;
      break;
    }
    case 3:
      b = b.slice(0, rng.int(0, b.length - 1));
      what = `truncated to ${b.length}`;
      break;
    case 4: {
      const o = at() & ~3;
      const v = rng.pick([0xffffffff, 0xfffffffe, 0x7fffffff, 0x10000, rng.int(0, 0xffffffff), b.length >>> 12, (b.length >>> 12) + 1]);
      u32(o, v);
      what = `u32 ${v} at ${o} (block address, size, nid)`;
      break;
    }
    case 5: {
      const o = at() & ~1;
      const v = rng.pick([0, 1, 12, 0xffff, 4095, 4096, rng.int(0, 0xffff)]);
      u16(o, v);
      what = `u16 ${v} at ${o} (nameoff, icount, format, mode)`;
      break;
    }
    case 6: {
      // A dirent pointing back at the root or at random slots: cycles and wild nids.
      const o = rng.pick(t.dirents);
      const nid = rng.pick([t.rootNid, 0, rng.int(0, 5000), 0x7fffffff]);
      u32(o, nid);
      u32(o + 4, rng.chance(0.9) ? 0 : rng.int(0, 0xffffffff));
      what = `dirent at ${o} -> nid ${nid}`;
      break;
    }
    case 7: {
      // Absurd inode sizes: compact (u32 at +8) or extended (u64 at +8).
      const o = rng.pick(t.regions.slice(1))[0];
      u32(o + 8, rng.pick([0xffffffff, 0x80000000, rng.int(0, 0xffffffff)]));
      if (rng.chance(0.5)) u32(o + 12, rng.pick([0, 1, 0x1fffff, 0xffffffff]));
      what = `inode size at ${o}`;
      break;
    }
    case 8: {
      const o = 1024 + rng.pick([12, 13, 14, 36, 40, 44, 80, 84]);
      b[o] = rng.int(0, 255);
      what = `superblock byte ${o}`;
      break;
    }
    default: {
      const o = at();
      const len = rng.int(1, 64);
      b.fill(rng.pick([0, 0xff]), o, Math.min(b.length, o + len));
      what = `${len} bytes filled at ${o}`;
    }
  }
  // Most cases re-seal the superblock so the damage reaches past the checksum.
  if (rng.chance(0.85) && b.length >= 4096) {
    new DataView(b.buffer).setUint32(1028, superblockChecksum(b, b[1024 + 12]! >= 9 && b[1024 + 12]! <= 16 ? b[1024 + 12]! : 12), true);
  }
  return { bytes: b, what };
}

const SLASH = Buffer.from('/');

/** Reads everything reachable; returns the errno names met. */
function readAll(bytes: Uint8Array, codes: string[]): void {
  const check = (e: unknown): void => {
    if (!(e instanceof VfsError)) throw e;
    codes.push(e.code);
  };
  let fs: Erofs;
  try {
    fs = Erofs.open(bytes, { cacheBlocks: 8 });
  } catch (e) {
    check(e);
    return;
  }
  const vfs = new VirtualFileSystem();
  vfs.mount(fs, '/');
  const p = vfs.createProcess();
  const buf = new Uint8Array(65536);
  let budget = 400;
  const walk = (path: Buffer, depth: number): void => {
    if (--budget < 0 || depth > 40) return;
    let st;
    try {
      st = p.fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
      p.listxattr(path, { nofollow: true }).forEach((n) => {
        try { p.getxattr(path, n, { nofollow: true }); } catch (e) { check(e); }
      });
    } catch (e) {
      check(e);
      return;
    }
    try {
      switch (st.mode & S_IFMT) {
        case S_IFREG: {
          const fd = p.openat(AT_FDCWD, path, O_RDONLY);
          try {
            let pos = 0;
            for (let i = 0; i < 64; i++) {
              const n = p.pread(fd, buf, pos);
              if (n === 0) break;
              pos += n;
            }
          } finally {
            p.close(fd);
          }
          break;
        }
        case S_IFLNK:
          p.readlinkat(AT_FDCWD, path);
          break;
        case S_IFDIR: {
          const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
          const names: Buffer[] = [];
          try {
            for (let i = 0; i < 50; i++) {
              const batch = p.getdents64(fd, 8192);
              if (batch.length === 0) break;
              for (const d of batch) if (d.rawName !== '.' && d.rawName !== '..') names.push(Buffer.from(d.rawName, 'latin1'));
            }
          } finally {
            p.close(fd);
          }
          for (const n of names) walk(Buffer.concat([path.length === 1 ? Buffer.alloc(0) : path, SLASH, n]), depth + 1);
          break;
        }
      }
    } catch (e) {
      check(e);
    }
  };
  // Paths go in as bytes so non-UTF-8 names survive.
  walk(Buffer.from('/'), 0);
}

test(`fuzz: ${CASES} corrupted images end in clean VfsErrors`, { timeout: 3_600_000 }, (t) => {
  // Dentries of every case's throw-away VFS sit in the realm-wide dentry cache until evicted, and
  // they keep their image alive: a small bound keeps the loop's memory that of one case.
  setDentryCacheLimit(2000);
  const bases = baseImages();
  if (bases.length < 6) t.diagnostic('mkfs.erofs not available: fuzzing vroot-written images only');
  const targets: Target[] = bases.map(({ name, bytes }) => {
    const image = new ErofsImage(new BufferSource(bytes));
    const dirents: number[] = [];
    for (const [start, end] of regions(bytes)) for (let o = start; o + 12 <= end; o += 12) dirents.push(o);
    return { name, bytes, regions: regions(bytes), dirents, rootNid: image.sb.rootNid, metaBase: image.sb.metaBlkaddr * image.blockSize };
  });
  // Each base image reads cleanly before it is damaged.
  for (const target of targets) {
    const codes: string[] = [];
    readAll(target.bytes, codes);
    assert.deepEqual(codes, [], `${target.name} reads without errors`);
  }
  const rng = new Prng(seed);
  const tally = new Map<string, number>();
  let slowest = 0;
  const rssStart = process.memoryUsage().rss;
  let rssMax = rssStart;
  for (let i = 0; i < CASES; i++) {
    const target = targets[i % targets.length]!;
    const { bytes, what } = mutate(target, rng);
    const codes: string[] = [];
    const started = performance.now();
    try {
      readAll(bytes, codes);
    } catch (e) {
      assert.fail(`case ${i} (seed ${seed}, ${target.name}, ${what}): ${(e as Error).stack}`);
    }
    const took = performance.now() - started;
    slowest = Math.max(slowest, took);
    assert.ok(took < 5000, `case ${i} (${target.name}, ${what}) took ${took} ms`);
    for (const c of codes) {
      assert.ok(ALLOWED.has(c), `case ${i} (seed ${seed}, ${target.name}, ${what}): unexpected ${c}`);
      tally.set(c, (tally.get(c) ?? 0) + 1);
    }
    if (codes.length === 0) tally.set('clean', (tally.get('clean') ?? 0) + 1);
    if (i % 256 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }
  t.diagnostic(`${CASES} cases over ${targets.map((x) => x.name).join(', ')}; slowest ${slowest.toFixed(1)} ms; ` +
    `rss ${(rssStart / 2 ** 20).toFixed(0)} -> ${(rssMax / 2 ** 20).toFixed(0)} MiB; outcomes ${JSON.stringify(Object.fromEntries(tally))}`);
  assert.ok((tally.get('EUCLEAN') ?? 0) > 0, 'corruption was detected at least once');
  assert.ok(rssMax - rssStart < 512 * 2 ** 20, 'memory stays bounded');
  setDentryCacheLimit(250_000);
});

test('a directory entry pointing at an ancestor (a cycle) is EUCLEAN, not an endless walk', () => {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  p.mkdirat(AT_FDCWD, '/t', 0o755);
  p.mkdirat(AT_FDCWD, '/t/a', 0o755);
  p.mkdirat(AT_FDCWD, '/t/a/zz', 0o755);
  const sink = new MemorySink();
  writeErofs(new ProcessTreeSource(p, '/t'), sink);
  const bytes = sink.bytes().slice();
  const image = new ErofsImage(new BufferSource(bytes));
  const a = image.lookup(image.inode(image.sb.rootNid), 'a')!;
  const zz = image.lookup(image.inode(a.nid), 'zz')!;
  // Rewrite the dirent of "zz" inside "a" (inline after a's inode) to point at the root.
  const aIno = image.inode(a.nid);
  const tail = image.inodeEnd(aIno);
  let found = -1;
  for (let o = tail; o < tail + aIno.size; o += 12) {
    if (new DataView(bytes.buffer).getUint32(o, true) === zz.nid) { found = o; break; }
  }
  assert.ok(found > 0);
  new DataView(bytes.buffer).setUint32(found, image.sb.rootNid, true);
  const vfs2 = new VirtualFileSystem();
  vfs2.mount(Erofs.open(bytes), '/');
  const q = vfs2.createProcess();
  assert.equal(q.fstatat(AT_FDCWD, '/a').mode & S_IFMT, S_IFDIR);
  assert.throws(() => q.fstatat(AT_FDCWD, '/a/zz'), (e: unknown) => e instanceof VfsError && e.code === 'EUCLEAN');
});
