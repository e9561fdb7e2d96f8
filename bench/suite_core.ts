// Node-specific: the core benchmarks. The same workloads run through the node:fs interface on
// vroot (tmpfs), memfs, @zenfs/core (InMemory) and Node's fs on the kernel's tmpfs (/dev/shm),
// in one process; the table gives ops/s and vroot's ratio to each peer. Memory is measured in
// child processes (bench/_memory.ts) after a full GC.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { memfsTarget, nodeTarget, vrootTarget, zenfsTarget, type Target } from './_targets.js';

/** Workload sizes (quick mode divides them by 10). */
const SIZES = {
  dirs: 100,
  filesPerDir: 100,
  statDeep: 200_000,
  statMiss: 100_000,
  readdirRounds: 20,
  readFiles: 2_000,
  readRounds: 10,
  chains: 100,
  chainLength: 8,
  symlinkWalks: 100_000,
};

/** A workload may stop early when a slow peer would take longer than this. */
const BUDGET_MS = 3_000;
/** How long each read-only workload runs before it is measured. */
const WARMUP_MS = 300;

const FILE = new Uint8Array(4096).fill(0x61);

interface Result {
  ops: number;
  seconds: number;
}

/** CPU time used by this process so far, in nanoseconds (user + system, all threads). */
function cpuNs(): bigint {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
}

/**
 * Runs `step(i)` for i in [0, count) in batches until done or out of budget. Time is the
 * process's CPU time, not the wall clock: on a shared machine other load only stretches the
 * wall clock, while the CPU time of the work (the kernel's included, for Node's fs on tmpfs)
 * stays what the work costs.
 */
function timed(count: number, step: (i: number) => void, budgetMs: number): Result {
  const start = cpuNs();
  const limit = BigInt(budgetMs) * 1_000_000n;
  let i = 0;
  while (i < count) {
    const end = Math.min(count, i + 256);
    for (; i < end; i++) step(i);
    if (cpuNs() - start > limit) break;
  }
  return { ops: i, seconds: Number(cpuNs() - start) / 1e9 };
}

/**
 * A read-only workload: warmed up for a while (so the JIT has compiled the paths), then run
 * three times; the best run counts, since other load on the machine only ever slows a run down.
 */
function measure(count: number, step: (i: number) => void): Result {
  timed(Number.MAX_SAFE_INTEGER, step, WARMUP_MS);
  let best: Result | undefined;
  for (let r = 0; r < 3; r++) {
    const res = timed(count, step, BUDGET_MS);
    if (best === undefined || res.ops / res.seconds > best.ops / best.seconds) best = res;
  }
  return best!;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The workloads, in the order they run (each uses what the ones before made). */
const WORKLOADS = ['create', 'stat-deep', 'stat-miss', 'stat-miss-nothrow', 'readdir', 'read', 'symlink-walk'] as const;
type Workload = (typeof WORKLOADS)[number];

function runTarget(t: Target, s: typeof SIZES): Record<Workload, Result> {
  const { fs, root } = t;
  const out = {} as Record<Workload, Result>;
  // create: 10,000 files of 4 KiB in 100 directories (directories made untimed).
  for (let d = 0; d < s.dirs; d++) fs.mkdirSync(`${root}/d${pad2(d)}`);
  const files = s.dirs * s.filesPerDir;
  const fileName = (i: number): string => `${root}/d${pad2(i % s.dirs)}/f${Math.floor(i / s.dirs)}`;
  // A warm-up in a directory of its own, removed before the measured run: creating is measured
  // once, on the real tree, and the warm-up's files (a few thousand at most) do not stay behind
  // to weigh on the in-memory filesystems' garbage collections.
  fs.mkdirSync(`${root}/warm`);
  const warm = timed(s.dirs * s.filesPerDir / 2, (i) => fs.writeFileSync(`${root}/warm/f${i}`, FILE), WARMUP_MS);
  for (let i = 0; i < warm.ops; i++) fs.unlinkSync(`${root}/warm/f${i}`);
  fs.rmdirSync(`${root}/warm`);
  out.create = timed(files, (i) => fs.writeFileSync(fileName(i), FILE), BUDGET_MS);
  for (let i = out.create.ops; i < files; i++) fs.writeFileSync(fileName(i), FILE);

  // stat-deep: paths five components below the root: s/NN/a/b/fK.
  for (let d = 0; d < 10; d++) {
    fs.mkdirSync(`${root}/s/${pad2(d)}/a/b`, { recursive: true });
    for (let k = 0; k < 100; k++) fs.writeFileSync(`${root}/s/${pad2(d)}/a/b/f${k}`, FILE.subarray(0, 16));
  }
  const deep: string[] = [];
  for (let i = 0; i < 1000; i++) deep.push(`${root}/s/${pad2(i % 10)}/a/b/f${Math.floor(i / 10)}`);
  out['stat-deep'] = measure(s.statDeep, (i) => fs.statSync(deep[i % 1000]!));

  // stat-miss: as deep, the last component missing; the error is caught.
  const missing = deep.map((p) => `${p}x`);
  const miss = (i: number): void => {
    try {
      fs.statSync(missing[i % 1000]!);
    } catch {
      // expected: ENOENT
    }
  };
  out['stat-miss'] = measure(s.statMiss, miss);
  // The same without an exception (throwIfNoEntry: false): what a miss costs apart from the
  // Error and its stack trace, which every implementation pays alike (about 2-3 µs in V8).
  const quiet = { throwIfNoEntry: false };
  out['stat-miss-nothrow'] = measure(s.statMiss, (i) => {
    try {
      fs.statSync(missing[i % 1000]!, quiet);
    } catch {
      // a peer without throwIfNoEntry throws
    }
  });

  // readdir: every directory of `create`, several rounds.
  const dirs = Array.from({ length: s.dirs }, (_, d) => `${root}/d${pad2(d)}`);
  out.readdir = measure(s.dirs * s.readdirRounds, (i) => fs.readdirSync(dirs[i % s.dirs]!));

  // read: 2,000 of the 4-KiB files, several rounds.
  const toRead = Math.min(s.readFiles, files);
  out.read = measure(toRead * s.readRounds, (i) => fs.readFileSync(fileName(i % toRead)));

  // symlink-walk: stat through chains of 8 symlinks (l0 -> l1 -> ... -> l7 -> file).
  fs.mkdirSync(`${root}/chains`);
  for (let c = 0; c < s.chains; c++) {
    const base = `${root}/chains/c${c}`;
    fs.writeFileSync(`${base}-target`, FILE.subarray(0, 8));
    for (let k = s.chainLength - 1; k >= 0; k--) {
      fs.symlinkSync(k === s.chainLength - 1 ? `${base}-target` : `${base}-l${k + 1}`, `${base}-l${k}`);
    }
  }
  const heads = Array.from({ length: s.chains }, (_, c) => `${root}/chains/c${c}-l0`);
  out['symlink-walk'] = measure(s.symlinkWalks, (i) => fs.statSync(heads[i % s.chains]!));
  return out;
}

function rate(r: Result): number {
  return r.ops / r.seconds;
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

/** Memory of 10,000 4-KiB files, measured in a child process per target (see `_memory.ts`). */
function memoryTable(quick: boolean): void {
  const script = fileURLToPath(new URL('./_memory.js', import.meta.url));
  const files = quick ? 1000 : 10_000;
  console.log(`\nmemory of ${files} files of 4 KiB (${(files * 4096 / 2 ** 20).toFixed(1)} MiB of data), after a full GC`);
  console.log(`${'target'.padEnd(18)} ${'bytes used'.padStart(12)} ${'per file'.padStart(10)} ${'x data'.padStart(8)}`);
  for (const target of ['vroot', 'memfs', '@zenfs/core', 'node fs (tmpfs)']) {
    const r = spawnSync(process.execPath, ['--expose-gc', script, target, String(files)], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`${target.padEnd(18)} failed: ${r.stderr.trim().split('\n').pop()}`);
      continue;
    }
    const m = JSON.parse(r.stdout) as { bytes: number; note?: string };
    const note = m.note === undefined ? '' : `  (${m.note})`;
    console.log(`${target.padEnd(18)} ${fmt(m.bytes).padStart(12)} ${fmt(m.bytes / files).padStart(10)} ${(m.bytes / (files * 4096)).toFixed(2).padStart(8)}${note}`);
  }
}

/** The suite contract of bench/run.ts. */
export async function run({ quick }: { quick: boolean }): Promise<void> {
  const s = { ...SIZES };
  if (quick) {
    for (const k of ['statDeep', 'statMiss', 'symlinkWalks'] as const) s[k] /= 10;
    s.readdirRounds = 2;
    s.readRounds = 1;
  }
  const results = new Map<string, Record<Workload, Result>>();
  for (const make of [vrootTarget, memfsTarget, zenfsTarget, nodeTarget]) {
    const t = await make();
    try {
      results.set(t.name, runTarget(t, s));
    } finally {
      t.dispose();
    }
  }
  const names = [...results.keys()];
  const peers = names.filter((n) => n !== 'vroot');
  const vroot = results.get('vroot')!;
  console.log(`ops per CPU second through the node:fs API (${quick ? 'quick' : 'full'} sizes; best of 3 runs after a ` +
    `warm-up; a run stops after ${BUDGET_MS / 1000} CPU s)`);
  console.log(['workload'.padEnd(18), ...names.map((n) => n.padStart(16)), ...peers.map((p) => `vroot/${p.split(' ')[0]}`.padStart(14))].join(' '));
  for (const w of WORKLOADS) {
    const cells = names.map((n) => fmt(rate(results.get(n)![w])).padStart(16));
    const ratios = peers.map((p) => `${(rate(vroot[w]) / rate(results.get(p)![w])).toFixed(2)}x`.padStart(14));
    console.log([w.padEnd(18), ...cells, ...ratios].join(' '));
  }
  memoryTable(quick);
}
