// Images made by mkfs.erofs (erofs-utils 1.5) in every layout it offers, read by vroot and by
// the kernel (a loop mount): both must show the same tree, field by field, inode numbers and
// block counts included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Erofs, VirtualFileSystem } from '../../src/mod.js';
import { FileSource } from '../../src/node/mod.js';
import { testSeed } from '../emu/_prng.js';
import { DEFAULT_SPEC, buildTree, cleanup, diffWalks, haveTools, hostWalk, scratch, vrootWalk, withKernelMount, withTree, type Entry } from './_tree.js';

const FIELDS = ['type', 'mode', 'uid', 'gid', 'size', 'nlink', 'rdev', 'mtime', 'ino', 'blocks', 'data', 'xattrs', 'children'];

/** mkfs.erofs variants: every layout and inode form erofs-utils 1.5 writes. */
const VARIANTS: Array<{ name: string; args: string[] }> = [
  { name: 'default (FLAT_INLINE, extended inodes)', args: [] },
  { name: '-E noinline_data (FLAT_PLAIN)', args: ['-Enoinline_data'] },
  { name: '-T --all-root (compact inodes)', args: ['-T1600000000', '--all-root'] },
  { name: '-E force-inode-compact --ignore-mtime', args: ['-Eforce-inode-compact', '--ignore-mtime', '--force-uid=1', '--force-gid=2'] },
  { name: '-E force-inode-extended -x0 (all xattrs shared)', args: ['-Eforce-inode-extended', '-x0'] },
  { name: '-x-1 (no xattrs)', args: ['-x-1'] },
  { name: '-zlz4 (COMPRESSED_COMPACT, 0padding)', args: ['-zlz4'] },
  { name: '-zlz4hc,12', args: ['-zlz4hc,12'] },
  { name: '-zlz4 -E legacy-compress (COMPRESSED_FULL, no 0padding)', args: ['-zlz4', '-Elegacy-compress'] },
  { name: '-zlz4hc -E legacy-compress (COMPRESSED_FULL, 0padding)', args: ['-zlz4hc', '-Elegacy-compress'] },
  { name: '-zlz4hc -C65536 (big pclusters, compact)', args: ['-zlz4hc', '-C65536'] },
  { name: '-zlz4 -C16384 -E legacy-compress (big pclusters, full)', args: ['-zlz4', '-C16384', '-Elegacy-compress'] },
  { name: '-zlz4 -E ztailpacking', args: ['-zlz4', '-Eztailpacking'] },
  { name: '-zlz4hc -C32768 -E ztailpacking,noinline_data', args: ['-zlz4hc', '-C32768', '-Eztailpacking,noinline_data'] },
  { name: '--chunksize=8192 (CHUNK_BASED block map)', args: ['--chunksize=8192'] },
  { name: '--chunksize=65536 -E force-chunk-indexes', args: ['--chunksize=65536', '-Eforce-chunk-indexes'] },
];

const missing = haveTools('mkfs.erofs', 'mount');
const seed = testSeed(0x5eed_e505);

test('mkfs.erofs images read the same through vroot as through the kernel', { skip: missing ?? false, timeout: 600_000 }, async (t) => {
  await withTree(seed, DEFAULT_SPEC, async ({ out, src }) => {
    const source = hostWalk(src);
    assert.ok(source.length > 500, `generated tree has ${source.length} entries`);
    for (const v of VARIANTS) {
      await t.test(v.name, () => {
        const image = join(out, 'image');
        execFileSync('mkfs.erofs', ['--quiet', ...v.args, image, src], { stdio: ['ignore', 'ignore', 'pipe'] });
        const kernel = withKernelMount(image, (dir) => hostWalk(dir));
        const fs = Erofs.open(FileSource.open(image), { cacheBlocks: 16 });
        try {
          const vfs = new VirtualFileSystem();
          vfs.mount(fs, '/');
          const mine = vrootWalk(vfs.createProcess());
          const diff = diffWalks(kernel as unknown as Array<Record<string, unknown>>, mine as unknown as Array<Record<string, unknown>>, FIELDS);
          assert.deepEqual(diff, [], `seed ${seed}, ${v.name}:\n${diff.join('\n')}`);
          assert.equal(mine.length, source.length, 'the image holds every source entry');
        } finally {
          fs.close();
        }
      });
    }
  });
});

test('the kernel walk sees what the source tree holds (the generator is sound)', { skip: missing ?? false, timeout: 120_000 }, () => {
  const work = scratch('interop-src');
  try {
    buildTree(work, seed + 1, { ...DEFAULT_SPEC, entries: 60, bigDir: 50, depth: 5 });
    const walk: Entry[] = hostWalk(work);
    const types = new Set(walk.map((e) => e.type));
    for (const t of [0o100000, 0o040000, 0o120000, 0o010000, 0o140000, 0o020000, 0o060000]) assert.ok(types.has(t), `type 0${t.toString(8)} generated`);
    assert.ok(walk.some((e) => e.nlink > 1 && e.type === 0o100000), 'hard links generated');
    assert.ok(walk.some((e) => (e.mode & 0o6000) !== 0), 'set-id bits generated');
    assert.ok(walk.some((e) => e.xattrs.length > 0), 'xattrs generated');
    assert.ok(walk.some((e) => e.uid > 65535), '32-bit uids generated');
  } finally {
    cleanup(work);
  }
});
