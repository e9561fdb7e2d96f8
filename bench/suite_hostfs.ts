// Node-specific benchmark: a host directory through vroot's HostFs, against Node's own fs on the
// same directory (the kernel directly: the floor), ZenFS's Passthrough backend and unionfs over
// node:fs (path-string pass-through: neither confines nor revalidates). Prints operations per
// second and each peer's rate relative to HostFs.
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureSingle, fs as zenfs, Passthrough } from '@zenfs/core';
import { Union } from 'unionfs';
import { AT_FDCWD, O_CREAT, O_DIRECTORY, O_RDONLY, O_WRONLY, VirtualFileSystem } from '../src/mod.js';
import { HostFs } from '../src/node/mod.js';

/** The operations every contender performs, on paths relative to the served directory. */
interface Contender {
  name: string;
  stat(path: string): void;
  readFile(path: string, buf: Uint8Array): number;
  createWriteUnlink(path: string, data: Uint8Array): void;
  listDir(path: string): number;
}

function nodeLike(name: string, fs: typeof nodeFs, prefix: string): Contender {
  return {
    name,
    stat: (p) => { fs.statSync(prefix + p); },
    readFile: (p, buf) => {
      const fd = fs.openSync(prefix + p, 'r');
      try {
        return fs.readSync(fd, buf, 0, buf.length, 0);
      } finally {
        fs.closeSync(fd);
      }
    },
    createWriteUnlink: (p, data) => {
      const fd = fs.openSync(prefix + p, 'w', 0o644);
      fs.writeSync(fd, data);
      fs.closeSync(fd);
      fs.unlinkSync(prefix + p);
    },
    listDir: (p) => fs.readdirSync(prefix + p).length,
  };
}

function vroot(dir: string): Contender {
  const vfs = new VirtualFileSystem();
  vfs.mount(new HostFs(dir), '/');
  const p = vfs.createProcess();
  return {
    name: 'vroot HostFs',
    stat: (path) => { p.fstatat(AT_FDCWD, path); },
    readFile: (path, buf) => {
      const fd = p.openat(AT_FDCWD, path, O_RDONLY);
      try {
        return p.read(fd, buf);
      } finally {
        p.close(fd);
      }
    },
    createWriteUnlink: (path, data) => {
      const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
      p.write(fd, data);
      p.close(fd);
      p.unlinkat(AT_FDCWD, path);
    },
    listDir: (path) => {
      const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
      let n = 0;
      try {
        for (let e = p.getdents64(fd); e.length > 0; e = p.getdents64(fd)) n += e.length;
      } finally {
        p.close(fd);
      }
      return n - 2;
    },
  };
}

/** Operations per second of `fn` over at least `ms` milliseconds. */
function rate(fn: (i: number) => void, ms: number): number {
  for (let i = 0; i < 50; i++) fn(i);
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 50; k++) fn(n++);
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** Runs the suite (see bench/run.ts). */
export async function run(options: { quick: boolean }): Promise<void> {
  // HOSTFS_BENCH_DIR picks the host filesystem (default: the system temporary directory).
  const dir = mkdtempSync(join(process.env.HOSTFS_BENCH_DIR ?? tmpdir(), 'vroot-bench-hostfs-'));
  console.log(`host directory: ${dir}`);
  try {
    nodeFs.mkdirSync(join(dir, 'a/b/c'), { recursive: true });
    nodeFs.writeFileSync(join(dir, 'a/b/c/file'), Buffer.alloc(4096, 120));
    nodeFs.mkdirSync(join(dir, 'big'));
    for (let i = 0; i < 1000; i++) nodeFs.writeFileSync(join(dir, `big/entry-${i}`), '');
    await configureSingle({ backend: Passthrough, fs: nodeFs, prefix: dir });
    const contenders: Contender[] = [
      vroot(dir),
      nodeLike('node:fs (kernel)', nodeFs, dir),
      nodeLike('@zenfs/core Passthrough', zenfs as unknown as typeof nodeFs, ''),
      nodeLike('unionfs over node:fs', new Union().use(nodeFs) as unknown as typeof nodeFs, dir),
    ];
    const ms = options.quick ? 50 : 300;
    const buf = new Uint8Array(4096);
    const data = new Uint8Array(512).fill(65);
    const workloads: [string, (c: Contender) => (i: number) => void][] = [
      ['stat /a/b/c/file', (c) => () => c.stat('/a/b/c/file')],
      ['open+read 4 KiB+close', (c) => () => { c.readFile('/a/b/c/file', buf); }],
      ['create+write+close+unlink', (c) => (i) => c.createWriteUnlink(`/a/new-${i & 7}`, data)],
      ['list 1000 entries', (c) => () => { c.listDir('/big'); }],
    ];
    const rows: string[][] = [['workload', ...contenders.map((c) => c.name)]];
    for (const [label, make] of workloads) {
      // Best of three passes, contenders interleaved, so machine noise hits all alike.
      const rates = contenders.map(() => 0);
      for (let pass = 0; pass < 3; pass++) {
        contenders.forEach((c, i) => { rates[i] = Math.max(rates[i]!, rate(make(c), ms)); });
      }
      const base = rates[0]!;
      rows.push([label, ...rates.map((r, i) => i === 0 ? `${fmt(r)}/s` : `${fmt(r)}/s (${(r / base).toFixed(2)}x)`)]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
    console.log('(x) = peer operations per second / HostFs operations per second: above 1, the peer is faster.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)}M` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k` : r.toFixed(0);
}
