// pipe2(2): anonymous pipes on the internal pipefs, checked against what Linux 6.18 answers
// (fs/pipe.c; the values below were read from the kernel of this machine with python's os.pipe2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AT_FDCWD, F_GETFD, F_GETFL, FD_CLOEXEC, O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_PATH, O_RDONLY, O_WRONLY,
  SEEK_SET, S_IFIFO, Tmpfs, VirtualFileSystem, type Process,
} from '../../src/mod.js';
import { code } from '../_errno.js';

function setup(maxFds?: number): Process {
  const vfs = new VirtualFileSystem(maxFds === undefined ? {} : { maxFds });
  vfs.mount(new Tmpfs(), '/');
  return vfs.createProcess();
}


const enc = new TextEncoder();
const dec = new TextDecoder();

test('pipe2 carries bytes from the write end to the read end, in order', () => {
  const p = setup();
  const [r, w] = p.pipe2();
  assert.deepEqual([r, w], [0, 1]);
  p.write(w, enc.encode('hello '));
  p.write(w, enc.encode('world'));
  const buf = new Uint8Array(8);
  assert.equal(dec.decode(buf.subarray(0, p.read(r, buf))), 'hello wo');
  assert.equal(dec.decode(buf.subarray(0, p.read(r, buf))), 'rld');
  // Wrong ends: writing the read end and reading the write end are EBADF.
  assert.equal(code(() => p.write(r, enc.encode('x'))), 'EBADF');
  assert.equal(code(() => p.read(w, buf)), 'EBADF');
  // Closing the write end gives EOF; closing the read end makes writes EPIPE.
  p.close(w);
  assert.equal(p.read(r, buf), 0);
  const [r2, w2] = p.pipe2();
  p.close(r2);
  assert.equal(code(() => p.write(w2, enc.encode('x'))), 'EPIPE');
});

test('pipe2 flags: O_CLOEXEC on both descriptors, O_NONBLOCK on both files, O_DIRECT on the writer; others EINVAL', () => {
  const p = setup();
  const [r, w] = p.pipe2(O_CLOEXEC | O_NONBLOCK | O_DIRECT);
  assert.equal(p.fcntl(r, F_GETFD), FD_CLOEXEC);
  assert.equal(p.fcntl(w, F_GETFD), FD_CLOEXEC);
  // Linux: fdinfo flags 04000 for the reader and 044001 for the writer (no O_LARGEFILE).
  assert.equal(p.fcntl(r, F_GETFL), O_RDONLY | O_NONBLOCK);
  assert.equal(p.fcntl(w, F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
  assert.equal(code(() => p.read(r, new Uint8Array(4))), 'EAGAIN');
  const [r2] = p.pipe2(0);
  assert.equal(p.fcntl(r2, F_GETFD), 0);
  assert.equal(code(() => p.pipe2(O_PATH)), 'EINVAL');
  // O_NOTIFICATION_PIPE (O_EXCL): Linux without watch queues says ENOPKG; vroot has neither.
  assert.equal(code(() => p.pipe2(0o200)), 'EINVAL');
});

test('a pipe is a fifo inode owned by its creator, and is not seekable', () => {
  const p = setup();
  const [r, w] = p.pipe2();
  const st = p.fstat(r);
  assert.equal(st.mode, S_IFIFO | 0o600);
  assert.equal(st.nlink, 1);
  assert.deepEqual([st.uid, st.gid], [0, 0]);
  assert.equal(p.fstat(w).ino, st.ino);
  assert.notEqual(p.fstat(p.pipe2()[0]).ino, st.ino);
  assert.equal(code(() => p.lseek(r, 0, SEEK_SET)), 'ESPIPE');
  assert.equal(code(() => p.pread(r, new Uint8Array(1), 0)), 'ESPIPE');
  // The pipe's filesystem is not in the namespace: no path reaches it.
  assert.equal(code(() => p.fstatat(AT_FDCWD, `pipe:[${st.ino}]`)), 'ENOENT');
});

test('pipe2 needs two free descriptors and leaves none behind when it fails', () => {
  const p = setup(4);
  p.openat(AT_FDCWD, '/', O_RDONLY);
  p.openat(AT_FDCWD, '/', O_RDONLY);
  p.openat(AT_FDCWD, '/', O_RDONLY);
  assert.equal(code(() => p.pipe2()), 'EMFILE');
  // The read end it had taken was given back.
  assert.equal(p.openat(AT_FDCWD, '/', O_RDONLY), 3);
});
