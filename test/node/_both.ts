// Node-specific: runs one scenario on the vroot facade and on Node's fs in a scratch directory
// of the kernel tmpfs (/dev/shm), with the scratch prefix stripped from the results.
import * as nodeFs from 'node:fs';
import { Tmpfs, VirtualFileSystem } from '../../src/mod.js';
import { createFs, type VrootFs } from '../../src/node/mod.js';

/** A scenario: gets an fs and the directory to work in, returns what to compare. */
export type Scenario = (fs: typeof nodeFs, root: string) => unknown | Promise<unknown>;

/** A fresh vroot facade (root process, a tmpfs at /) and the directory it works in. */
export function vrootFs(): { fs: VrootFs; vfs: VirtualFileSystem } {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const fs = createFs(vfs.createProcess());
  return { fs, vfs };
}

function strip(v: unknown, prefix: string): unknown {
  if (typeof v === 'string') return v.split(prefix).join('<root>');
  if (Array.isArray(v)) return v.map((x) => strip(x, prefix));
  if (v instanceof Error) {
    const e = v as Error & Record<string, unknown>;
    return { code: e.code, errno: e.errno, syscall: e.syscall, path: strip(e.path, prefix), dest: strip(e.dest, prefix), message: strip(e.message, prefix) };
  }
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = strip(x, prefix);
    return out;
  }
  return v;
}

/** Runs `scenario` on both sides; returns [vroot's result, Node's result], prefixes stripped. */
export async function both(scenario: Scenario): Promise<[unknown, unknown]> {
  const { fs } = vrootFs();
  fs.mkdirSync('/scratch');
  const mine = strip(await capture(() => scenario(fs as unknown as typeof nodeFs, '/scratch')), '/scratch');
  const dir = nodeFs.mkdtempSync('/dev/shm/vroot-facade-');
  try {
    const real = strip(await capture(() => scenario(nodeFs, dir)), dir);
    return [mine, real];
  } finally {
    nodeFs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The scenario's result, or the error it threw. */
async function capture(fn: () => unknown): Promise<unknown> {
  try {
    return await fn();
  } catch (e) {
    return e;
  }
}

/** What a call throws (its code), or 'OK'. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
  return 'OK';
}
