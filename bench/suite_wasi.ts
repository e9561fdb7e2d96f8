/**
 * WASI hosts compared on one file-heavy program (test/wasi/programs/fsbench.c: N files created,
 * each stat'ed ten times, the directory listed, every file read back and deleted) in one run:
 * vroot's WasiHost on tmpfs, Node's node:wasi on a kernel tmpfs (/dev/shm) and
 * @bjorn3/browser_wasi_shim in memory, with the native program on the same kernel tmpfs as a
 * reference. Each host runs the program once cold, then `runs` more times; the table shows the
 * median of the warm runs and the cold run. The program times itself (CLOCK_MONOTONIC), so
 * compiling and instantiating the module are not counted.
 *
 * A second table times a real program: clang -cc1 and wasm-ld from @yowasp/clang compiling and
 * linking a small C program whose headers (2,300 files) live in the host's filesystem.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI as NodeWasi } from 'node:wasi';
import {
  ConsoleStdout, Directory as ShimDirectory, OpenFile, File as ShimFile, PreopenDirectory, WASI as ShimWasi, type Inode as ShimInode,
} from '@bjorn3/browser_wasi_shim';
import { AT_FDCWD } from '../src/abi/constants.js';
import { Tmpfs } from '../src/fs/tmpfs/tmpfs.js';
import type { Process } from '../src/vfs/process.js';
import { VirtualFileSystem } from '../src/vfs/virtual_filesystem.js';
import { CollectStream } from '../src/wasi/stdio.js';
import { Wasm, type WasmModule } from '../src/wasi/wasm_api.js';
import { WasiHost } from '../src/wasi/wasi_host.js';
import { writeFile } from '../test/wasi/_guest.js';
import { extractTar, readTar } from '../test/wasi/_tar.js';
import { REPO, buildNative, buildWasm, wasmToolchainProblem } from '../test/wasi/_toolchain.js';

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
  return { dir: mkdtempSync(join(base, 'vroot-bench-')), where: scratchWhere() };
}

/** What the kernel scratch directories are on, for the table (makes none). */
function scratchWhere(): string {
  return existsSync('/dev/shm') ? 'kernel tmpfs' : `${tmpdir()} (no /dev/shm)`;
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

/**
 * The module bytes with a custom section naming `tag` appended. V8 shares compiled code between
 * modules with identical bytes; distinct bytes give each host its own lazy compilation and
 * tier-up, so no host's cold run profits from another's.
 */
function distinct(bytes: Uint8Array, tag: string): Uint8Array {
  const name = new TextEncoder().encode(tag);
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  };
  const body = [...leb(name.length), ...name];
  return new Uint8Array([...bytes, 0, ...leb(body.length), ...body]);
}

async function compileEach(bytes: Uint8Array, count: number): Promise<WasmModule[]> {
  const out: WasmModule[] = [];
  for (let i = 0; i < count; i++) out.push(await Wasm.compile(distinct(bytes, `vroot-bench-host-${i}`)));
  return out;
}

function fmt(opsPerSec: number): string {
  return opsPerSec >= 1e6 ? `${(opsPerSec / 1e6).toFixed(2)}M` : `${(opsPerSec / 1e3).toFixed(0)}k`;
}

const CLANG = join(REPO, 'node_modules', '@yowasp', 'clang', 'gen');
const MAIN_C = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <math.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
int main(int argc, char **argv) { printf("%zu %f\\n", strlen(argv[0]), sqrt((double)argc)); return 0; }
`;

/** Runs one command of the multi-call llvm binary under a host; returns milliseconds. */
type ClangRunner = (args: string[]) => Promise<number>;

/** A vroot root with the toolchain's files at /usr, the source at /src and an empty /tmp. */
function clangRoot(resources: Uint8Array): Process {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  for (const d of ['/usr', '/src', '/tmp']) p.mkdirat(AT_FDCWD, d, 0o755);
  extractTar(p, resources, '/usr');
  writeFile(p, '/src/main.c', MAIN_C);
  return p;
}

/** clang -cc1 and wasm-ld argv (from the driver's -###), with fixed output paths. */
async function clangCommands(module: WasmModule, resources: Uint8Array): Promise<string[][]> {
  const p = clangRoot(resources);
  const out = new CollectStream();
  const host = new WasiHost({ process: p, args: ['yowasp-llvm', 'clang', '-###', '-O2', '/src/main.c', '-o', '/tmp/main.wasm'], preopens: { '/': '/' }, stdout: out, stderr: out });
  host.start(await Wasm.instantiate(module, host.getImportObject()));
  const lines = out.text().split('\n').filter((l) => l.startsWith(' "'));
  return lines.map((line) => {
    const args = [...line.matchAll(/ "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
    return (args[0] === '' ? args.slice(1) : args).map((a) => (/^\/tmp\/main-.*\.o$/.test(a) ? '/tmp/main.o' : a));
  });
}

function vrootClang(module: WasmModule, resources: Uint8Array): ClangRunner {
  const p = clangRoot(resources);
  return async (args) => {
    const host = new WasiHost({ process: p, args: ['yowasp-llvm', ...args], preopens: { '/': '/' } });
    const instance = await Wasm.instantiate(module, host.getImportObject());
    const t = performance.now();
    const status = host.start(instance);
    const ms = performance.now() - t;
    host.close();
    if (status !== 0) throw new Error(`${args[0]} exited ${status} under vroot`);
    return ms;
  };
}

function nodeWasiClang(module: WasmModule, resources: Uint8Array): { run: ClangRunner; dispose(): void } {
  const { dir } = kernelScratch();
  for (const e of readTar(resources)) {
    const path = join(dir, 'usr', e.name);
    if (e.type === '5') mkdirSync(path, { recursive: true });
    else if (e.type === '0') {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, e.data);
    }
  }
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'tmp'));
  writeFileSync(join(dir, 'src', 'main.c'), MAIN_C);
  return {
    run: async (args) => {
      const wasi = new NodeWasi({ version: 'preview1', args: ['yowasp-llvm', ...args], preopens: { '/': dir }, returnOnExit: true });
      const instance = await Wasm.instantiate(module, wasi.getImportObject() as never);
      const t = performance.now();
      const status = wasi.start(instance as never);
      const ms = performance.now() - t;
      if (status !== 0) throw new Error(`${args[0]} exited ${status} under node:wasi`);
      return ms;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function shimClang(module: WasmModule, resources: Uint8Array): ClangRunner {
  const usr = new Map<string, ShimInode>();
  for (const e of readTar(resources)) {
    const parts = e.name.split('/').filter((x) => x !== '');
    let dir = usr;
    for (const part of parts.slice(0, -1)) {
      let next = dir.get(part);
      if (next === undefined) dir.set(part, (next = new ShimDirectory(new Map())));
      dir = (next as ShimDirectory).contents;
    }
    const last = parts[parts.length - 1]!;
    if (e.type === '5' && !dir.has(last)) dir.set(last, new ShimDirectory(new Map()));
    else if (e.type === '0') dir.set(last, new ShimFile(e.data));
  }
  const root = new Map<string, ShimInode>([
    ['usr', new ShimDirectory(usr)],
    ['src', new ShimDirectory(new Map([['main.c', new ShimFile(new TextEncoder().encode(MAIN_C))]]))],
    ['tmp', new ShimDirectory(new Map())],
  ]);
  return async (args) => {
    const said: Uint8Array[] = [];
    const sink = new ConsoleStdout((b: Uint8Array) => { said.push(b.slice()); });
    const wasi = new ShimWasi(['yowasp-llvm', ...args], [], [new OpenFile(new ShimFile([])), sink, sink, new PreopenDirectory('/', root)], { debug: false });
    const instance = await Wasm.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport as never });
    const t = performance.now();
    const status = wasi.start(instance as never);
    const ms = performance.now() - t;
    if (status !== 0) throw new Error(`${args[0]} exited ${status}: ${Buffer.concat(said).toString('utf8').trim().split('\n')[0]}`);
    return ms;
  };
}

/** Times clang -cc1 + wasm-ld under each host: one cold run, then the median of the warm runs. */
async function clangTable(quick: boolean): Promise<void> {
  if (!existsSync(join(CLANG, 'llvm.core.wasm'))) {
    console.log('clang: skipped, @yowasp/clang is not installed');
    return;
  }
  const bytes = readFileSync(join(CLANG, 'llvm.core.wasm'));
  const resources = readFileSync(join(CLANG, 'llvm-resources.tar'));
  const [m0, m1, m2, m3] = (await compileEach(bytes, 4)) as [WasmModule, WasmModule, WasmModule, WasmModule];
  const commands = await clangCommands(m0, resources);
  const node = nodeWasiClang(m2, resources);
  const hosts: { name: string; run: ClangRunner }[] = [
    { name: 'vroot WasiHost (tmpfs)', run: vrootClang(m1, resources) },
    { name: `node:wasi (${scratchWhere()})`, run: node.run },
    { name: 'browser_wasi_shim (memory)', run: shimClang(m3, resources) },
  ];
  const warmRuns = quick ? 2 : 5;
  const rows = hosts.map((h) => ({ name: h.name, cold: NaN, times: [] as number[], warm: NaN, failure: undefined as string | undefined }));
  try {
    // Hosts take turns, so that background tier-up of the guest code favours none of them.
    for (let round = 0; round <= warmRuns; round++) {
      for (let i = 0; i < hosts.length; i++) {
        const row = rows[i]!;
        if (row.failure !== undefined) continue;
        try {
          let ms = 0;
          for (const c of commands) ms += await hosts[i]!.run(c);
          if (round === 0) row.cold = ms;
          else row.times.push(ms);
        } catch (e) {
          row.failure = e instanceof Error ? e.message : String(e);
        }
      }
    }
  } finally {
    node.dispose();
  }
  for (const r of rows) r.warm = median(r.times);
  console.log(`\nclang -cc1 -O2 + wasm-ld of a C file with 10 system headers (${commands.length} commands), ms (less is better)\n`);
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`${'host'.padEnd(width)}  ${'warm'.padStart(7)}  ${'cold'.padStart(7)}`);
  for (const r of rows) {
    if (r.failure !== undefined) console.log(`${r.name.padEnd(width)}  fails: ${r.failure}`);
    else console.log(`${r.name.padEnd(width)}  ${r.warm.toFixed(0).padStart(7)}  ${r.cold.toFixed(0).padStart(7)}`);
  }
  console.log('');
  for (const r of rows.slice(1)) {
    if (r.failure !== undefined || rows[0]!.failure !== undefined) continue;
    console.log(`${r.name} / vroot: warm ${(r.warm / rows[0]!.warm).toFixed(2)}x, cold ${(r.cold / rows[0]!.cold).toFixed(2)}x (time ratio: above 1 means vroot is faster)`);
  }
}

/** Runs the suite and prints its tables. */
export async function run(options: { quick: boolean }): Promise<void> {
  const problem = wasmToolchainProblem();
  if (problem !== null) {
    console.log(`skipped: ${problem}`);
    return;
  }
  const files = options.quick ? 1000 : 5000;
  const warmRuns = options.quick ? 2 : 5;
  const args = [String(files), '10', 'bench'];
  const bytes = readFileSync(buildWasm('fsbench'));
  const [m1, m2, m3] = (await compileEach(bytes, 3)) as [WasmModule, WasmModule, WasmModule];
  const hosts: { name: string; run(): Promise<string> | string }[] = [
    { name: 'vroot WasiHost (tmpfs)', run: () => runVroot(m1, args) },
    { name: `node:wasi (${scratchWhere()})`, run: () => runNodeWasi(m2, args) },
    { name: 'browser_wasi_shim (memory)', run: () => runShim(m3, args) },
  ];
  let native: string | null = null;
  try {
    native = buildNative('fsbench');
  } catch {
    native = null;
  }
  if (native !== null) hosts.push({ name: `native (${scratchWhere()})`, run: () => runNative(native!, args) });

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
  await clangTable(options.quick);
}
