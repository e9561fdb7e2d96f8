// Node-specific: the filesystems the core benchmarks compare, each behind a node:fs-shaped API.
import * as nodeFs from 'node:fs';
import { createRequire } from 'node:module';
import { Tmpfs, VirtualFileSystem } from '../src/mod.js';
import { createFs } from '../src/node/mod.js';

/** The sync calls the workloads use. */
export interface BenchFs {
  mkdirSync(path: string, options?: { recursive?: boolean }): unknown;
  writeFileSync(path: string, data: Uint8Array): void;
  readFileSync(path: string): Uint8Array;
  statSync(path: string, options?: { throwIfNoEntry?: boolean }): unknown;
  readdirSync(path: string): unknown[];
  symlinkSync(target: string, path: string): void;
  unlinkSync(path: string): void;
  rmdirSync(path: string): void;
}

/** One filesystem under test, with the directory the workloads run in. */
export interface Target {
  name: string;
  fs: BenchFs;
  root: string;
  /** Removes what the workloads made (Node's fs only: the others are garbage). */
  dispose(): void;
}

const require = createRequire(import.meta.url);

/** The same absolute layout everywhere, so every walk crosses as many components. */
const ROOT = '/dev/shm/vroot-bench';

/** vroot: a tmpfs through the fs facade. */
export function vrootTarget(): Target {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const fs = createFs(vfs.createProcess());
  fs.mkdirSync(ROOT, { recursive: true });
  return { name: 'vroot', fs: fs as unknown as BenchFs, root: ROOT, dispose() {} };
}

/** memfs: a Volume through its fs API. */
export function memfsTarget(): Target {
  const memfs = require('memfs') as { Volume: new () => object; createFsFromVolume(v: object): BenchFs };
  const fs = memfs.createFsFromVolume(new memfs.Volume());
  fs.mkdirSync(ROOT, { recursive: true });
  return { name: 'memfs', fs, root: ROOT, dispose() {} };
}

/** @zenfs/core with its InMemory backend (a process-wide singleton, configured afresh). */
export async function zenfsTarget(): Promise<Target> {
  const zen = await import('@zenfs/core') as unknown as {
    configureSingle(c: { backend: unknown }): Promise<void>; fs: BenchFs; InMemory: unknown;
  };
  await zen.configureSingle({ backend: zen.InMemory });
  zen.fs.mkdirSync(ROOT, { recursive: true });
  return { name: '@zenfs/core', fs: zen.fs, root: ROOT, dispose() {} };
}

/** Node's own fs on the kernel's tmpfs (/dev/shm). */
export function nodeTarget(): Target {
  const root = nodeFs.mkdtempSync('/dev/shm/vroot-bench-');
  return {
    name: 'node fs (tmpfs)',
    fs: nodeFs as unknown as BenchFs,
    root,
    dispose() {
      nodeFs.rmSync(root, { recursive: true, force: true });
    },
  };
}
