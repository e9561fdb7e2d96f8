// Hand-written cases for case-insensitive directories in tmpfs (the dentry cache's name folding
// hook and tmpfs's casefold flag). Expected answers are those Linux 6.1 ext4 casefold gave in
// the recording under test/data/casefold (see casefold_ext4.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_WRONLY,
  RENAME_EXCHANGE, RENAME_NOREPLACE, Tmpfs, toByteString, VirtualFileSystem, type Process, type TmpfsOptions,
} from '../../src/mod.js';
import type { TmpfsInode } from '../../src/fs/tmpfs/tmpfs.js';
import { code } from '../_errno.js';

function setup(options: TmpfsOptions = { casefold: true }): { vfs: VirtualFileSystem; p: Process; fs: Tmpfs } {
  const vfs = new VirtualFileSystem();
  const fs = new Tmpfs(options);
  vfs.mount(fs, '/');
  return { vfs, p: vfs.createProcess(), fs };
}

function touch(p: Process, path: string | Uint8Array): void {
  p.close(p.openat(AT_FDCWD, path, O_CREAT | O_EXCL | O_WRONLY, 0o644));
}

function ino(p: Process, path: string | Uint8Array): number {
  return p.fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW).ino;
}

function list(p: Process, path: string): string[] {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
  try {
    return p.getdents64(fd).map((d) => d.name).filter((n) => n !== '.' && n !== '..').sort();
  } finally {
    p.close(fd);
  }
}

/** Sets the casefold flag through the inode of an open directory (what chattr +F reaches). */
function setFlag(p: Process, path: string, on: boolean): void {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
  try {
    (p.files.get(fd).inode as TmpfsInode).setCasefold(on);
  } finally {
    p.close(fd);
  }
}

test('lookup by any spelling finds the stored name, and readdir shows it', () => {
  const { p } = setup();
  touch(p, '/Straße');
  for (const spelling of ['/STRASSE', '/strasse', '/STRAẞE', '/straſſe']) assert.equal(ino(p, spelling), ino(p, '/Straße'), spelling);
  assert.equal(code(() => ino(p, '/Strase')), 'ENOENT');
  assert.deepEqual(list(p, '/'), ['Straße']);
});

test('NFD and NFC spellings, ignorables and ligatures name one entry; fullwidth and dotless i do not', () => {
  const { p } = setup();
  touch(p, '/caf\u00e9');
  assert.equal(ino(p, '/CAFE\u0301'), ino(p, '/café'));
  assert.equal(ino(p, '/ca\u200bf\u00e9'), ino(p, '/café'));
  touch(p, '/\ufb01le');
  assert.equal(ino(p, '/FILE'), ino(p, '/\ufb01le'));
  touch(p, '/\uff21');
  assert.equal(ino(p, '/\uff41'), ino(p, '/\uff21'));
  assert.equal(code(() => ino(p, '/A')), 'ENOENT');
  touch(p, '/\u0131');
  assert.equal(code(() => ino(p, '/I')), 'ENOENT');
  assert.equal(code(() => ino(p, '/i')), 'ENOENT');
});

test('creating a name whose fold exists is EEXIST; O_CREAT alone opens the existing file', () => {
  const { p } = setup();
  touch(p, '/Foo');
  assert.equal(code(() => p.mkdirat(AT_FDCWD, '/FOO')), 'EEXIST');
  assert.equal(code(() => p.symlinkat('t', AT_FDCWD, '/foo')), 'EEXIST');
  assert.equal(code(() => p.linkat(AT_FDCWD, '/Foo', AT_FDCWD, '/fOO')), 'EEXIST');
  assert.equal(code(() => touch(p, '/FOO')), 'EEXIST');
  const fd = p.openat(AT_FDCWD, '/FOO', O_CREAT | O_WRONLY, 0o644);
  assert.equal(p.fstat(fd).ino, ino(p, '/Foo'));
  p.close(fd);
  assert.deepEqual(list(p, '/'), ['Foo']);
});

test('rename to another spelling of the same name changes nothing; NOREPLACE is EEXIST', () => {
  const { p } = setup();
  touch(p, '/readme');
  p.renameat2(AT_FDCWD, '/readme', AT_FDCWD, '/README');
  assert.deepEqual(list(p, '/'), ['readme']);
  assert.equal(code(() => p.renameat2(AT_FDCWD, '/readme', AT_FDCWD, '/ReadMe', RENAME_NOREPLACE)), 'EEXIST');
  p.renameat2(AT_FDCWD, '/readme', AT_FDCWD, '/README', RENAME_EXCHANGE);
  assert.deepEqual(list(p, '/'), ['readme']);
});

test('rename over another spelling of an existing name keeps the stored name', () => {
  const { p } = setup();
  touch(p, '/Target');
  touch(p, '/other');
  const moved = ino(p, '/other');
  p.renameat2(AT_FDCWD, '/other', AT_FDCWD, '/TARGET');
  assert.deepEqual(list(p, '/'), ['Target']);
  assert.equal(ino(p, '/target'), moved);
  touch(p, '/x');
  const x = ino(p, '/x');
  p.renameat2(AT_FDCWD, '/x', AT_FDCWD, '/tArGeT', RENAME_EXCHANGE);
  assert.deepEqual(list(p, '/'), ['Target', 'x']);
  assert.equal(ino(p, '/TARGET'), x);
  assert.equal(ino(p, '/X'), moved);
});

test('getcwd and descriptor paths show the stored name', () => {
  const { vfs, p } = setup();
  p.mkdirat(AT_FDCWD, '/Ünïcode');
  p.chdir('/U\u0308NI\u0308CODE');
  assert.equal(p.getcwd(), '/Ünïcode');
  touch(p, 'Data');
  const fd = p.openat(AT_FDCWD, '/ünïcode/DATA', O_RDONLY);
  const f = p.files.get(fd);
  assert.equal(vfs.pathOf({ mount: f.mount, dentry: f.dentry }, p.fsContext.root).path, toByteString('/Ünïcode/Data'));
  p.close(fd);
});

test('unlink by another spelling, then the new spelling is stored', () => {
  const { p } = setup();
  touch(p, '/Makefile');
  p.unlinkat(AT_FDCWD, '/MAKEFILE');
  assert.deepEqual(list(p, '/'), []);
  touch(p, '/makefile');
  assert.deepEqual(list(p, '/'), ['makefile']);
  p.mkdirat(AT_FDCWD, '/Dir');
  p.unlinkat(AT_FDCWD, '/dIR', AT_REMOVEDIR);
  assert.equal(code(() => ino(p, '/dir')), 'ENOENT');
});

test('malformed UTF-8: exact names without strict encoding, EINVAL with it', () => {
  const relaxed = setup({ casefold: true }).p;
  const bad = Uint8Array.of(0x2f, 0x41, 0xff);
  touch(relaxed, bad);
  assert.equal(code(() => ino(relaxed, Uint8Array.of(0x2f, 0x61, 0xff))), 'ENOENT');
  assert.equal(typeof ino(relaxed, bad), 'number');
  // A stray continuation byte after the first folds as it is: "A\x80" and "a\x80" are one name.
  touch(relaxed, Uint8Array.of(0x2f, 0x42, 0x80));
  assert.equal(ino(relaxed, Uint8Array.of(0x2f, 0x62, 0x80)), ino(relaxed, Uint8Array.of(0x2f, 0x42, 0x80)));

  const strict = setup({ casefold: true, strictEncoding: true }).p;
  assert.equal(code(() => touch(strict, bad)), 'EINVAL');
  assert.equal(code(() => strict.mkdirat(AT_FDCWD, Uint8Array.of(0x2f, 0xc0, 0xaf))), 'EINVAL');
  assert.equal(code(() => ino(strict, Uint8Array.of(0x2f, 0xff, 0x2f, 0x78))), 'EINVAL');
  // Folds, so it may be looked up, but is not valid UTF-8, so it may not be created.
  assert.equal(code(() => ino(strict, Uint8Array.of(0x2f, 0x42, 0x80))), 'ENOENT');
  assert.equal(code(() => touch(strict, Uint8Array.of(0x2f, 0x42, 0x80))), 'EINVAL');
  strict.mkdirat(AT_FDCWD, '/Ok');
  assert.equal(code(() => strict.renameat2(AT_FDCWD, '/Ok', AT_FDCWD, Uint8Array.of(0x2f, 0x42, 0x80))), 'EINVAL');
});

test('casefold flag: empty directories only, inherited by new subdirectories, refused without support', () => {
  const { p, fs } = setup({ casefold: 'per-directory' });
  assert.equal(fs.mountOptions, 'casefold=utf8-12.1.0');
  p.mkdirat(AT_FDCWD, '/d');
  touch(p, '/d/Case');
  assert.equal(code(() => ino(p, '/d/case')), 'ENOENT');
  assert.equal(code(() => setFlag(p, '/d', true)), 'ENOTEMPTY');
  p.unlinkat(AT_FDCWD, '/d/Case');
  setFlag(p, '/d', true);
  p.mkdirat(AT_FDCWD, '/d/Sub');
  touch(p, '/d/SUB/File');
  assert.equal(ino(p, '/d/sub/file'), ino(p, '/d/Sub/File'));
  assert.equal(code(() => setFlag(p, '/d/sub', false)), 'ENOTEMPTY');
  const fd = p.openat(AT_FDCWD, '/d/Sub/File', O_RDONLY);
  assert.equal(code(() => (p.files.get(fd).inode as TmpfsInode).setCasefold(true)), 'EOPNOTSUPP');
  p.close(fd);
  // A directory renamed into a casefolded one keeps its own flag.
  p.mkdirat(AT_FDCWD, '/plain');
  touch(p, '/plain/X');
  p.renameat2(AT_FDCWD, '/plain', AT_FDCWD, '/d/Plain');
  assert.equal(code(() => ino(p, '/d/PLAIN/x')), 'ENOENT');
  assert.equal(typeof ino(p, '/d/PLAIN/X'), 'number');

  const none = setup({});
  none.p.mkdirat(AT_FDCWD, '/d');
  assert.equal(code(() => setFlag(none.p, '/d', true)), 'EOPNOTSUPP');
  assert.equal(none.fs.mountOptions, '');
  assert.equal(setup({ casefold: true, strictEncoding: true }).fs.mountOptions, 'casefold=utf8-12.1.0,strict_encoding');
});

test('renaming between a casefolded and a plain directory re-keys the cached name', () => {
  const { p } = setup({ casefold: 'per-directory' });
  p.mkdirat(AT_FDCWD, '/cf');
  setFlag(p, '/cf', true);
  p.mkdirat(AT_FDCWD, '/plain');
  touch(p, '/cf/Name');
  p.renameat2(AT_FDCWD, '/cf/NAME', AT_FDCWD, '/plain/Name');
  assert.equal(code(() => ino(p, '/plain/NAME')), 'ENOENT');
  assert.equal(code(() => ino(p, '/cf/name')), 'ENOENT');
  p.renameat2(AT_FDCWD, '/plain/Name', AT_FDCWD, '/cf/Other');
  assert.equal(ino(p, '/cf/OTHER'), ino(p, '/cf/other'));
  assert.equal(code(() => ino(p, '/plain/Name')), 'ENOENT');
});

test('casefold flag through a descriptor: EBADF for O_PATH, EROFS, EPERM for others', async () => {
  const { getCasefoldFlag, setCasefoldFlag } = await import('../../src/emu/casefold/flags.js');
  const { O_PATH, Cred } = await import('../../src/mod.js');
  const { p } = setup({ casefold: 'per-directory' });
  p.mkdirat(AT_FDCWD, '/d', 0o777);
  const path = p.openat(AT_FDCWD, '/d', O_PATH);
  assert.equal(code(() => setCasefoldFlag(p, path, true)), 'EBADF');
  const fd = p.openat(AT_FDCWD, '/d', O_RDONLY | O_DIRECTORY);
  const user = p.clone();
  user.setCred(new Cred({ uid: 1000, gid: 1000 }));
  assert.equal(code(() => setCasefoldFlag(user, fd, true)), 'EPERM');
  assert.equal(getCasefoldFlag(p, fd), false);
  setCasefoldFlag(p, fd, true);
  assert.equal(getCasefoldFlag(p, fd), true);
  p.mkdirat(AT_FDCWD, '/d/ro');
  p.mount(new Tmpfs({ casefold: 'per-directory' }), '/d/ro', { readOnly: true });
  const ro = p.openat(AT_FDCWD, '/d/RO', O_RDONLY | O_DIRECTORY);
  assert.equal(code(() => setCasefoldFlag(p, ro, true)), 'EROFS');
  assert.equal(getCasefoldFlag(p, ro), false);
});
