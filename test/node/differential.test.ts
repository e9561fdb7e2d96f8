// Differential test of the fs facade against Node's own fs on a kernel tmpfs: seeded random
// sequences of fs calls (sync, callback and promise APIs, descriptors, streams) run on a fresh
// vroot tmpfs through createFs and, in a bubblewrap sandbox, on Node's fs in a fresh
// /dev/shm; every call's result or error (code, errno, syscall, path, dest, message) and the
// final tree must be the same. Inode numbers, devices and times are normalized (times keep
// their relations: "later than last seen", "mtime equals ctime", exact values set by utimes).
// As root, and as uid 1000 after a root-made setup, so permission errors show.
//
// VROOT_NODEFS_SEQS, VROOT_NODEFS_USER_SEQS, VROOT_NODEFS_OPS and VROOT_NODEFS_SEED change the size
// and the seed (default: fixed, so a failure is reproducible).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tmpfs, VirtualFileSystem } from '../../src/mod.js';
import { createFs } from '../../src/node/mod.js';
import { generate } from './_fs_gen.js';
import { dumpTree, normalizer, runSequence, type Outcome, type PathSpec, type Sequence } from './_fs_ops.js';
import { scratchRoot } from './_real_runner.js';

const SEQS = Number(process.env.VROOT_NODEFS_SEQS ?? 800);
const USER_SEQS = Number(process.env.VROOT_NODEFS_USER_SEQS ?? 300);
/** Sequences that also compare how times move (slow: the kernel side waits a clock tick per call). */
const TIMED_SEQS = Number(process.env.VROOT_NODEFS_TIMED_SEQS ?? 16);
const OPS = Number(process.env.VROOT_NODEFS_OPS ?? 40);
const SEED = Number(process.env.VROOT_NODEFS_SEED ?? 20251122);
const BATCH = 100;
const USER = { uid: 1000, gid: 1000, groups: [1000, 100] };

interface Result {
  setup: Outcome[];
  ops: Outcome[];
  tree: unknown[];
}

const runner = fileURLToPath(new URL('./_real_runner.js', import.meta.url));

/** The host's fs.protected_symlinks and fs.protected_hardlinks: vroot's namespace gets the same. */
function hostProtections(): { protectedSymlinks: boolean; protectedHardlinks: boolean } {
  const read = (name: string): boolean => readFileSync(`/proc/sys/fs/${name}`, 'utf8').trim() !== '0';
  return { protectedSymlinks: read('protected_symlinks'), protectedHardlinks: read('protected_hardlinks') };
}
const PROTECTIONS = hostProtections();

/** Why the kernel side cannot run here, or null. */
function sandboxProblem(): string | null {
  const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--tmpfs', '/dev/shm', 'true']);
  if (r.error !== undefined) return `bubblewrap is not installed (${r.error.message})`;
  if (r.status !== 0) return `bubblewrap cannot make a sandbox here: ${r.stderr.toString().trim()}`;
  return null;
}

/** Runs `sequences` on Node's fs in a sandbox: the host read-only, /dev/shm a fresh tmpfs. */
function runReal(sequences: Sequence[], user?: typeof USER): Result[] {
  const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--tmpfs', '/dev/shm', '--proc', '/proc',
    '--unshare-pid', '--die-with-parent', process.execPath, runner], {
    input: JSON.stringify({ sequences, user }),
    env: { ...process.env, VROOT_REAL_RUNNER: '1' },
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`real runner failed (${r.status}): ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString()) as Result[];
}

/** Runs `sequences` through the facade, each on a fresh vroot tmpfs with the same paths. */
async function runVroot(sequences: Sequence[], user?: typeof USER): Promise<Result[]> {
  const startMs = Date.now();
  const out: Result[] = [];
  for (let i = 0; i < sequences.length; i++) {
    const P = scratchRoot(i);
    const vfs = new VirtualFileSystem(PROTECTIONS);
    vfs.mount(new Tmpfs(), '/');
    const boot = createFs(vfs.createProcess());
    boot.mkdirSync(P, { recursive: true });
    boot.chmodSync(P, 0o777);
    const norm = normalizer(P, startMs, sequences[i]!.timed);
    const rootFs = createFs(vfs.createProcess({ cwd: P }));
    const setup = await runSequence(rootFs, P, sequences[i]!.setup, norm);
    const fs = user === undefined ? rootFs : createFs(vfs.createProcess({ cwd: P, cred: user }));
    const ops = await runSequence(fs, P, sequences[i]!.ops, norm);
    out.push(JSON.parse(JSON.stringify({ setup, ops, tree: dumpTree(fs, P, norm) })) as Result);
  }
  return out;
}

interface Tally {
  sequences: number;
  calls: number;
  errors: number;
  /** Sequences whose comparison stopped after a cp that failed inside the copy (see `cpFailedInside`). */
  cut: number;
  /** Calls that differ as documented (see `realpathPermission`, `asyncRmRace`). */
  known: number;
  mismatches: string[];
}

type Err = { err?: { code?: unknown; path?: unknown } };
type Call = { op?: string; api?: string; from?: PathSpec; to?: PathSpec };

/** How the outcome of a call names one of its path arguments (as `_fs_ops.ts` passes and normalizes it). */
function shown(spec: PathSpec | undefined): string {
  if (spec === undefined) return '';
  return spec.kind === 'rel' ? spec.p : `<P>${spec.p}`;
}

/**
 * A recursive cp copies a directory's entries in the kernel's listing order, and Linux 6.18's
 * tmpfs lists newest first where vroot's tmpfs lists oldest first (node:fs's cp also stats
 * source and destination concurrently). So when a cp fails on both sides, the two may have
 * copied different entries first and even report different errors: the comparison of that
 * sequence ends there (counted in `cut`), unless the cp failed before copying anything (its
 * source could not be looked at, or is a directory without `recursive`): then the errors must
 * match and the comparison goes on.
 */
function cpFailedInside(call: Call | undefined, a: Err, b: Err): boolean {
  if (call?.op !== 'cp' || a.err === undefined || b.err === undefined) return false;
  const e = a.err as { path?: unknown; syscall?: unknown; code?: unknown };
  const before = e.path === shown(call.from) && (e.syscall === 'lstat' || e.syscall === 'stat' || e.code === 'ERR_FS_EISDIR');
  return !before || JSON.stringify(a) !== JSON.stringify(b);
}

/**
 * node:fs's asynchronous rm removes a directory's children concurrently and reports whichever
 * fails first, so which child's error it reports varies from run to run; when both sides fail
 * with the same code, the call counts as matching (in `known`).
 */
function asyncRmRace(call: Call | undefined, a: Err, b: Err): boolean {
  return call?.op === 'rm' && call.api !== 'sync' && a.err !== undefined && b.err !== undefined && a.err.code === b.err.code;
}

/**
 * realpath is the walk's answer in vroot; Node's realpath.native is glibc's realpath(3), which
 * resolves symlinks with readlink and drops `x/.` and `x/..` as text, so it needs no search
 * permission on x where the kernel's walk does (documented difference, counted in `known`).
 */
function realpathPermission(call: Call | undefined, a: unknown, b: Err): boolean {
  const path = (call as { path?: PathSpec } | undefined)?.path?.p ?? '';
  return call?.op === 'realpath' && b.err?.code === 'EACCES' && (a as Err).err?.code !== 'EACCES' && /(^|\/)\.\.?(\/|$)/.test(path);
}

function compare(seqs: Sequence[], real: Result[], mine: Result[], tally: Tally): void {
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i]!;
    const r = real[i]!;
    const m = mine[i]!;
    tally.sequences++;
    const parts: [string, Outcome[] | unknown[], Outcome[] | unknown[], unknown[]][] = [
      ['setup', r.setup, m.setup, s.setup], ['ops', r.ops, m.ops, s.ops], ['tree', r.tree, m.tree, []]];
    let cut = false;
    for (const [part, a, b, calls] of parts) {
      if (cut) break;
      for (let k = 0; k < Math.max(a.length, b.length); k++) {
        if (part !== 'tree') {
          tally.calls++;
          if ((a[k] as { err?: unknown } | undefined)?.err !== undefined) tally.errors++;
        }
        const x = JSON.stringify(a[k]);
        const y = JSON.stringify(b[k]);
        const call = calls[k] as Call | undefined;
        if (cpFailedInside(call, a[k] as Err, b[k] as Err)) {
          tally.cut++;
          cut = true;
          break;
        }
        if (x !== y && (realpathPermission(call, a[k], b[k] as Err) || asyncRmRace(call, a[k] as Err, b[k] as Err))) {
          tally.known++;
          continue;
        }
        if (x !== y) {
          const prefix = part === 'tree' ? '' : `\n  call: ${JSON.stringify(calls[k])}`;
          tally.mismatches.push(`seed ${s.seed} ${part}[${k}]${prefix}\n  node:  ${x}\n  vroot: ${y}`);
          break;
        }
      }
    }
  }
}

async function differential(count: number, seedBase: number, user?: typeof USER, timed = false): Promise<Tally> {
  const tally: Tally = { sequences: 0, calls: 0, errors: 0, cut: 0, known: 0, mismatches: [] };
  for (let start = 0; start < count; start += BATCH) {
    const seqs: Sequence[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      seqs.push(generate(seedBase + i, OPS, user === undefined ? 0 : 12, timed));
    }
    const real = runReal(seqs, user);
    const mine = await runVroot(seqs, user);
    compare(seqs, real, mine, tally);
  }
  return tally;
}

function report(t: { diagnostic(message: string): void }, name: string, tally: Tally): void {
  t.diagnostic(`${name}: ${tally.sequences} sequences, ${tally.calls} calls compared (${tally.errors} errors), ` +
    `${tally.cut} ended after a cp that failed inside, ${tally.known} known differences, ${tally.mismatches.length} mismatches`);
  assert.equal(tally.mismatches.length, 0, `${tally.mismatches.length} sequences differ; first ones:\n${tally.mismatches.slice(0, 8).join('\n')}`);
}

const problem = sandboxProblem();

test('facade matches Node fs on a kernel tmpfs, as root', { skip: problem ?? false, timeout: 600_000 }, async (t) => {
  const tally = await differential(SEQS, SEED);
  assert.equal(tally.sequences, SEQS);
  assert.ok(SEQS === 0 || tally.errors > tally.calls / 20, 'the generator reaches error paths');
  assert.ok(tally.cut <= tally.sequences / 5, 'few comparisons are cut short');
  report(t, 'root', tally);
});

test('facade matches Node fs on a kernel tmpfs, as uid 1000 after a root-made setup', { skip: problem ?? false, timeout: 600_000 }, async (t) => {
  const tally = await differential(USER_SEQS, SEED + 1_000_000, USER);
  assert.equal(tally.sequences, USER_SEQS);
  assert.ok(tally.cut <= tally.sequences / 5, 'few comparisons are cut short');
  report(t, 'uid 1000', tally);
});

test('facade matches Node fs on how times move (a clock tick between calls)', { skip: problem ?? false, timeout: 600_000 }, async (t) => {
  const tally = await differential(TIMED_SEQS, SEED + 2_000_000, undefined, true);
  assert.equal(tally.sequences, TIMED_SEQS);
  report(t, 'timed', tally);
});
