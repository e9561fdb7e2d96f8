// The merged RootFS preset with the RootFS as an EROFS image (made by erofs-utils' mkfs.erofs from
// a scratch tree) over a fake host root: the guest sees the same merge as with a directory, the
// image has no host paths, and a native program inside it therefore cannot run natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, EM_X86_64, Erofs, O_RDONLY, O_RDWR, S_IFLNK, S_IFMT, decideExec, rootfsNativePolicy,
} from '../../src/mod.js';
import { FileSource, hostMergedRootfs } from '../../src/node/mod.js';
import { code } from '../_errno.js';
import { listDir, readText, scratch } from './rootfs/_scene.js';

const mkfs = spawnSync('mkfs.erofs', ['--help']);
const skip = mkfs.error !== undefined ? 'mkfs.erofs (erofs-utils) is not installed' : false;

test('a RootFS given as an EROFS image merges over the host like a directory, with no host paths', { skip }, () => {
  const s = scratch(
    [{ file: 'usr/lib/libhost.so', text: 'libhost' }, { file: 'home/user/cfg', text: 'user cfg' },
      { link: 'home/user/into-image', to: '/usr/lib/libimage.so' }],
    [{ file: 'usr/lib/libimage.so', text: 'from the image' }, { link: 'usr/lib64', to: '/usr/lib' }, { link: 'usr/rootlink', to: '/' },
      { file: 'etc/os-release', text: 'ID=image' }, { link: 'etc/usercfg', to: '/home/user/cfg' },
    ],
  );
  // A real x86-64 program of this machine, inside the image.
  copyFileSync(realpathSync('/usr/bin/env'), join(s.rootfs, 'usr/lib/tool'));
  const image = join(s.dir, 'rootfs.erofs');
  const made = spawnSync('mkfs.erofs', [image, s.rootfs], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const source = FileSource.open(image);
  const r = hostMergedRootfs({ rootfs: Erofs.open(source), host: s.host, home: '/home/user' });
  try {
    const p = r.process;
    assert.deepEqual(listDir(p, '/usr/lib'), ['libhost.so', 'libimage.so', 'tool']);
    assert.equal(readText(p, '/usr/lib64/libimage.so'), 'from the image');
    assert.equal(p.fstatat(AT_FDCWD, '/usr/rootlink', AT_SYMLINK_NOFOLLOW).mode & S_IFMT, S_IFLNK);
    assert.equal(readText(p, '/usr/rootlink/usr/rootlink/etc/usercfg'), 'user cfg');
    assert.equal(readText(p, '/home/user/into-image'), 'from the image');
    const fd = p.openat(AT_FDCWD, '/home/user/into-image', O_RDONLY);
    assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), '/usr/lib/libimage.so');
    p.close(fd);
    // Changes go to the upper; the image is never written.
    const w = p.openat(AT_FDCWD, '/etc/os-release', O_RDWR);
    p.write(w, new TextEncoder().encode('ID=IMAGE'));
    p.close(w);
    assert.equal(readText(p, '/etc/os-release'), 'ID=IMAGE');
    p.unlinkat(AT_FDCWD, '/usr/lib/libimage.so');
    assert.deepEqual(listDir(p, '/usr/lib'), ['libhost.so', 'tool']);
    assert.equal(code(() => p.fstatat(AT_FDCWD, '/usr/lib/libimage.so')), 'ENOENT');
    assert.equal(r.rootfsHostPath, null);
    assert.deepEqual(r.locate('/usr/lib/tool'), { source: 'rootfs', hostPath: null });
    assert.deepEqual(r.locate('/usr/lib/libhost.so'), { source: 'host', hostPath: join(s.host, 'usr/lib/libhost.so') });
    // A program inside an image has no host path to run natively from.
    const policy = rootfsNativePolicy(r, { native: [{ format: 'elf', machine: EM_X86_64 }] });
    const d = decideExec(p, '/usr/lib/tool', { policy });
    if (process.arch === 'x64') {
      assert.equal(d.kind === 'refused' && d.code, 'ENOEXEC');
      assert.match(d.kind === 'refused' ? d.error.message : '', /without a host path/);
    }
  } finally {
    r.close();
    source.close();
    s.dispose();
  }
});
