// Images written by vroot, judged by the real tools: fsck.erofs accepts them (and extracts the
// same contents), the kernel mounts them showing the source tree, vroot reads them as the
// kernel does, and `extractErofs` restores everything the source held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, Erofs, MemorySink, O_CREAT, O_WRONLY, ProcessTreeSource, S_IFBLK, S_IFCHR, S_IFIFO,
  S_IFSOCK, Tmpfs, VirtualFileSystem, makedev, writeErofs, type ErofsWriteOptions, type Process,
} from '../../src/mod.js';
import { ErofsImage } from '../../src/fs/erofs/reader/image.js';
import { FileSink, FileSource, HostTreeSource, extractErofs } from '../../src/node/mod.js';
import { Prng, testSeed } from '../emu/_prng.js';
import {
  DEFAULT_SPEC, buildTree, cleanup, diffWalks, haveTools, hostWalk, normalizeIdentity, scratch, vrootWalk, withKernelMount, withTree,
  type Entry,
} from './_tree.js';

const missing = haveTools('fsck.erofs', 'mount');
const seed = testSeed(0x3e_0f5);
/** Fields the image must carry over from the source (dir sizes and block counts are per filesystem). */
const CARRIED = ['type', 'mode', 'uid', 'gid', 'nlink', 'rdev', 'mtime', 'data', 'xattrs', 'children', 'ino'];
const ALL = [...CARRIED, 'size', 'blocks'];

function withoutDirSizes(entries: Entry[]): Array<Record<string, unknown>> {
  return normalizeIdentity(entries).map((e) => (e['type'] === 0o040000 ? { ...e, size: 0 } : e));
}

function fsck(image: string): void {
  const r = spawnSync('fsck.erofs', [image]);
  assert.equal(r.status, 0, `fsck.erofs ${image}: ${r.stdout.toString()}${r.stderr.toString()}`);
}

function sha1(path: string | Buffer): string {
  return createHash('sha1').update(readFileSync(path)).digest('hex');
}

const VARIANTS: Array<{ name: string; options: ErofsWriteOptions; expect?: (e: Record<string, unknown>) => Record<string, unknown> }> = [
  { name: 'default (inline tails)', options: {} },
  { name: 'lz4', options: { compress: 'lz4' } },
  { name: 'no inline data', options: { inlineData: false } },
  { name: 'lz4, extended inodes, no inline data', options: { compress: 'lz4', forceExtended: true, inlineData: false } },
  {
    name: 'fixed timestamp, all root (compact inodes)', options: { timestamp: 1_234_567_890, allRoot: true },
    expect: (e) => ({ ...e, mtime: '1234567890.000000000', uid: 0, gid: 0 }),
  },
];

test('vroot-written images pass fsck.erofs and mount with the kernel showing the source tree', { skip: missing ?? false, timeout: 600_000 }, async (t) => {
  // 255-byte names included: mkfs.erofs 1.5 truncates them and fails; the kernel takes them.
  await withTree(seed, { ...DEFAULT_SPEC, nameMax: 255 }, async ({ work, out, src }) => {
    const source = hostWalk(src);
    const sourceByPath = new Map(source.map((e) => [e.path, e]));
    for (const v of VARIANTS) {
      await t.test(v.name, () => {
        const image = join(out, 'image');
        const sink = FileSink.create(image);
        try {
          writeErofs(new HostTreeSource(src), sink, v.options);
        } finally {
          sink.close();
        }
        fsck(image);
        const kernel = withKernelMount(image, (dir) => hostWalk(dir));
        let expected = withoutDirSizes(source);
        if (v.expect !== undefined) expected = expected.map(v.expect);
        const seen = withoutDirSizes(kernel);
        const diff = diffWalks(expected, seen, CARRIED.concat('size'));
        assert.deepEqual(diff, [], `seed ${seed}, ${v.name}: kernel view differs from the source\n${diff.join('\n')}`);
        // vroot reads its own image exactly as the kernel does, inode numbers and sizes included.
        const fs = Erofs.open(FileSource.open(image));
        try {
          const vfs = new VirtualFileSystem();
          vfs.mount(fs, '/');
          const mine = vrootWalk(vfs.createProcess());
          const d2 = diffWalks(kernel as unknown as Array<Record<string, unknown>>, mine as unknown as Array<Record<string, unknown>>, ALL);
          assert.deepEqual(d2, [], `${v.name}: vroot differs from the kernel\n${d2.join('\n')}`);
        } finally {
          fs.close();
        }
        // fsck.erofs --extract decompresses every file: the contents must be the source's.
        const x = join(work, 'fsck-extract');
        try {
          const r = spawnSync('fsck.erofs', [`--extract=${x}`, image]);
          assert.equal(r.status, 0, r.stderr.toString());
          for (const e of kernel) {
            if (e.type !== 0o100000) continue;
            assert.equal(sha1(Buffer.concat([Buffer.from(x), Buffer.from(e.path, 'hex')])), sourceByPath.get(e.path)!.data);
          }
        } finally {
            cleanup(x);
        }
      });
    }
  });
});

test('mkfs output is deterministic: the same tree and options give the same bytes', { skip: missing ?? false, timeout: 120_000 }, () => {
  const work = scratch('determinism');
  try {
    buildTree(work, seed + 7, { ...DEFAULT_SPEC, entries: 80, bigDir: 100, depth: 5 });
    const hashes = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const sink = new MemorySink();
      writeErofs(new HostTreeSource(work), sink, { compress: 'lz4' });
      hashes.add(createHash('sha256').update(sink.bytes()).digest('hex'));
    }
    assert.equal(hashes.size, 1);
    const other = new MemorySink();
    writeErofs(new HostTreeSource(work), other, { compress: 'lz4', timestamp: 1 });
    assert.ok(!hashes.has(createHash('sha256').update(other.bytes()).digest('hex')), 'a different timestamp changes the image');
  } finally {
    cleanup(work);
  }
});

test('vroot mkfs honours SOURCE_DATE_EPOCH: clamped mtimes, identical images', { skip: missing ?? false, timeout: 120_000 }, async () => {
  await withTree(seed + 9, { ...DEFAULT_SPEC, entries: 40, bigDir: 10, depth: 3 }, ({ out, src }) => {
    const epoch = 1_600_000_000;
    const bin = join(process.cwd(), 'bin', 'vroot.js');
    const images = [join(out, 'a'), join(out, 'b')];
    for (const image of images) {
      execFileSync(process.execPath, [bin, 'mkfs', '-q', '-z', 'lz4', image, src], { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } });
      fsck(image);
    }
    assert.equal(sha1(images[0]!), sha1(images[1]!));
    const kernel = withKernelMount(images[0]!, (dir) => hostWalk(dir));
    const source = new Map(hostWalk(src).map((e) => [e.path, e]));
    for (const e of kernel) {
      const [sec] = e.mtime.split('.').map(Number);
      assert.ok(sec! <= epoch, `mtime clamped for ${e.path}`);
      const orig = source.get(e.path)!;
      const [osec] = orig.mtime.split('.').map(Number);
      if (osec! < epoch) assert.equal(e.mtime, orig.mtime, 'earlier mtimes are kept');
    }
  });
});

test('extractErofs restores everything: hard links, set-id bits, xattrs, devices, nanosecond mtimes', { skip: missing ?? false, timeout: 300_000 }, async () => {
  await withTree(seed + 3, DEFAULT_SPEC, ({ work, out, src }) => {
    const image = join(out, 'image');
    const sink = FileSink.create(image);
    writeErofs(new HostTreeSource(src), sink, { compress: 'lz4' });
    sink.close();
    const dest = join(work, 'dest');
    const source = FileSource.open(image);
    const r = extractErofs(new ErofsImage(source), dest);
    source.close();
    assert.deepEqual(r.warnings, []);
    assert.ok(r.hardlinks > 0 && r.specials > 0 && r.xattrs > 0);
    const diff = diffWalks(withoutDirSizes(hostWalk(src)), withoutDirSizes(hostWalk(dest)), CARRIED.concat('size'));
    assert.deepEqual(diff, [], `seed ${seed + 3}: extracted tree differs\n${diff.join('\n')}`);
  });
});

/** Builds a tree inside vroot's tmpfs with every object type. */
function vrootTree(p: Process, rng: Prng): void {
  const write = (path: string, bytes: Uint8Array): void => {
    const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
    p.write(fd, bytes);
    p.close(fd);
  };
  p.mkdirat(AT_FDCWD, '/tree', 0o755);
  p.mkdirat(AT_FDCWD, '/tree/d', 0o2775);
  const sizes = [0, 1, 4095, 4096, 4097, 70_000, 300_000];
  for (let i = 0; i < 40; i++) {
    const data = new Uint8Array(rng.pick(sizes));
    for (let k = 0; k < data.length; k++) data[k] = rng.chance(0.5) ? k & 0x3f : rng.int(0, 255);
    const path = `/tree/${i % 2 ? 'd/' : ''}f${i}`;
    write(path, data);
    p.fchmodat(AT_FDCWD, path, rng.int(0, 0o7777));
    p.fchownat(AT_FDCWD, path, rng.pick([0, 1000, 70000]), rng.pick([0, 100, 80000]));
    if (rng.chance(0.3)) p.setxattr(path, `user.k${i}`, new Uint8Array([i, 1, 2]));
    p.utimensat(AT_FDCWD, path, [{ sec: 5, nsec: 6 }, { sec: rng.int(0, 2 ** 31), nsec: rng.int(0, 999_999_999) }]);
  }
  p.linkat(AT_FDCWD, '/tree/f0', AT_FDCWD, '/tree/d/hard', 0);
  p.symlinkat('d/f1', AT_FDCWD, '/tree/link');
  p.symlinkat('x'.repeat(3000), AT_FDCWD, '/tree/d/longlink');
  p.mknodat(AT_FDCWD, '/tree/fifo', S_IFIFO | 0o640);
  p.mknodat(AT_FDCWD, '/tree/sock', S_IFSOCK | 0o600);
  p.mknodat(AT_FDCWD, '/tree/chr', S_IFCHR | 0o600, makedev(4095, 1048575));
  p.mknodat(AT_FDCWD, '/tree/blk', S_IFBLK | 0o600, makedev(8, 1));
  p.mkdirat(AT_FDCWD, '/tree/' + 'n'.repeat(255), 0o700);
  p.fchownat(AT_FDCWD, '/tree/link', 12, 34, AT_SYMLINK_NOFOLLOW);
}

test('a vroot tree (tmpfs through a Process) becomes an image the kernel mounts identically', { skip: missing ?? false, timeout: 120_000 }, () => {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  vrootTree(p, new Prng(seed));
  const expected = withoutDirSizes(vrootWalk(p, '/tree'));
  const out = mkdtempSync(join(tmpdir(), 'vroot-erofs-p-'));
  try {
    for (const options of [{}, { compress: 'lz4' as const }]) {
      const sink = new MemorySink();
      writeErofs(new ProcessTreeSource(p, '/tree'), sink, options);
      const image = join(out, 'image');
      writeFileSync(image, sink.bytes());
      fsck(image);
      const kernel = withoutDirSizes(withKernelMount(image, (dir) => hostWalk(dir)));
      const diff = diffWalks(expected, kernel, CARRIED.concat('size'));
      assert.deepEqual(diff, [], diff.join('\n'));
      // And read back in memory, without the kernel.
      const vfs2 = new VirtualFileSystem();
      vfs2.mount(Erofs.open(sink.bytes()), '/');
      assert.deepEqual(diffWalks(expected, withoutDirSizes(vrootWalk(vfs2.createProcess())), CARRIED.concat('size')), []);
    }
  } finally {
    cleanup(out);
  }
});
