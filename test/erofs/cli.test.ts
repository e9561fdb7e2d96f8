// `vroot mkfs`, `vroot inspect` and `vroot extract` as a user runs them, with dump.erofs as the
// judge of what inspect reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, Erofs, VirtualFileSystem, describeInode } from '../../src/mod.js';
import { FileSource } from '../../src/node/mod.js';
import { testSeed } from '../emu/_prng.js';
import { DEFAULT_SPEC, diffWalks, haveTools, hostWalk, normalizeIdentity, withTree } from './_tree.js';

const missing = haveTools('dump.erofs', 'mkfs.erofs');
const bin = join(process.cwd(), 'bin', 'vroot.js');
const seed = testSeed(0xc11);

function vroot(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { maxBuffer: 1 << 26 });
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function dumpField(text: string, label: string): string {
  const m = new RegExp(`${label}:\\s*([^\\s]+)`).exec(text);
  assert.ok(m, `dump.erofs shows ${label}`);
  return m[1]!;
}

test('vroot inspect agrees with dump.erofs on the superblock, inodes and extents', { skip: missing ?? false, timeout: 120_000 }, async () => {
  await withTree(seed, { ...DEFAULT_SPEC, entries: 60, bigDir: 100, depth: 4 }, ({ out, src }) => {
    const images: string[] = [];
    const mine = join(out, 'vroot.img');
    const made = vroot('mkfs', '-z', 'lz4', mine, src);
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stderr, /inodes/);
    images.push(mine);
    for (const args of [['-zlz4hc', '-Elegacy-compress'], ['-zlz4', '-C16384'], []]) {
      const image = join(out, `mkfs${images.length}.img`);
      execFileSync('mkfs.erofs', ['--quiet', ...args, image, src]);
      images.push(image);
    }
    for (const image of images) {
      const sb = JSON.parse(vroot('inspect', '--json', image).stdout) as Record<string, unknown>;
      const dump = execFileSync('dump.erofs', ['-s', image]).toString();
      assert.equal(sb['blocks'], Number(dumpField(dump, 'Filesystem blocks')));
      assert.equal(sb['rootNid'], Number(dumpField(dump, 'Filesystem root nid')));
      assert.equal(sb['inodes'], Number(dumpField(dump, 'Filesystem inode count')));
      assert.equal(sb['metaBlkaddr'], Number(dumpField(dump, 'Filesystem inode metadata start block')));
      assert.equal(sb['uuid'], dumpField(dump, 'Filesystem UUID'));
      const features = /Filesystem features:\s*(.*)/.exec(dump)![1]!.trim().split(/\s+/);
      assert.deepEqual([...(sb['featureCompat'] as string[]), ...(sb['featureIncompat'] as string[])], features);
      // Every path of the tree: nid, size, links, layout, inode and xattr sizes, owner, mode.
      // The command for a few paths, the same report from the library for the rest (process
      // start-up would dominate otherwise).
      const paths = hostWalk(src).map((e) => '/' + Buffer.from(e.path, 'hex').toString('latin1'))
        .filter((rel) => /^[\x21-\x7e/]*$/.test(rel) && rel !== '/').slice(0, 60);
      const fs = Erofs.open(FileSource.open(image));
      const vfs = new VirtualFileSystem();
      vfs.mount(fs, '/');
      const proc = vfs.createProcess();
      for (const [k, rel] of paths.entries()) {
        let info: Record<string, unknown>;
        if (k < 3) {
          const r = vroot('inspect', '--json', image, rel);
          assert.equal(r.status, 0, r.stderr);
          info = JSON.parse(r.stdout) as Record<string, unknown>;
        } else {
          info = JSON.parse(JSON.stringify(describeInode(fs.image, fs.image.inode(proc.fstatat(AT_FDCWD, rel, AT_SYMLINK_NOFOLLOW).ino)))) as Record<string, unknown>;
        }
        const d = execFileSync('dump.erofs', [`--path=${rel}`, image]).toString();
        assert.equal(info['nid'], Number(dumpField(d, 'NID')), rel);
        assert.equal(info['size'], Number(dumpField(d, 'Size')), rel);
        assert.equal(info['nlink'], Number(dumpField(d, 'Links')), rel);
        const layouts = ['FLAT_PLAIN', 'COMPRESSED_FULL', 'FLAT_INLINE', 'COMPRESSED_COMPACT', 'CHUNK_BASED'];
        assert.equal(layouts.indexOf(info['layout'] as string), Number(dumpField(d, 'Layout')), rel);
        assert.equal(info['version'] === 'extended' ? 64 : 32, Number(dumpField(d, 'Inode size')), rel);
        assert.equal(info['xattrBodySize'], Number(dumpField(d, 'Xattr size')), rel);
        assert.equal(info['uid'], Number(dumpField(d, 'Uid')), rel);
        assert.equal(info['gid'], Number(dumpField(d, 'Gid')), rel);
        // dump.erofs 1.5 shows the permission bits only.
        assert.equal(parseInt(info['mode'] as string, 8) & 0o777, parseInt(dumpField(d, 'Access').split('/')[0]!, 8), rel);
        if (info['layout'] === 'COMPRESSED_COMPACT' || info['layout'] === 'COMPRESSED_FULL') {
          // dump.erofs lists extents by logical start: the physical start must match ours.
          const ranges = info['data'] as Array<{ offset: number; length: number; position: number }>;
          const ext = execFileSync('dump.erofs', [`--path=${rel}`, '-e', image]).toString();
          for (const m of ext.matchAll(/^\s*\d+:\s+(\d+)\.\.\s*(\d+) \|\s*\d+ :\s+(\d+)\.\./gm)) {
            const lo = Number(m[1]);
            const range = ranges.find((x) => lo >= x.offset && lo < x.offset + x.length);
            assert.ok(range !== undefined, `${rel}: extent at ${lo}`);
            if (range.offset === lo) assert.equal(range.position, Number(m[3]), `${rel}: extent at ${lo}`);
          }
        }
      }
      fs.close();
    }
  });
});

test('vroot extract restores a mkfs.erofs image like the kernel shows it', { skip: missing ?? false, timeout: 120_000 }, async () => {
  await withTree(seed + 1, { ...DEFAULT_SPEC, entries: 80, bigDir: 50, depth: 6 }, ({ work, out, src }) => {
    const image = join(out, 'img');
    execFileSync('mkfs.erofs', ['--quiet', '-zlz4hc', image, src]);
    const dest = join(work, 'dest');
    const r = vroot('extract', image, dest);
    assert.equal(r.status, 0, r.stderr);
    const fields = ['type', 'mode', 'uid', 'gid', 'nlink', 'rdev', 'mtime', 'data', 'xattrs', 'children', 'ino'];
    const strip = (x: Array<Record<string, unknown>>): Array<Record<string, unknown>> => x.map((e) => (e['type'] === 0o040000 ? { ...e, size: 0 } : e));
    const diff = diffWalks(strip(normalizeIdentity(hostWalk(src))), strip(normalizeIdentity(hostWalk(dest))), fields);
    assert.deepEqual(diff, [], diff.join('\n'));
  });
});

test('the commands explain themselves and reject bad arguments', () => {
  for (const cmd of ['mkfs', 'extract', 'inspect']) {
    const help = vroot(cmd, '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, new RegExp(`Usage: vroot ${cmd}`));
    assert.equal(vroot(cmd).status, 2);
  }
  const bad = vroot('inspect', '/nonexistent/image');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /ENOENT/);
  assert.equal(vroot('mkfs', '-z', 'zstd', '/tmp/x.img', '/tmp').status, 1);
});
