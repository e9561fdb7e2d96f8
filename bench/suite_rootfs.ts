// This module is Node-specific.
/**
 * The merged RootFS: lookups, reads and merged listings of a guest RootFS over a host root (both
 * host directories on /dev/shm), through vroot's preset against two ways emulators do it today:
 * FEX-Emu-style path redirection (every component looked up in the RootFS directory, then on the
 * host, symlinks followed by hand, with Node's fs) and the kernel's merged RootFS (an overlay
 * mount of the RootFS over the host root with bind-mounted bypass directories, through Node's fs,
 * measured in a private mount namespace when running as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostMergedRootfs, type HostMergedRootfs } from '../src/node/mod.js';
import { fmt, measure, nodeFsOp, printTable, processOp } from './_workloads.js';

const FOUR_K = 'x'.repeat(4096);

/** The RootFS and host trees: files by path, symlinks as `{ link }`. */
function trees(): { rootfs: Record<string, string | { link: string }>; host: Record<string, string | { link: string }> } {
  const rootfs: Record<string, string | { link: string }> = {
    '/usr/lib/x86_64-linux-gnu/libc.so.6': FOUR_K,
    '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': FOUR_K,
    '/usr/lib64': { link: '/usr/lib/x86_64-linux-gnu' },
    '/lib64': { link: 'usr/lib64' },
  };
  const host: Record<string, string | { link: string }> = { '/usr/share/host/readme': 'host', '/tmp/scratch': 'tmp' };
  for (let i = 0; i < 100; i++) rootfs[`/usr/share/doc/rootfs${i}`] = `r${i}`;
  for (let i = 0; i < 100; i++) host[`/usr/share/doc/host${i}`] = `h${i}`;
  for (const d of ['proc', 'sys', 'dev', 'run', 'home/user']) host[`/${d}/.keep`] = '';
  return { rootfs, host };
}

const WORKLOADS = [
  { name: 'stat RootFS file', path: '/usr/lib/x86_64-linux-gnu/libc.so.6', kind: 'stat' },
  { name: 'stat through 2 abs. symlinks', path: '/lib64/ld-linux-x86-64.so.2', kind: 'stat' },
  { name: 'stat host-only file', path: '/usr/share/host/readme', kind: 'stat' },
  { name: 'stat missing name', path: '/usr/lib/x86_64-linux-gnu/missing.so', kind: 'missing' },
  { name: 'stat in a bypass dir (/tmp)', path: '/tmp/scratch', kind: 'stat' },
  { name: 'open+read 4 KiB+close, RootFS', path: '/usr/lib/x86_64-linux-gnu/libc.so.6', kind: 'read' },
  { name: 'readdir merged dir (100+100)', path: '/usr/share/doc', kind: 'readdir' },
] as const;
type Workload = (typeof WORKLOADS)[number];
type Impl = (w: Workload) => () => void;

function build(base: string): { rootfs: string; host: string } {
  const t = trees();
  const out = { rootfs: join(base, 'rootfs'), host: join(base, 'host') };
  for (const [side, files] of [[out.rootfs, t.rootfs], [out.host, t.host]] as const) {
    for (const [path, v] of Object.entries(files)) {
      const full = join(side, path);
      nodeFs.mkdirSync(dirname(full), { recursive: true });
      if (typeof v === 'string') nodeFs.writeFileSync(full, v);
      else nodeFs.symlinkSync(v.link, full);
    }
  }
  return out;
}

function vroot(dirs: { rootfs: string; host: string }, revalidate: boolean): { impl: Impl; r: HostMergedRootfs } {
  const r = hostMergedRootfs({ rootfs: dirs.rootfs, host: dirs.host, home: '/home/user', revalidate });
  return { impl: (w) => processOp(r.process, w.kind, w.path), r };
}

const BYPASS = ['/proc', '/sys', '/dev', '/run', '/tmp', '/home/user'];

/**
 * FEX-Emu-style redirection: the guest path is resolved component by component, each looked up
 * in the RootFS directory and then on the host (bypass prefixes on the host only), symlinks
 * followed by hand from the guest root. Returns the host path of the object.
 */
function redirect(dirs: { rootfs: string; host: string }, path: string): string {
  let rest = path.split('/').filter((c) => c !== '');
  const at: string[] = [];
  let where = dirs.host;
  for (let links = 0; rest.length > 0;) {
    const name = rest.shift()!;
    if (name === '.') continue;
    if (name === '..') { at.pop(); continue; }
    const guest = '/' + [...at, name].join('/');
    const bypassed = BYPASS.some((b) => guest === b || guest.startsWith(b + '/'));
    let st: nodeFs.Stats | undefined;
    if (!bypassed) {
      st = nodeFs.lstatSync(dirs.rootfs + guest, { throwIfNoEntry: false });
      where = dirs.rootfs;
    }
    if (st === undefined) {
      st = nodeFs.lstatSync(dirs.host + guest, { throwIfNoEntry: false });
      where = dirs.host;
    }
    if (st === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    if (st.isSymbolicLink()) {
      if (++links > 40) throw Object.assign(new Error('ELOOP'), { code: 'ELOOP' });
      const target = nodeFs.readlinkSync(where + guest);
      const parts = target.split('/').filter((c) => c !== '');
      if (target.startsWith('/')) at.length = 0;
      rest = [...parts, ...rest];
      continue;
    }
    at.push(name);
  }
  return where + '/' + at.join('/');
}

function redirection(dirs: { rootfs: string; host: string }): Impl {
  const buf = Buffer.alloc(4096);
  return (w) => {
    switch (w.kind) {
      case 'stat': return () => { nodeFs.statSync(redirect(dirs, w.path)); };
      case 'missing': return () => { try { nodeFs.statSync(redirect(dirs, w.path)); } catch { /* expected */ } };
      case 'read': return () => { const fd = nodeFs.openSync(redirect(dirs, w.path), 'r'); nodeFs.readSync(fd, buf, 0, 4096, 0); nodeFs.closeSync(fd); };
      // The union of both sides (FEX's redirection listed the RootFS side only).
      case 'readdir': return () => {
        const names = new Set(nodeFs.readdirSync(dirs.rootfs + w.path));
        for (const n of nodeFs.readdirSync(dirs.host + w.path)) names.add(n);
      };
    }
  };
}

/** The kernel side, in a private mount namespace: overlay + bind mounts, measured through Node's fs. */
function kernelSide(ms: number): void {
  const base = nodeFs.mkdtempSync('/dev/shm/vroot-rootfs-bench-k-');
  try {
    const dirs = build(base);
    const merged = join(base, 'merged');
    for (const d of ['upper', 'work', 'merged']) nodeFs.mkdirSync(join(base, d));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o',
      `lowerdir=${dirs.rootfs}:${dirs.host},upperdir=${join(base, 'upper')},workdir=${join(base, 'work')}`, merged]);
    for (const b of BYPASS) execFileSync('mount', ['--bind', dirs.host + b, merged + b]);
    const out: Record<string, number> = {};
    try {
      for (const w of WORKLOADS) out[w.name] = measure(nodeFsOp(w.kind, merged + w.path), ms);
    } finally {
      execFileSync('umount', ['-R', merged]);
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    nodeFs.rmSync(base, { recursive: true, force: true });
  }
}

function kernel(ms: number): Record<string, number> | string {
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, fileURLToPath(import.meta.url), KERNEL_SIDE, String(ms)],
    { encoding: 'utf8' });
  if (r.status !== 0) return `failed: ${r.stderr || r.error?.message || r.status}`;
  return JSON.parse(r.stdout) as Record<string, number>;
}

/** The suite entry point (see bench/run.ts). */
export async function run(options: { quick: boolean }): Promise<void> {
  const ms = options.quick ? 150 : 700;
  const base = nodeFs.mkdtempSync('/dev/shm/vroot-rootfs-bench-');
  const dirs = build(base);
  const v = vroot(dirs, true);
  const still = vroot(dirs, false);
  try {
    const red = redirection(dirs);
    const k = kernel(ms);
    const rows: string[][] = [];
    for (const w of WORKLOADS) {
      const ours = measure(v.impl(w), ms);
      const fixed = measure(still.impl(w), ms);
      const theirs = measure(red(w), ms);
      const row = [w.name, fmt(ours), fmt(fixed), fmt(theirs), `${(ours / theirs).toFixed(2)}x`];
      if (typeof k === 'string') row.push('-', '-');
      else row.push(fmt(k[w.name]!), `${(ours / k[w.name]!).toFixed(2)}x`);
      rows.push(row);
    }
    const header = ['ops/s (RootFS over host)', 'vroot', 'vroot static', 'redirection', 'vs redirection', 'kernel (Node fs)', 'vs kernel'];
    printTable(header, rows);
    if (typeof k === 'string') console.log(`kernel merged RootFS not measured: ${k}`);
    console.log('"vroot" sees changes to the RootFS and the host at once (every lookup revalidates); "vroot static" assumes they do not change.');
    console.log('"redirection": FEX-Emu-style per-component lookups in the RootFS, then the host, with Node\'s fs.');
  } finally {
    v.r.close();
    still.r.close();
    nodeFs.rmSync(base, { recursive: true, force: true });
  }
}

const KERNEL_SIDE = '--kernel-rootfs-side';
if (process.argv[2] === KERNEL_SIDE) kernelSide(Number(process.argv[3] ?? 500));
