// Per-thread filesystem context: threads made with clone({ thread: true, files: 'share', fs: 'copy' }) have
// their own cwd, root and umask over one descriptor table (Darling's per-thread cwd), and
// clone({ fs: 'share' }) threads see each other's chdir, chroot and umask. Hand-written cases,
// then generated two-thread cases checked against the kernel (threads_oracle.py: a thread that
// calls unshare(CLONE_FS) next to one that does not). VROOT_THREADS_RUNS and VROOT_SEED change
// the number of generated cases and the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  AT_FDCWD, O_CREAT, O_DIRECTORY, O_PATH, O_RDONLY, O_WRONLY, ProcFs, S_IFMT, Tmpfs, VfsError,
  VirtualFileSystem, type Process,
} from '../../src/mod.js';
import { code } from '../_errno.js';

const ORACLE = fileURLToPath(new URL('../../../test/emu/threads_oracle.py', import.meta.url));
const RUNS = Number(process.env.VROOT_THREADS_RUNS ?? 300);
const SEED = Number(process.env.VROOT_SEED ?? 20260720);
const enc = new TextEncoder();

/** The tree threads_oracle.py builds, in a fresh vroot; returns the first thread. */
function world(): { vfs: VirtualFileSystem; a: Process } {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs({ mode: 0o755 }), '/');
  const a = vfs.createProcess({ umask: 0o022 });
  for (const d of ['/a', '/a/b', '/a/b/c', '/d', '/d/e']) a.mkdirat(AT_FDCWD, d, 0o755);
  a.close(a.openat(AT_FDCWD, '/f', O_CREAT | O_WRONLY, 0o644));
  a.symlinkat('a/b', AT_FDCWD, '/l');
  a.symlinkat('/d', AT_FDCWD, '/m');
  a.symlinkat('..', AT_FDCWD, '/a/up');
  return { vfs, a };
}

// ---- hand-written cases ----

test('fs copy: each thread has its own cwd, root and umask over one descriptor table', () => {
  const { a } = world();
  const b = a.clone({ thread: true, files: 'share', fs: 'copy' });
  a.chdir('/a');
  b.chdir('/d');
  assert.equal(a.getcwd(), '/a');
  assert.equal(b.getcwd(), '/d');
  // Relative paths and AT_FDCWD resolve from the calling thread's cwd.
  const fa = a.openat(AT_FDCWD, 'b', O_RDONLY | O_DIRECTORY);
  const fb = b.openat(AT_FDCWD, 'e', O_RDONLY | O_DIRECTORY);
  assert.equal(code(() => a.openat(AT_FDCWD, 'e', O_RDONLY)), 'ENOENT');
  // One table: each thread uses the other's descriptor, and the numbers do not collide.
  assert.notEqual(fa, fb);
  b.fchdir(fa);
  assert.equal(b.getcwd(), '/a/b');
  assert.equal(a.getcwd(), '/a');
  a.fchdir(fb);
  assert.equal(a.getcwd(), '/d/e');
  a.close(fa);
  assert.equal(code(() => b.fchdir(fa)), 'EBADF');
  // umask is per context.
  b.umask(0o077);
  a.mkdirat(AT_FDCWD, 'by-a', 0o777);
  b.mkdirat(AT_FDCWD, 'c/by-b', 0o777);
  assert.equal(a.fstatat(AT_FDCWD, '/d/e/by-a').mode & 0o777, 0o755);
  assert.equal(a.fstatat(AT_FDCWD, '/a/b/c/by-b').mode & 0o777, 0o700);
  // chroot in one thread does not move its sibling's root.
  b.chroot('/a');
  assert.equal(b.getcwd(), '/b');
  assert.equal(a.getcwd(), '/d/e');
  assert.equal(code(() => b.openat(AT_FDCWD, '/d', O_RDONLY)), 'ENOENT');
  assert.equal(code(() => a.openat(AT_FDCWD, '/a/b', O_RDONLY)), 'OK');
  b.chdir('/');
  assert.equal(b.getcwd(), '/');
  b.chdir('..');
  assert.equal(b.getcwd(), '/');
});

test('procfs shows each thread\'s own cwd and root under thread-self and task/<tid>', () => {
  const { vfs, a } = world();
  a.mkdirat(AT_FDCWD, '/proc', 0o555);
  vfs.mount(new ProcFs(), '/proc');
  const b = a.clone({ thread: true, files: 'share', fs: 'copy' });
  assert.equal(b.tgid, a.tgid);
  a.chdir('/a/b');
  b.chdir('/d/e');
  assert.equal(a.readlinkat(AT_FDCWD, '/proc/thread-self/cwd'), '/a/b');
  assert.equal(b.readlinkat(AT_FDCWD, '/proc/thread-self/cwd'), '/d/e');
  assert.equal(a.readlinkat(AT_FDCWD, `/proc/${a.tgid}/task/${b.pid}/cwd`), '/d/e');
  // /proc/self is the thread group: its cwd is the group leader's.
  assert.equal(b.readlinkat(AT_FDCWD, '/proc/self/cwd'), '/a/b');
  // Opening the magic link reaches the thread's own directory.
  const fd = a.openat(AT_FDCWD, `/proc/${a.tgid}/task/${b.pid}/cwd`, O_RDONLY | O_DIRECTORY);
  a.fchdir(fd);
  assert.equal(a.getcwd(), '/d/e');
  b.chroot('/d');
  // /proc is outside b's new root now; a still sees it, and where b's root is.
  assert.equal(code(() => b.readlinkat(AT_FDCWD, '/proc/thread-self/root')), 'ENOENT');
  assert.equal(a.readlinkat(AT_FDCWD, '/proc/thread-self/root'), '/');
  assert.equal(a.readlinkat(AT_FDCWD, `/proc/${a.tgid}/task/${b.pid}/root`), '/d');
});

test('fs share: a thread sees its sibling\'s chdir, chroot and umask', () => {
  const { a } = world();
  const b = a.clone({ thread: true, files: 'share', fs: 'share' });
  b.chdir('/a/b');
  assert.equal(a.getcwd(), '/a/b');
  a.close(a.openat(AT_FDCWD, 'made-by-a', O_CREAT | O_WRONLY, 0o666));
  assert.equal(b.fstatat(AT_FDCWD, 'made-by-a').mode & 0o777, 0o644);
  b.umask(0o027);
  a.close(a.openat(AT_FDCWD, 'second', O_CREAT | O_WRONLY, 0o666));
  assert.equal(a.fstatat(AT_FDCWD, 'second').mode & 0o777, 0o640);
  a.chroot('/a');
  assert.equal(b.getcwd(), '/b');
  assert.equal(code(() => b.fstatat(AT_FDCWD, '/d')), 'ENOENT');
});

test('files copy: a forked child keeps its own copies of the descriptors', () => {
  const { a } = world();
  const fd = a.openat(AT_FDCWD, '/f', O_WRONLY);
  const child = a.clone({ files: 'copy', fs: 'copy' });
  a.close(fd);
  assert.equal(child.write(fd, enc.encode('still open')), 10);
  assert.equal(code(() => a.write(fd, enc.encode('x'))), 'EBADF');
  const other = child.openat(AT_FDCWD, '/f', O_RDONLY);
  // ... and its new descriptors are not the parent's.
  assert.equal(code(() => a.fstat(other)), 'EBADF');
});

test('a thread\'s cwd follows its directory when another thread renames it, and is gone when removed', () => {
  const { a } = world();
  const b = a.clone({ thread: true, files: 'share', fs: 'copy' });
  b.chdir('/a/b/c');
  a.renameat(AT_FDCWD, '/a/b', AT_FDCWD, '/d/moved');
  assert.equal(b.getcwd(), '/d/moved/c');
  assert.equal(b.fstatat(AT_FDCWD, '..').ino, a.fstatat(AT_FDCWD, '/d/moved').ino);
  a.unlinkat(AT_FDCWD, '/d/moved/c', 0x200);
  assert.equal(code(() => b.getcwd()), 'ENOENT');
  assert.equal(code(() => b.openat(AT_FDCWD, 'new', O_CREAT | O_WRONLY, 0o644)), 'ENOENT');
  assert.equal(a.getcwd(), '/');
});

test('a working directory keeps its mount busy until every thread sharing it has left', () => {
  const { vfs, a } = world();
  a.mount(new Tmpfs(), '/d/e');
  const copy = a.clone({ thread: true, files: 'share', fs: 'copy' });
  copy.chdir('/d/e');
  assert.equal(code(() => a.umount2('/d/e')), 'EBUSY');
  copy.exit();
  a.umount2('/d/e');
  a.mount(new Tmpfs(), '/d/e');
  const t1 = a.clone({ thread: true, files: 'share', fs: 'copy' });
  const t2 = t1.clone({ thread: true, files: 'share', fs: 'share' });
  t2.chdir('/d/e');
  t2.exit();
  // t1 still shares the context t2 left: the mount stays busy.
  assert.equal(code(() => a.umount2('/d/e')), 'EBUSY');
  t1.exit();
  a.umount2('/d/e');
  assert.equal(vfs.allProcesses().length, 1);
});

// ---- generated cases against the kernel ----

type ThreadOp = ['A' | 'B', string, ...unknown[]];

const PATHS = ['a', 'a/b', 'a/b/c', 'b', 'c', 'e', '..', '.', '../..', '/', '/a', '/a/b', '/d/e', 'l', 'm', 'up',
  'f', 'missing', 'l/c', 'm/e', 'a/up/d', 'up/..', 'n', 'b/n'];
const FDS = ['cwd', 'cwd', 'cwd', 'fd0', 'fd1', 'fd2', 'fd3', 'fd4'];
const path = fc.constantFrom(...PATHS);
const dirfd = fc.constantFrom(...FDS);
const opBody: fc.Arbitrary<[string, ...unknown[]]> = fc.oneof(
  { weight: 5, arbitrary: path.map((p): [string, ...unknown[]] => ['chdir', p]) },
  { weight: 2, arbitrary: dirfd.map((f): [string, ...unknown[]] => ['fchdir', f]) },
  { weight: 5, arbitrary: fc.constant<[string, ...unknown[]]>(['getcwd']) },
  { weight: 1, arbitrary: path.map((p): [string, ...unknown[]] => ['chroot', p]) },
  { weight: 2, arbitrary: fc.constantFrom(0o077, 0o022, 0o002, 0o777, 0).map((m): [string, ...unknown[]] => ['umask', m]) },
  {
    weight: 4,
    arbitrary: fc.tuple(dirfd, path, fc.constantFrom(O_RDONLY | O_DIRECTORY, O_PATH, O_PATH | O_DIRECTORY, O_RDONLY, O_CREAT | O_WRONLY))
      .map(([d, p, f]): [string, ...unknown[]] => ['open', d, p, f, 0o666]),
  },
  { weight: 1, arbitrary: dirfd.map((f): [string, ...unknown[]] => ['close', f]) },
  { weight: 2, arbitrary: fc.tuple(dirfd, path).map(([d, p]): [string, ...unknown[]] => ['mkdir', d, p, 0o777]) },
  { weight: 1, arbitrary: fc.tuple(dirfd, path).map(([d, p]): [string, ...unknown[]] => ['rmdir', d, p]) },
  { weight: 1, arbitrary: fc.tuple(path, path).map(([x, y]): [string, ...unknown[]] => ['rename', x, y]) },
  { weight: 4, arbitrary: fc.tuple(dirfd, path).map(([d, p]): [string, ...unknown[]] => ['stat', d, p]) },
);
const caseArb = fc.record({
  fs: fc.constantFrom<'share' | 'copy'>('share', 'copy'),
  ops: fc.array(fc.tuple(fc.constantFrom<'A' | 'B'>('A', 'B'), opBody).map(([t, body]): ThreadOp => [t, ...body]), { minLength: 10, maxLength: 40 }),
});

type Result = ['ok', unknown] | ['err', string];

/** The descriptor number of a label never opened or closed since (threads_oracle.py's). */
const CLOSED_FD = 9999;

/** Runs a case on vroot with the same labels and normalization as threads_oracle.py. */
function runOnVroot(c: { fs: 'share' | 'copy'; ops: ThreadOp[] }): Result[] {
  const { a } = world();
  const b = a.clone({ thread: true, files: 'share', fs: c.fs });
  const fds = new Map<string, number>();
  const identities = new Map<string, string>();
  let opened = 0;
  const fd = (label: unknown): number => (label === 'cwd' ? AT_FDCWD : fds.get(label as string) ?? CLOSED_FD);
  const run = (p: Process, [name, ...x]: [string, ...unknown[]]): unknown => {
    switch (name) {
      case 'chdir': p.chdir(x[0] as string); return null;
      case 'fchdir': p.fchdir(fd(x[0])); return null;
      case 'getcwd': return p.getcwdRaw();
      case 'chroot': p.chroot(x[0] as string); return null;
      case 'umask': return p.umask(x[0] as number);
      case 'open': {
        const n = p.openat(fd(x[0]), x[1] as string, x[2] as number, x[3] as number);
        const label = `fd${opened++}`;
        fds.set(label, n);
        return label;
      }
      case 'close': p.close(fd(x[0])); fds.set(x[0] as string, CLOSED_FD); return null;
      case 'mkdir': p.mkdirat(fd(x[0]), x[1] as string, x[2] as number); return null;
      case 'rmdir': p.unlinkat(fd(x[0]), x[1] as string, 0x200); return null;
      case 'rename': p.renameat(AT_FDCWD, x[0] as string, AT_FDCWD, x[1] as string); return null;
      case 'stat': {
        const st = p.fstatat(fd(x[0]), x[1] as string, 0x100);
        const key = `${st.dev}:${st.ino}`;
        if (!identities.has(key)) identities.set(key, `i${identities.size}`);
        return [identities.get(key), st.mode & S_IFMT, st.mode & 0o7777];
      }
      default: throw new Error(`unknown op ${name}`);
    }
  };
  return c.ops.map(([thread, ...body]): Result => {
    try {
      return ['ok', run(thread === 'A' ? a : b, body as [string, ...unknown[]])];
    } catch (e) {
      if (e instanceof VfsError) return ['err', e.code];
      throw e;
    }
  });
}

function oracleUnavailable(): string | null {
  if (process.geteuid?.() !== 0) return 'the kernel side chroots, which needs root';
  const r = spawnSync('python3', ['--version']);
  return r.error === undefined ? null : 'python3 is not installed';
}

test(`two threads agree with the kernel on ${RUNS} generated cases of chdir, fchdir, chroot, umask and relative calls`, { skip: oracleUnavailable() ?? false }, () => {
  const cases = fc.sample(caseArb, { numRuns: RUNS, seed: SEED });
  const r = spawnSync('python3', [ORACLE], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const kernel = JSON.parse(r.stdout) as Result[][];
  assert.equal(kernel.length, cases.length);
  let compared = 0;
  const shapes = new Set<string>();
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    const vroot = runOnVroot(c);
    for (let j = 0; j < c.ops.length; j++) {
      const same = JSON.stringify(vroot[j]) === JSON.stringify(kernel[i]![j]);
      if (!same) {
        assert.fail(`case ${i} (seed ${SEED}, fs ${c.fs}) op ${j} ${JSON.stringify(c.ops[j])}\n` +
          `  kernel: ${JSON.stringify(kernel[i]![j])}\n  vroot:  ${JSON.stringify(vroot[j])}\n` +
          `  ops so far: ${JSON.stringify(c.ops.slice(0, j + 1))}`);
      }
      shapes.add(`${c.ops[j]![1]}:${kernel[i]![j]![0]}`);
      compared++;
    }
  }
  // Both outcomes of every kind of call occurred, so the cases reach past the first error.
  for (const op of ['chdir', 'fchdir', 'chroot', 'open', 'mkdir', 'rmdir', 'rename', 'stat']) {
    assert.ok(shapes.has(`${op}:ok`) && shapes.has(`${op}:err`), `${op}: ${[...shapes].join(' ')}`);
  }
  console.log(`threads kernel differential: ${cases.length} cases, ${compared} operations (seed ${SEED})`);
});
