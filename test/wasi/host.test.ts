// The WASI host's imports called directly: the checks a C program cannot make through its libc
// (bad pointers, rights, cookies, clocks, poll), and generated call sequences that must always
// answer with an errno and never leave the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AT_FDCWD, O_DIRECTORY, O_RDONLY, O_CREAT, O_WRONLY } from '../../src/abi/constants.js';
import { errno as LINUX } from '../../src/abi/errno.js';
import { wasiErrno } from '../../src/wasi/errno_map.js';
import { bytesInput, CollectStream } from '../../src/wasi/stdio.js';
import * as W from '../../src/wasi/wasi_abi.js';
import { Wasm } from '../../src/wasi/wasm_api.js';
import { WasiExit, WasiHost } from '../../src/wasi/wasi_host.js';
import { DirectGuest, ROOT_SETUPS, writeFile, type SandboxRoot } from './_guest.js';

function guest(root: SandboxRoot = ROOT_SETUPS[0]!.make(), extra: Partial<ConstructorParameters<typeof WasiHost>[0]> = {}): DirectGuest {
  return new DirectGuest({ process: root.process, preopens: { '/': root.sandbox }, ...extra });
}

const READ_RIGHTS = BigInt(W.RIGHT_FD_READ | W.RIGHT_FD_SEEK | W.RIGHT_FD_TELL | W.RIGHT_FD_FILESTAT_GET | W.RIGHT_FD_READDIR);
const RW_RIGHTS = READ_RIGHTS | BigInt(W.RIGHT_FD_WRITE | W.RIGHT_FD_FILESTAT_SET_SIZE | W.RIGHT_FD_FILESTAT_SET_TIMES | W.RIGHT_FD_ALLOCATE);
/** What wasi-libc asks for when it opens a directory: everything but the rights that need write access. */
const DIR_RIGHTS = 0x0fffffffn & ~BigInt(W.RIGHT_FD_WRITE | W.RIGHT_FD_FILESTAT_SET_SIZE | W.RIGHT_FD_ALLOCATE);

test('errno table: every Linux errno with a WASI namesake maps to it (EOPNOTSUPP to ENOTSUP)', () => {
  let same = 0;
  for (const [name, value] of Object.entries(LINUX)) {
    const w = wasiErrno(value);
    assert.ok(w > 0 && w <= W.WASI_ENOTCAPABLE, `${name} maps into the WASI range`);
    const wasiName = name === 'EOPNOTSUPP' ? 'ENOTSUP' : name;
    if (W.WASI_ERRNO_NAMES.includes(wasiName)) {
      assert.equal(W.WASI_ERRNO_NAMES[w], wasiName, name);
      same++;
    }
  }
  assert.ok(same >= 70, `${same} errnos share a name`);
  assert.equal(wasiErrno(0), W.WASI_ESUCCESS);
  assert.equal(wasiErrno(9999), W.WASI_EIO);
});

test('args and environ: sizes, NUL-terminated strings and pointers', () => {
  const root = ROOT_SETUPS[0]!.make();
  const g = new DirectGuest({ process: root.process, args: ['prog', 'ä', ''], env: { A: '1', LANG: 'C.UTF-8' } });
  const cnt = g.alloc(4), size = g.alloc(4);
  assert.equal(g.call['args_sizes_get']!(cnt, size), 0);
  assert.equal(g.u32(cnt), 3);
  assert.equal(g.u32(size), 5 + 3 + 1);
  const ptrs = g.alloc(12), buf = g.alloc(16);
  assert.equal(g.call['args_get']!(ptrs, buf), 0);
  const dec = (p: number): string => { let e = p; while (g.bytes[e] !== 0) e++; return new TextDecoder().decode(g.bytes.subarray(p, e)); };
  assert.deepEqual([0, 1, 2].map((i) => dec(g.u32(ptrs + 4 * i))), ['prog', 'ä', '']);
  assert.equal(g.call['environ_sizes_get']!(cnt, size), 0);
  assert.equal(g.u32(cnt), 2);
  const eptrs = g.alloc(8), ebuf = g.alloc(g.u32(size));
  assert.equal(g.call['environ_get']!(eptrs, ebuf), 0);
  assert.deepEqual([dec(g.u32(eptrs)), dec(g.u32(eptrs + 4))], ['A=1', 'LANG=C.UTF-8']);
  // A buffer running past the end of memory: EFAULT, nothing written.
  assert.equal(g.call['args_get']!(ptrs, g.memory.buffer.byteLength - 2), W.WASI_EFAULT);
});

test('preopens: prestat names in order, EBADF for other descriptors, ENAMETOOLONG for a short buffer', () => {
  const root = ROOT_SETUPS[0]!.make();
  root.process.mkdirat(AT_FDCWD, '/sandbox/data', 0o755);
  const g = new DirectGuest({ process: root.process, preopens: { '/': '/sandbox', '/data': '/sandbox/data' } });
  const pre = g.alloc(8), name = g.alloc(16);
  for (const [fd, want] of [[3, '/'], [4, '/data']] as const) {
    assert.equal(g.call['fd_prestat_get']!(fd, pre), 0);
    assert.equal(g.bytes[pre], W.PREOPENTYPE_DIR);
    assert.equal(g.u32(pre + 4), want.length);
    assert.equal(g.call['fd_prestat_dir_name']!(fd, name, want.length), 0);
    assert.equal(new TextDecoder().decode(g.bytes.subarray(name, name + want.length)), want);
  }
  assert.equal(g.call['fd_prestat_dir_name']!(4, name, 2), W.WASI_ENAMETOOLONG);
  assert.equal(g.call['fd_prestat_get']!(1, pre), W.WASI_EBADF);
  assert.equal(g.call['fd_prestat_get']!(5, pre), W.WASI_EBADF);
  const [e, fd] = g.open(3, 'f', W.OFLAGS_CREAT, RW_RIGHTS);
  assert.equal(e, 0);
  assert.equal(g.call['fd_prestat_get']!(fd, pre), W.WASI_EBADF, 'an opened file is no preopen');
});

test('rights: dropped rights give ENOTCAPABLE, rights a descriptor never had give what Linux gives', () => {
  const g = guest();
  const [e1, rw] = g.open(3, 'f', W.OFLAGS_CREAT, RW_RIGHTS);
  assert.equal(e1, 0);
  assert.deepEqual(g.write(rw, 'abc'), [0, 3]);
  const st = g.alloc(24);
  assert.equal(g.call['fd_fdstat_get']!(rw, st), 0);
  assert.equal(g.bytes[st], W.FILETYPE_REGULAR_FILE);
  assert.equal(g.u64(st + 8), RW_RIGHTS & BigInt(~W.RIGHT_FD_READDIR), 'READDIR does not apply to files');
  assert.equal(g.u64(st + 16), 0n, 'files pass nothing on');
  // Drop FD_WRITE: writing is now ENOTCAPABLE, and the right cannot come back.
  assert.equal(g.call['fd_fdstat_set_rights']!(rw, READ_RIGHTS & BigInt(~W.RIGHT_FD_READDIR), 0n), 0);
  assert.equal(g.write(rw, 'x')[0], W.WASI_ENOTCAPABLE);
  assert.equal(g.call['fd_fdstat_set_rights']!(rw, RW_RIGHTS, 0n), W.WASI_ENOTCAPABLE);
  assert.equal(g.call['fd_filestat_set_size']!(rw, 0n), W.WASI_ENOTCAPABLE);
  // Opened for reading only: the write right was never there, so Linux answers (EBADF, EINVAL).
  const [e2, ro] = g.open(3, 'f', 0, READ_RIGHTS);
  assert.equal(e2, 0);
  assert.equal(g.write(ro, 'x')[0], W.WASI_EBADF);
  assert.equal(g.call['fd_filestat_set_size']!(ro, 0n), W.WASI_EINVAL);
  assert.deepEqual(g.read(ro, 10), [0, 'abc']);
  // path_* on a regular file: ENOTDIR, as openat on a file descriptor.
  assert.equal(g.open(ro, 'x')[0], W.WASI_ENOTDIR);
  // A directory whose inheriting rights lost FD_WRITE cannot hand it out.
  const [e3, dir] = g.open(3, '.', W.OFLAGS_DIRECTORY, BigInt(W.RIGHT_PATH_OPEN | W.RIGHT_PATH_CREATE_FILE | W.RIGHT_PATH_UNLINK_FILE | W.RIGHT_FD_READDIR));
  assert.equal(e3, 0);
  assert.equal(g.call['fd_fdstat_get']!(dir, st), 0);
  assert.equal(g.bytes[st], W.FILETYPE_DIRECTORY);
  assert.equal(g.call['fd_fdstat_set_rights']!(dir, g.u64(st + 8), READ_RIGHTS), 0);
  assert.equal(g.open(dir, 'f', 0, RW_RIGHTS)[0], W.WASI_ENOTCAPABLE);
  assert.equal(g.open(dir, 'f', 0, READ_RIGHTS)[0], 0);
  // Without PATH_CREATE_FILE, O_CREAT is refused; without PATH_UNLINK_FILE, unlink is.
  assert.equal(g.call['fd_fdstat_set_rights']!(dir, BigInt(W.RIGHT_PATH_OPEN), READ_RIGHTS), 0);
  assert.equal(g.open(dir, 'new', W.OFLAGS_CREAT, READ_RIGHTS)[0], W.WASI_ENOTCAPABLE);
  const [p, n] = g.str('f');
  assert.equal(g.call['path_unlink_file']!(dir, p, n), W.WASI_ENOTCAPABLE);
  assert.equal(g.call['path_unlink_file']!(3, p, n), 0);
});

test('fd_renumber, fd_close and unknown descriptors', () => {
  const root = ROOT_SETUPS[0]!.make();
  const g = guest(root);
  const [, a] = g.open(3, 'a', W.OFLAGS_CREAT, RW_RIGHTS);
  const [, b] = g.open(3, 'b', W.OFLAGS_CREAT, RW_RIGHTS);
  const before = root.process.files.fds().length;
  assert.equal(g.call['fd_renumber']!(a, b), 0);
  assert.equal(root.process.files.fds().length, before - 1, 'the descriptor renumbered over was closed');
  assert.equal(g.write(a, 'x')[0], W.WASI_EBADF);
  assert.deepEqual(g.write(b, 'to a'), [0, 4]);
  assert.equal(root.process.fstatat(AT_FDCWD, '/sandbox/a').size, 4);
  assert.equal(root.process.fstatat(AT_FDCWD, '/sandbox/b').size, 0);
  assert.equal(g.call['fd_renumber']!(b, 77), W.WASI_EBADF);
  assert.equal(g.call['fd_renumber']!(b, b), 0);
  assert.equal(g.call['fd_close']!(b), 0);
  assert.equal(g.call['fd_close']!(b), W.WASI_EBADF);
  assert.equal(g.call['fd_close']!(-1), W.WASI_EBADF);
  // A preopen can be renumbered (onto an open descriptor, as the spec has it) and keeps its name.
  const [, c] = g.open(3, 'c', W.OFLAGS_CREAT, RW_RIGHTS);
  assert.equal(g.call['fd_renumber']!(3, c), 0);
  const pre = g.alloc(8);
  assert.equal(g.call['fd_prestat_get']!(c, pre), 0);
  assert.equal(g.open(c, 'a')[0], 0);
  assert.equal(g.call['fd_prestat_get']!(3, pre), W.WASI_EBADF);
});

test('stdio: streams are not seekable, tty streams look like character devices, reads and writes', () => {
  const out = new CollectStream();
  const g = guest(undefined, { stdin: bytesInput('line one\n'), stdout: Object.assign(out, { isTTY: true }) });
  const pos = g.alloc(8);
  assert.equal(g.call['fd_seek']!(1, 0n, W.WHENCE_CUR, pos), W.WASI_ESPIPE);
  assert.equal(g.call['fd_tell']!(0, pos), W.WASI_ESPIPE);
  const st = g.alloc(24);
  assert.equal(g.call['fd_fdstat_get']!(1, st), 0);
  assert.equal(g.bytes[st], W.FILETYPE_CHARACTER_DEVICE);
  assert.equal(g.u64(st + 8) & BigInt(W.RIGHT_FD_SEEK | W.RIGHT_FD_TELL), 0n, 'isatty() sees no seek rights');
  assert.deepEqual(g.write(1, 'hello'), [0, 5]);
  assert.equal(out.text(), 'hello');
  assert.equal(g.read(1, 4)[0], W.WASI_EBADF, 'stdout is not readable');
  assert.deepEqual(g.read(0, 4), [0, 'line']);
  assert.deepEqual(g.read(0, 100), [0, ' one\n']);
  assert.deepEqual(g.read(0, 100), [0, '']);
  assert.equal(g.write(0, 'x')[0], W.WASI_EBADF, 'stdin is not writable');
  assert.equal(g.open(1, 'x')[0], W.WASI_ENOTDIR);
  const iov = g.alloc(8);
  assert.equal(g.call['fd_pwrite']!(1, iov, 0, 0n, pos), W.WASI_ESPIPE);
});

test('stdio given as vroot descriptors write to vroot files', () => {
  const root = ROOT_SETUPS[0]!.make();
  const fd = root.process.openat(AT_FDCWD, '/sandbox/log', O_CREAT | O_WRONLY, 0o644);
  const g = guest(root, { stdout: fd });
  root.process.close(fd);
  assert.deepEqual(g.write(1, 'logged'), [0, 6]);
  g.host.close();
  assert.equal(root.process.fstatat(AT_FDCWD, '/sandbox/log').size, 6);
});

test('clocks: realtime follows the system clock, monotonic never goes back, unknown clocks are EINVAL', () => {
  const g = guest();
  const t = g.alloc(8);
  assert.equal(g.call['clock_time_get']!(W.CLOCKID_REALTIME, 1n, t), 0);
  const ns = g.u64(t);
  assert.ok(Math.abs(Number(ns / 1_000_000n) - Date.now()) < 2000);
  let last = 0n;
  for (let i = 0; i < 100; i++) {
    assert.equal(g.call['clock_time_get']!(W.CLOCKID_MONOTONIC, 1n, t), 0);
    assert.ok(g.u64(t) >= last);
    last = g.u64(t);
  }
  assert.equal(g.call['clock_time_get']!(7, 1n, t), W.WASI_EINVAL);
  assert.equal(g.call['clock_res_get']!(W.CLOCKID_MONOTONIC, t), 0);
  assert.ok(g.u64(t) > 0n);
  assert.equal(g.call['clock_res_get']!(9, t), W.WASI_EINVAL);
});

test('poll_oneoff: clocks sleep, ready descriptors return at once, bad subscriptions report errors', () => {
  const root = ROOT_SETUPS[0]!.make();
  writeFile(root.process, '/sandbox/data', '0123456789');
  const g = guest(root);
  const subs = g.alloc(48 * 3), evs = g.alloc(32 * 3), n = g.alloc(4);
  const v = g.view;
  const clock = (at: number, userdata: bigint, id: number, timeout: bigint, flags = 0): void => {
    v.setBigUint64(at, userdata, true);
    v.setUint8(at + 8, W.EVENTTYPE_CLOCK);
    v.setUint32(at + 16, id, true);
    v.setBigUint64(at + 24, timeout, true);
    v.setBigUint64(at + 32, 0n, true);
    v.setUint16(at + 40, flags, true);
  };
  const fdsub = (at: number, userdata: bigint, type: number, fd: number): void => {
    v.setBigUint64(at, userdata, true);
    v.setUint8(at + 8, type);
    v.setUint32(at + 16, fd, true);
  };
  clock(subs, 0xabcdef0123456789n, W.CLOCKID_MONOTONIC, 30_000_000n);
  const t0 = performance.now();
  assert.equal(g.call['poll_oneoff']!(subs, evs, 1, n), 0);
  assert.ok(performance.now() - t0 >= 29, 'slept for the timeout');
  assert.equal(g.u32(n), 1);
  assert.equal(g.u64(evs), 0xabcdef0123456789n);
  assert.equal(g.view.getUint16(evs + 8, true), 0);
  assert.equal(g.bytes[evs + 10], W.EVENTTYPE_CLOCK);
  // An absolute realtime deadline in the past fires at once.
  clock(subs, 1n, W.CLOCKID_REALTIME, 1_000_000_000n, W.SUBCLOCKFLAGS_ABSTIME);
  const t1 = performance.now();
  assert.equal(g.call['poll_oneoff']!(subs, evs, 1, n), 0);
  assert.ok(performance.now() - t1 < 1000, 'did not sleep');
  assert.equal(g.u32(n), 1);
  // A readable file and a long clock: the file is reported, with the bytes left to read.
  const [, fd] = g.open(3, 'data', 0, READ_RIGHTS | BigInt(W.RIGHT_POLL_FD_READWRITE));
  g.read(fd, 4);
  clock(subs, 1n, W.CLOCKID_MONOTONIC, 10_000_000_000n);
  fdsub(subs + 48, 2n, W.EVENTTYPE_FD_READ, fd);
  fdsub(subs + 96, 3n, W.EVENTTYPE_FD_WRITE, 99);
  const t2 = performance.now();
  assert.equal(g.call['poll_oneoff']!(subs, evs, 3, n), 0);
  assert.ok(performance.now() - t2 < 5000, 'did not wait for the 10 s clock');
  assert.equal(g.u32(n), 2);
  assert.equal(g.u64(evs), 2n);
  assert.equal(g.bytes[evs + 10], W.EVENTTYPE_FD_READ);
  assert.equal(g.u64(evs + 16), 6n);
  assert.equal(g.u64(evs + 32), 3n);
  assert.equal(g.view.getUint16(evs + 32 + 8, true), W.WASI_EBADF);
  assert.equal(g.call['poll_oneoff']!(subs, evs, 0, n), W.WASI_EINVAL);
  clock(subs, 5n, 42, 0n);
  assert.equal(g.call['poll_oneoff']!(subs, evs, 1, n), 0);
  assert.equal(g.view.getUint16(evs + 8, true), W.WASI_EINVAL);
});

test('random_get, sched_yield, proc_raise and sockets', () => {
  const g = guest();
  const buf = g.alloc(4096);
  assert.equal(g.call['random_get']!(buf, 4096), 0);
  assert.ok(g.bytes.subarray(buf, buf + 4096).some((b) => b !== 0));
  assert.equal(g.call['random_get']!(buf, 0), 0);
  assert.equal(g.call['random_get']!(g.memory.buffer.byteLength - 10, 11), W.WASI_EFAULT);
  assert.equal(g.call['sched_yield']!(), 0);
  assert.equal(g.call['proc_raise']!(6), W.WASI_ENOSYS);
  assert.equal(g.call['sock_accept']!(3, 0, buf), W.WASI_ENOTSOCK);
  assert.equal(g.call['sock_recv']!(1, buf, 1, 0, buf, buf), W.WASI_ENOTSOCK);
  assert.equal(g.call['sock_send']!(0, buf, 1, 0, buf), W.WASI_ENOTSOCK);
  assert.equal(g.call['sock_shutdown']!(3, W.SDFLAGS_RD), W.WASI_ENOTSOCK);
  assert.equal(g.call['sock_shutdown']!(50, W.SDFLAGS_RD), W.WASI_EBADF);
});

test('bad pointers give EFAULT before anything changes', () => {
  const root = ROOT_SETUPS[0]!.make();
  const g = guest(root);
  const end = g.memory.buffer.byteLength;
  const [, fd] = g.open(3, 'f', W.OFLAGS_CREAT, RW_RIGHTS);
  const iov = g.alloc(8), out = g.alloc(4);
  g.view.setUint32(iov, end - 2, true);
  g.view.setUint32(iov + 4, 10, true);
  assert.equal(g.call['fd_write']!(fd, iov, 1, out), W.WASI_EFAULT);
  assert.equal(root.process.fstatat(AT_FDCWD, '/sandbox/f').size, 0);
  assert.equal(g.call['fd_write']!(fd, 0xfffffff0, 1, out), W.WASI_EFAULT);
  assert.equal(g.call['fd_write']!(fd, iov, 1, end - 1), W.WASI_EFAULT);
  assert.equal(g.call['path_open']!(3, 1, end - 3, 8, W.OFLAGS_CREAT, RW_RIGHTS, 0n, 0, out), W.WASI_EFAULT);
  assert.equal(g.call['path_create_directory']!(3, -8, 4), W.WASI_EFAULT);
  assert.equal(g.call['fd_filestat_get']!(fd, end - 8), W.WASI_EFAULT);
  assert.equal(g.call['fd_readdir']!(3, end - 8, 100, 0n, out), W.WASI_EFAULT);
  // NUL inside a path cannot name anything.
  const [p, n] = g.str('a\0b');
  assert.equal(g.call['path_create_directory']!(3, p, n), W.WASI_EINVAL);
  assert.deepEqual(root.process.getdents64(root.process.openat(AT_FDCWD, '/sandbox', O_RDONLY | O_DIRECTORY)).map((d) => d.name).sort(), ['.', '..', 'f', 'probe']);
});

test('timestamps: 64-bit nanoseconds survive set and get exactly', () => {
  const g = guest();
  const [, fd] = g.open(3, 't', W.OFLAGS_CREAT, RW_RIGHTS);
  const atim = 4_000_000_000_123_456_789n; // past 2^53 ns and past 2038
  const mtim = 1_700_000_000_000_000_001n;
  assert.equal(g.call['fd_filestat_set_times']!(fd, atim, mtim, W.FSTFLAGS_ATIM | W.FSTFLAGS_MTIM), 0);
  const st = g.alloc(64);
  assert.equal(g.call['fd_filestat_get']!(fd, st), 0);
  assert.equal(g.u64(st + 40), atim);
  assert.equal(g.u64(st + 48), mtim);
  assert.equal(g.bytes[st + 16], W.FILETYPE_REGULAR_FILE);
  assert.equal(g.u64(st + 24), 1n);
  assert.equal(g.call['fd_filestat_set_times']!(fd, 0n, 0n, W.FSTFLAGS_ATIM | W.FSTFLAGS_ATIM_NOW), W.WASI_EINVAL);
  assert.equal(g.call['fd_filestat_set_times']!(fd, 0n, 0n, 0x10), W.WASI_EINVAL);
  const [p, n] = g.str('t');
  assert.equal(g.call['path_filestat_set_times']!(3, 0, p, n, 0n, 5n, W.FSTFLAGS_MTIM), 0);
  assert.equal(g.call['path_filestat_get']!(3, 0, p, n, st), 0);
  assert.equal(g.u64(st + 48), 5n);
  assert.equal(g.u64(st + 40), atim, 'the access time was omitted');
});

test('fd_readdir: full buffers end in a truncated record, cookies resume exactly, deletions do not disturb survivors', () => {
  const root = ROOT_SETUPS[0]!.make();
  root.process.mkdirat(AT_FDCWD, '/sandbox/d', 0o755);
  for (let i = 0; i < 60; i++) writeFile(root.process, `/sandbox/d/entry-${String(i).padStart(3, '0')}`, '');
  const g = guest(root);
  const [, dir] = g.open(3, 'd', W.OFLAGS_DIRECTORY, READ_RIGHTS);
  const buf = g.alloc(4096), used = g.alloc(4);
  const list = (cookie: bigint, size: number): { name: string; next: bigint }[] => {
    assert.equal(g.call['fd_readdir']!(dir, buf, size, cookie, used), 0);
    const out: { name: string; next: bigint }[] = [];
    let at = 0;
    const u = g.u32(used);
    while (at + 24 <= u) {
      const len = g.view.getUint32(buf + at + 16, true);
      if (at + 24 + len > u) break;
      out.push({ name: new TextDecoder().decode(g.bytes.subarray(buf + at + 24, buf + at + 24 + len)), next: g.view.getBigUint64(buf + at, true) });
      at += 24 + len;
    }
    return out;
  };
  assert.equal(g.call['fd_readdir']!(dir, buf, 100, 0n, used), 0);
  assert.equal(g.u32(used), 100, 'a full buffer signals more to come');
  // Walk with a small buffer, resuming at each last complete entry's cookie.
  const names: string[] = [];
  const cookies: bigint[] = [];
  let cookie = 0n;
  for (;;) {
    const part = list(cookie, 200);
    if (part.length === 0) break;
    for (const e of part) { names.push(e.name); cookies.push(e.next); }
    cookie = part[part.length - 1]!.next;
  }
  assert.equal(names.length, 62);
  assert.equal(new Set(names).size, 62);
  assert.ok(names.includes('.') && names.includes('..'));
  // Resuming from a cookie in the middle gives the same continuation.
  const again = list(cookies[29]!, 4096).map((e) => e.name);
  assert.deepEqual(again, names.slice(30));
  // Remove every other entry after position 10; resuming there lists exactly the survivors.
  for (const name of names.slice(11)) {
    if (Number(name.slice(6)) % 2 === 0) root.process.unlinkat(AT_FDCWD, `/sandbox/d/${name}`);
  }
  const rest = list(cookies[10]!, 4096).map((e) => e.name);
  assert.deepEqual(rest, names.slice(11).filter((n) => Number(n.slice(6)) % 2 === 1));
  assert.equal(g.call['fd_readdir']!(1, buf, 100, 0n, used), W.WASI_ENOTDIR);
});

test('a directory descriptor moved out of its preopen cannot be used to climb out (in-root)', () => {
  const root = ROOT_SETUPS[0]!.make();
  const p = root.process;
  p.mkdirat(AT_FDCWD, '/sandbox/a', 0o755);
  p.mkdirat(AT_FDCWD, '/sandbox/a/sub', 0o755);
  p.mkdirat(AT_FDCWD, '/sandbox/b', 0o755);
  writeFile(p, '/sandbox/secret', 'between the preopens');
  const g = new DirectGuest({ process: p, preopens: { '/a': '/sandbox/a', '/b': '/sandbox/b' } });
  const [e, sub] = g.open(3, 'sub', W.OFLAGS_DIRECTORY, DIR_RIGHTS);
  assert.equal(e, 0);
  assert.equal(g.open(sub, '../../secret', 0, READ_RIGHTS)[0], W.WASI_ENOENT, '.. stops at preopen a');
  const [s1, n1] = g.str('sub');
  assert.equal(g.call['path_rename']!(3, s1, n1, 4, s1, n1), 0);
  assert.equal(g.open(sub, '../../secret', 0, READ_RIGHTS)[0], W.WASI_ENOTCAPABLE);
  assert.equal(g.open(sub, 'anything', W.OFLAGS_CREAT, READ_RIGHTS)[0], W.WASI_ENOTCAPABLE);
  assert.equal(g.open(4, 'sub/../../secret', 0, READ_RIGHTS)[0], W.WASI_ENOENT, 'through preopen b the same directory is fine');
  assert.equal(g.open(4, 'sub', W.OFLAGS_DIRECTORY, DIR_RIGHTS)[0], 0);
});

test('paths with non-UTF-8 bytes are names of their own', () => {
  const root = ROOT_SETUPS[0]!.make();
  const g = guest(root);
  const name = new Uint8Array([0x66, 0xff, 0xc3, 0x28]);
  const [p, n] = g.str(name);
  assert.equal(g.call['path_create_directory']!(3, p, n), 0);
  const entries = root.process.getdents64(root.process.openat(AT_FDCWD, '/sandbox', O_RDONLY | O_DIRECTORY));
  assert.ok(entries.some((d) => Buffer.from(d.nameBytes).equals(Buffer.from(name))));
  const [t, tn] = g.str(new Uint8Array([0x80, 0x2f, 0x61]));
  const [l, ln] = g.str('link');
  assert.equal(g.call['path_symlink']!(t, tn, 3, l, ln), 0);
  const buf = g.alloc(16), used = g.alloc(4);
  assert.equal(g.call['path_readlink']!(3, l, ln, buf, 16, used), 0);
  assert.deepEqual([...g.bytes.subarray(buf, buf + g.u32(used))], [0x80, 0x2f, 0x61]);
  assert.equal(g.call['path_readlink']!(3, l, ln, buf, 2, used), 0);
  assert.equal(g.u32(used), 2, 'readlink truncates to the buffer');
});

test('fd_fdstat_set_flags, fd_allocate and fd_advise follow Linux', () => {
  const root = ROOT_SETUPS[0]!.make();
  const g = guest(root);
  const [, fd] = g.open(3, 'f', W.OFLAGS_CREAT, RW_RIGHTS | BigInt(W.RIGHT_FD_FDSTAT_SET_FLAGS | W.RIGHT_FD_ADVISE));
  g.write(fd, '0123456789');
  const pos = g.alloc(8);
  assert.equal(g.call['fd_seek']!(fd, 0n, W.WHENCE_SET, pos), 0);
  assert.equal(g.call['fd_fdstat_set_flags']!(fd, W.FDFLAGS_APPEND), 0);
  g.write(fd, 'X');
  assert.equal(root.process.fstatat(AT_FDCWD, '/sandbox/f').size, 11);
  const st = g.alloc(24);
  g.call['fd_fdstat_get']!(fd, st);
  assert.equal(g.view.getUint16(st + 2, true) & W.FDFLAGS_APPEND, W.FDFLAGS_APPEND);
  assert.equal(g.call['fd_fdstat_set_flags']!(fd, 0x100), W.WASI_EINVAL);
  assert.equal(g.call['fd_allocate']!(fd, 100n, 50n), 0);
  assert.equal(root.process.fstatat(AT_FDCWD, '/sandbox/f').size, 150);
  assert.equal(g.call['fd_allocate']!(fd, 0n, 10n), 0);
  assert.equal(root.process.fstatat(AT_FDCWD, '/sandbox/f').size, 150, 'never shrinks');
  assert.equal(g.call['fd_allocate']!(fd, 0n, 0n), W.WASI_EINVAL);
  assert.equal(g.call['fd_advise']!(fd, 0n, 10n, 9), W.WASI_EINVAL);
  assert.equal(g.call['fd_advise']!(fd, 0n, 10n, 1), 0);
  assert.equal(g.call['fd_seek']!(fd, 0n, 9, pos), W.WASI_EINVAL);
  assert.equal(g.call['fd_seek']!(fd, -1n, W.WHENCE_SET, pos), W.WASI_EINVAL);
  assert.equal(g.call['fd_seek']!(fd, -5n, W.WHENCE_END, pos), 0);
  assert.equal(g.u64(pos), 145n);
});

test('proc_exit ends start() with the status; a module that returns ends with 0', async () => {
  // (module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))) (memory (export "memory") 1)
  //   (func (export "_start") i32.const 42 call 0))
  const exits = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 2, 96, 1, 127, 0, 96, 0, 0, 2, 36, 1, 22, ...new TextEncoder().encode('wasi_snapshot_preview1'),
    9, ...new TextEncoder().encode('proc_exit'), 0, 0, 3, 2, 1, 1, 5, 3, 1, 0, 1, 7, 19, 2, 6,
    ...new TextEncoder().encode('memory'), 2, 0, 6, ...new TextEncoder().encode('_start'), 0, 1, 10, 8, 1, 6, 0, 65, 42, 16, 0, 11,
  ]);
  const root = ROOT_SETUPS[0]!.make();
  const host = new WasiHost({ process: root.process });
  const module = await Wasm.compile(exits);
  assert.equal(host.start(await Wasm.instantiate(module, host.getImportObject())), 42);
  assert.throws(() => (host.wasiImport['proc_exit'] as (c: number) => void)(3), (e: unknown) => e instanceof WasiExit && e.code === 3);
  // The same module with the call replaced by nops returns from _start.
  const returns = exits.slice();
  returns.set([1, 1, 1, 1], returns.length - 5);
  const host2 = new WasiHost({ process: root.process });
  assert.equal(host2.start(await Wasm.instantiate(await Wasm.compile(returns), host2.getImportObject())), 0);
});

test('generated call sequences: every import answers an errno, nothing throws, nothing outside changes', () => {
  const names = Object.keys(new WasiHost({ process: ROOT_SETUPS[0]!.make().process }).wasiImport).filter((n) => n !== 'proc_exit' && n !== 'poll_oneoff');
  const arg = fc.oneof(
    fc.integer({ min: -2, max: 12 }),
    fc.integer({ min: 0, max: 300_000 }),
    fc.constantFrom(0xffffffff, 0x7fffffff, 65536 * 4 - 1),
  );
  const big = fc.oneof(fc.bigInt({ min: 0n, max: 1n << 64n }), fc.constantFrom(0n, 1n, 0x1fffffffn, (1n << 63n) - 1n));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.array(arg, { minLength: 9, maxLength: 9 }), fc.array(big, { minLength: 3, maxLength: 3 })), { maxLength: 40 }), (calls) => {
      const root = ROOT_SETUPS[0]!.make();
      for (const name of ['a', 'b', 'c']) writeFile(root.process, `/sandbox/${name}`, name.repeat(10));
      root.process.symlinkat('../../..', AT_FDCWD, '/sandbox/up');
      const g = guest(root);
      // Plant a few useful paths so that calls reach deep into the host.
      for (const s of ['a', 'up/outside-marker', '..', 'up/x', 'b/']) g.str(s);
      const fn = g.host.wasiImport as unknown as Record<string, (...a: unknown[]) => number>;
      for (const [name, ints, bigs] of calls) {
        const f = fn[name]!;
        // Fill i64 positions of each signature with BigInts, the rest with numbers.
        const params: unknown[] = [];
        let bi = 0;
        for (let i = 0; i < f.length; i++) params.push(I64_PARAMS[name]?.includes(i) ? bigs[bi++ % 3] : ints[i]);
        const r = f(...params);
        assert.ok(Number.isInteger(r) && r >= 0 && r <= W.WASI_ENOTCAPABLE, `${name} returned ${r}`);
      }
      assert.equal(root.process.fstatat(AT_FDCWD, '/outside-marker').size, 2);
      const top = root.process.getdents64(root.process.openat(AT_FDCWD, '/', O_RDONLY | O_DIRECTORY)).map((d) => d.name).sort();
      assert.deepEqual(top, ['.', '..', 'outside-marker', 'sandbox']);
      g.host.close();
    }),
    { seed: 20240611, numRuns: 150 },
  );
});

/** The i64 parameter positions of each import (witx: filesize, timestamp, rights, dircookie, filedelta). */
const I64_PARAMS: Record<string, number[]> = {
  clock_time_get: [1], fd_advise: [1, 2], fd_allocate: [1, 2], fd_fdstat_set_rights: [1, 2],
  fd_filestat_set_size: [1], fd_filestat_set_times: [1, 2], fd_pread: [3], fd_pwrite: [3], fd_readdir: [3],
  fd_seek: [1], path_filestat_set_times: [4, 5], path_open: [5, 6],
};

test('memory.grow: the host follows the guest memory to its new size', () => {
  const root = ROOT_SETUPS[0]!.make();
  writeFile(root.process, '/sandbox/data', 'grown');
  const g = guest(root);
  const oldEnd = g.memory.buffer.byteLength;
  const [, fd] = g.open(3, 'data', 0, READ_RIGHTS);
  g.memory.grow(2);
  const iov = g.alloc(8), out = g.alloc(4);
  g.view.setUint32(iov, oldEnd + 1000, true);
  g.view.setUint32(iov + 4, 5, true);
  assert.equal(g.call['fd_read']!(fd, iov, 1, out), 0);
  assert.equal(new TextDecoder().decode(g.bytes.subarray(oldEnd + 1000, oldEnd + 1005)), 'grown');
});

test('hard links and renames between two preopens resolve each side in its own preopen', () => {
  for (const sandbox of ['in-root', 'beneath'] as const) {
    const root = ROOT_SETUPS[0]!.make();
    const p = root.process;
    p.mkdirat(AT_FDCWD, '/sandbox/a', 0o755);
    p.mkdirat(AT_FDCWD, '/sandbox/b', 0o755);
    writeFile(p, '/sandbox/a/x', 'inside a');
    writeFile(p, '/sandbox/x', 'between the preopens');
    p.symlinkat('/x', AT_FDCWD, '/sandbox/a/abs');
    p.symlinkat('x', AT_FDCWD, '/sandbox/a/rel');
    const g = new DirectGuest({ process: p, preopens: { '/a': '/sandbox/a', '/b': '/sandbox/b' }, sandbox });
    const [abs, absLen] = g.str('abs');
    const [rel, relLen] = g.str('rel');
    const [h1, h1Len] = g.str('h1');
    const [h2, h2Len] = g.str('h2');
    // Following an absolute symlink: a's "/x" in-root (never the x between the preopens), refused beneath.
    const e = g.call['path_link']!(3, W.LOOKUPFLAGS_SYMLINK_FOLLOW, abs, absLen, 4, h1, h1Len);
    if (sandbox === 'in-root') {
      assert.equal(e, 0);
      assert.equal(p.fstatat(AT_FDCWD, '/sandbox/b/h1').ino, p.fstatat(AT_FDCWD, '/sandbox/a/x').ino);
    } else {
      assert.equal(e, W.WASI_ENOTCAPABLE);
    }
    assert.equal(g.call['path_link']!(3, W.LOOKUPFLAGS_SYMLINK_FOLLOW, rel, relLen, 4, h2, h2Len), 0);
    assert.equal(p.fstatat(AT_FDCWD, '/sandbox/a/x').nlink, sandbox === 'in-root' ? 3 : 2);
    assert.equal(p.fstatat(AT_FDCWD, '/sandbox/x').nlink, 1);
    // Without follow, the link itself is linked.
    const [h3, h3Len] = g.str('h3');
    assert.equal(g.call['path_link']!(3, 0, abs, absLen, 4, h3, h3Len), 0);
    assert.equal(p.readlinkat(AT_FDCWD, '/sandbox/b/h3'), '/x');
    // Rename across, and `..` above either preopen stays refused or clamped.
    const [up, upLen] = g.str('../x');
    const [moved, movedLen] = g.str('moved');
    assert.equal(g.call['path_rename']!(4, up, upLen, 3, moved, movedLen), sandbox === 'in-root' ? W.WASI_ENOENT : W.WASI_ENOTCAPABLE);
    assert.equal(g.call['path_rename']!(4, h2, h2Len, 3, moved, movedLen), 0);
    assert.equal(p.fstatat(AT_FDCWD, '/sandbox/a/moved').ino, p.fstatat(AT_FDCWD, '/sandbox/a/x').ino);
    assert.equal(p.fstatat(AT_FDCWD, '/sandbox/x').size, 'between the preopens'.length);
  }
});
