/**
 * WASI hosts compared on one file-heavy program (test/wasi/programs/fsbench.c: N files created,
 * each stat'ed ten times, the directory listed, every file read back and deleted) in one run:
 * vroot's WasiHost on tmpfs, Node's node:wasi on a kernel tmpfs (/dev/shm) and
 * @bjorn3/browser_wasi_shim in memory, with the native program on the same kernel tmpfs as a
 * reference. Each host runs the program once cold, then `runs` more times; the table shows the
 * median of the warm runs and the cold run. The program times itself (CLOCK_MONOTONIC), so
 * compiling and instantiating the module are not counted.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI as NodeWasi } from 'node:wasi';
import { ConsoleStdout, OpenFile, File as ShimFile, PreopenDirectory, WASI as ShimWasi } from '@bjorn3/browser_wasi_shim';
import { Tmpfs } from '../src/fs/tmpfs/tmpfs.js';
import { VirtualFileSystem } from '../src/vfs/virtual_filesystem.js';
import { CollectStream } from '../src/wasi/stdio.js';
import { Wasm, type WasmModule } from '../src/wasi/wasm_api.js';
import { WasiHost } from '../src/wasi/wasi_host.js';
import { buildNative, buildWasm, wasmToolchainProblem } from '../test/wasi/_toolchain.js';

const PHASES = ['create', 'stat', 'list', 'read', 'delete', 'total'] as const;
type Phase = (typeof PHASES)[number];
/** Operations per second of each phase of one run. */
type RunResult = Record<Phase, number>;

/** Parses fsbench's "phase NAME ops=N ns=T" and "total ops=N ns=T" lines. */
function parse(output: string): RunResult {
  const r = {} as RunResult;
  for (const m of output.matchAll(/^(?:phase )?(\w+) ops=(\d+) ns=(\d+)/gm)) {
    r[m[1] as Phase] = (Number(m[2]) / Number(m[3])) * 1e9;
  }
  for (const p of PHASES) if (!(p in r)) throw new Error(`fsbench printed no ${p} line:\n${output}`);
  return r;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** A kernel tmpfs directory for the native run and node:wasi (/dev/shm where it exists). */
function kernelScratch(): { dir: string; where: string } {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return { dir: mkdtempSync(join(base, 'vroot-bench-')), where: base === '/dev/shm' ? 'kernel tmpfs' : `${base} (no /dev/shm)` };
}

async function runVroot(module: WasmModule, args: string[]): Promise<string> {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const out = new CollectStream();
  const host = new WasiHost({ process: vfs.createProcess(), args: ['fsbench', ...args], preopens: { '/': '/' }, stdout: out });
  const status = host.start(await Wasm.instantiate(module, host.getImportObject()));
  host.close();
  if (status !== 0) throw new Error(`fsbench under vroot exited ${status}: ${out.text()}`);
  return out.text();
}

async function runNodeWasi(module: WasmModule, args: string[]): Promise<string> {
  const { dir } = kernelScratch();
  const outPath = `${dir}.out`;
  const fd = openSync(outPath, 'w');
  try {
    const wasi = new NodeWasi({ version: 'preview1', args: ['fsbench', ...args], preopens: { '/': dir }, stdout: fd, returnOnExit: true });
    const instance = await Wasm.instantiate(module, wasi.getImportObject() as never);
    const status = wasi.start(instance as never);
    if (status !== 0) throw new Error(`fsbench under node:wasi exited ${status}`);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  const text = readFileSync(outPath, 'utf8');
  rmSync(outPath);
  return text;
}

async function runShim(module: WasmModule, args: string[]): Promise<string> {
  const chunks: Uint8Array[] = [];
  const stdout = new ConsoleStdout((b: Uint8Array) => { chunks.push(b.slice()); });
  const wasi = new ShimWasi(['fsbench', ...args], [], [new OpenFile(new ShimFile([])), stdout, stdout, new PreopenDirectory('/', new Map())], { debug: false });
  const instance = await Wasm.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport as never });
  const status = wasi.start(instance as never);
  if (status !== 0) throw new Error(`fsbench under browser_wasi_shim exited ${status}`);
  return Buffer.concat(chunks).toString('utf8');
}

function runNative(binary: string, args: string[]): string {
  const { dir } = kernelScratch();
  try {
    const r = spawnSync(binary, args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`native fsbench exited ${r.status}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(opsPerSec: number): string {
  return opsPerSec >= 1e6 ? `${(opsPerSec / 1e6).toFixed(2)}M` : `${(opsPerSec / 1e3).toFixed(0)}k`;
}

/** Runs the suite and prints its table. */
export async function run(options: { quick: boolean }): Promise<void> {
  const problem = wasmToolchainProblem();
  if (problem !== null) {
    console.log(`skipped: ${problem}`);
    return;
  }
  const files = options.quick ? 1000 : 5000;
  const warmRuns = options.quick ? 2 : 5;
  const args = [String(files), '10', 'bench'];
  const module = await Wasm.compile(readFileSync(buildWasm('fsbench')));
  const hosts: { name: string; run(): Promise<string> | string }[] = [
    { name: 'vroot WasiHost (tmpfs)', run: () => runVroot(module, args) },
    { name: `node:wasi (${kernelScratch().where})`, run: () => runNodeWasi(module, args) },
    { name: 'browser_wasi_shim (memory)', run: () => runShim(module, args) },
  ];
  let native: string | null = null;
  try {
    native = buildNative('fsbench');
  } catch {
    native = null;
  }
  if (native !== null) hosts.push({ name: `native (${kernelScratch().where})`, run: () => runNative(native!, args) });

  const rows: { name: string; cold: RunResult; warm: RunResult }[] = [];
  for (const host of hosts) {
    const cold = parse(await host.run());
    const warm: RunResult[] = [];
    for (let i = 0; i < warmRuns; i++) warm.push(parse(await host.run()));
    const med = {} as RunResult;
    for (const p of PHASES) med[p] = median(warm.map((r) => r[p]));
    rows.push({ name: host.name, cold, warm: med });
  }
  console.log(`fsbench: ${files} files, each stat'ed 10x, listed, read back, deleted; ${files * 18 + 1} operations per run`);
  console.log(`ops/s, median of ${warmRuns} warm runs (cold = the first run of each host)\n`);
  const head = ['host', 'total', 'cold', ...PHASES.slice(0, 5)];
  const table = rows.map((r) => [r.name, fmt(r.warm.total), fmt(r.cold.total), ...PHASES.slice(0, 5).map((p) => fmt(r.warm[p]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  for (const row of table) console.log(line(row));
  const vroot = rows[0]!;
  const nodeWasi = rows[1]!;
  const shim = rows[2]!;
  console.log('');
  console.log(`vroot / node:wasi          warm ${(vroot.warm.total / nodeWasi.warm.total).toFixed(2)}x   cold ${(vroot.cold.total / nodeWasi.cold.total).toFixed(2)}x   (target >= 1.5x)`);
  console.log(`vroot / browser_wasi_shim  warm ${(vroot.warm.total / shim.warm.total).toFixed(2)}x   cold ${(vroot.cold.total / shim.cold.total).toFixed(2)}x   (target >= 4x)`);
  if (rows[3] !== undefined) console.log(`vroot / native             warm ${(vroot.warm.total / rows[3].warm.total).toFixed(2)}x`);
}
