// This module is Node-specific.
/**
 * Lookups and reads through a 3-layer overlay (two read-only lowers and a writable top): vroot's
 * Overlay (with revalidation of changing layers, the default, and without) against unionfs over
 * memfs volumes, @zenfs/core's CopyOnWriteFS (two stacked for three layers) and the kernel's
 * overlayfs through Node's fs (measured in a private mount namespace when running as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Volume } from 'memfs';
import { Union } from 'unionfs';
import { fs as zfs, CopyOnWriteFS, InMemory, mount as zmount, umount as zumount } from '@zenfs/core';
import {
  AT_FDCWD, O_CREAT, O_WRONLY, Overlay, Tmpfs, VirtualFileSystem, VfsError, type Process,
} from '../src/mod.js';
import { fmt, measure, nodeFsOp, printTable, processOp } from './_workloads.js';

/** What each layer holds (paths from the layer root; directories are implied). */
const LAYERS: { bottom: Record<string, string>; middle: Record<string, string>; top: Record<string, string> } = {
  bottom: {},
  middle: {},
  top: {},
};
const FOUR_K = 'x'.repeat(4096);
LAYERS.bottom['/usr/lib/x86_64/libbottom.so'] = FOUR_K;
for (let i = 0; i < 100; i++) LAYERS.bottom[`/usr/share/doc/file${i}`] = `bottom ${i}`;
LAYERS.middle['/usr/lib/x86_64/libmiddle.so'] = FOUR_K;
for (let i = 50; i < 150; i++) LAYERS.middle[`/usr/share/doc/file${i}`] = `middle ${i}`;
LAYERS.top['/usr/lib/x86_64/libtop.so'] = FOUR_K;
LAYERS.top['/etc/hostname'] = 'top\n';

/** The operations measured, each over the merged view. */
const WORKLOADS = [
  { name: 'stat bottom-layer file', path: '/usr/lib/x86_64/libbottom.so', kind: 'stat' },
  { name: 'stat top-layer file', path: '/usr/lib/x86_64/libtop.so', kind: 'stat' },
  { name: 'stat missing name', path: '/usr/lib/x86_64/missing.so', kind: 'missing' },
  { name: 'open+read 4 KiB+close, bottom', path: '/usr/lib/x86_64/libbottom.so', kind: 'read' },
  { name: 'readdir merged dir (150)', path: '/usr/share/doc', kind: 'readdir' },
] as const;

/** A workload's operation for one implementation. */
type Workload = (typeof WORKLOADS)[number];

type Impl = (w: Workload) => () => void;

/**
 * The kernel side, run as its own process inside a private mount namespace: builds the layers
 * on a tmpfs, mounts overlayfs and measures the workloads through Node's fs; prints one JSON
 * object of operations per second by workload name.
 */
function kernelSide(ms: number): void {
  const base = nodeFs.mkdtempSync(join(tmpdir(), 'vroot-ovl-bench-'));
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', base]);
  try {
    const dirs: Record<string, string> = {};
    for (const d of ['bottom', 'middle', 'top', 'work', 'merged']) {
      dirs[d] = join(base, d);
      nodeFs.mkdirSync(dirs[d]!);
    }
    for (const layer of ['bottom', 'middle', 'top'] as const) {
      for (const [path, text] of Object.entries(LAYERS[layer])) {
        const full = join(dirs[layer]!, path);
        nodeFs.mkdirSync(dirname(full), { recursive: true });
        nodeFs.writeFileSync(full, text);
      }
    }
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o',
      `lowerdir=${dirs['middle']}:${dirs['bottom']},upperdir=${dirs['top']},workdir=${dirs['work']}`, dirs['merged']!]);
    const m = dirs['merged']!;
    const out: Record<string, number> = {};
    try {
      for (const w of WORKLOADS) out[w.name] = measure(nodeFsOp(w.kind, m + w.path), ms);
    } finally {
      execFileSync('umount', [m]);
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    execFileSync('umount', ['-l', base]);
    nodeFs.rmdirSync(base);
  }
}


function vrootLayer(files: Record<string, string>): Tmpfs {
  const t = new Tmpfs();
  const vfs = new VirtualFileSystem();
  vfs.mount(t, '/');
  const p = vfs.createProcess();
  for (const [path, text] of Object.entries(files)) {
    const parts = path.split('/').slice(1, -1);
    let dir = '';
    for (const part of parts) {
      dir += `/${part}`;
      try { p.mkdirat(AT_FDCWD, dir, 0o755); } catch (e) { if (!(e instanceof VfsError) || e.code !== 'EEXIST') throw e; }
    }
    const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
    p.write(fd, new TextEncoder().encode(text));
    p.close(fd);
  }
  return t;
}

function vroot(revalidate: boolean): Impl {
  const ov = new Overlay({ lowers: [vrootLayer(LAYERS.middle), vrootLayer(LAYERS.bottom)], upper: vrootLayer(LAYERS.top), revalidate });
  const vfs = new VirtualFileSystem();
  vfs.mount(ov, '/');
  const p: Process = vfs.createProcess();
  return (w) => processOp(p, w.kind, w.path);
}

function unionfs(): Impl {
  const u = new Union();
  // Later volumes take precedence.
  u.use(Volume.fromJSON(LAYERS.bottom) as never).use(Volume.fromJSON(LAYERS.middle) as never).use(Volume.fromJSON(LAYERS.top) as never);
  const buf = Buffer.alloc(4096);
  return (w) => {
    switch (w.kind) {
      case 'stat': return () => { u.statSync(w.path); };
      case 'missing': return () => { try { u.statSync(w.path); } catch { /* expected */ } };
      case 'read': return () => { const fd = u.openSync(w.path, 'r'); u.readSync(fd, buf, 0, 4096, 0); u.closeSync(fd); };
      case 'readdir': return () => { u.readdirSync(w.path); };
    }
  };
}

function zenfs(): Impl {
  const layer = (files: Record<string, string>): ReturnType<typeof InMemory.create> => {
    const fs = InMemory.create({});
    zmount('/fill', fs);
    for (const [path, text] of Object.entries(files)) {
      zfs.mkdirSync(`/fill${path.slice(0, path.lastIndexOf('/'))}`, { recursive: true });
      zfs.writeFileSync(`/fill${path}`, text);
    }
    zumount('/fill');
    return fs;
  };
  const lower = new CopyOnWriteFS(layer(LAYERS.bottom), layer(LAYERS.middle));
  const top = new CopyOnWriteFS(lower, layer(LAYERS.top));
  zmount('/ov', top);
  const buf = new Uint8Array(4096);
  return (w) => {
    const path = `/ov${w.path}`;
    switch (w.kind) {
      case 'stat': return () => { zfs.statSync(path); };
      case 'missing': return () => { try { zfs.statSync(path); } catch { /* expected */ } };
      case 'read': return () => { const fd = zfs.openSync(path, 'r'); zfs.readSync(fd, buf, 0, 4096, 0); zfs.closeSync(fd); };
      case 'readdir': return () => { zfs.readdirSync(path); };
    }
  };
}

/** The kernel's overlayfs through Node's fs, in a private mount namespace; null with a reason when unavailable. */
function kernel(ms: number): Record<string, number> | string {
  if (process.getuid?.() !== 0) return 'not root';
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, script, KERNEL_SIDE, String(ms)], { encoding: 'utf8' });
  if (r.status !== 0) return `failed: ${r.stderr || r.error?.message || r.status}`;
  return JSON.parse(r.stdout) as Record<string, number>;
}

/** The suite entry point (see bench/run.ts). */
export async function run(options: { quick: boolean }): Promise<void> {
  const ms = options.quick ? 150 : 700;
  const impls: [string, Impl][] = [
    ['vroot', vroot(true)],
    ['vroot static', vroot(false)],
    ['unionfs', unionfs()],
    ['ZenFS CoW×2', zenfs()],
  ];
  const k = kernel(ms);
  const rows: string[][] = [];
  for (const w of WORKLOADS) {
    const rates = impls.map(([, impl]) => measure(impl(w), ms));
    const ours = rates[0]!;
    const row = [w.name, ...rates.map(fmt)];
    row.push(`${(ours / rates[2]!).toFixed(1)}x`, `${(ours / rates[3]!).toFixed(1)}x`);
    if (typeof k === 'string') row.push('-', '-');
    else row.push(fmt(k[w.name]!), `${(ours / k[w.name]!).toFixed(2)}x`);
    rows.push(row);
  }
  const header = ['ops/s (3 layers)', ...impls.map(([n]) => n), 'vs unionfs', 'vs ZenFS', 'kernel (Node fs)', 'vs kernel'];
  printTable(header, rows);
  if (typeof k === 'string') console.log(`kernel overlayfs not measured: ${k}`);
  console.log('"vroot" revalidates every lookup against the layers (they may change underneath); "vroot static" assumes they do not, as the kernel does.');
}

const KERNEL_SIDE = '--kernel-overlay-side';
if (process.argv[2] === KERNEL_SIDE) kernelSide(Number(process.argv[3] ?? 500));
