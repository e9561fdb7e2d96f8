/**
 * procfs: the cost of the magic links and tables, against the kernel's own procfs read through
 * Node's fs (the peer: what a program pays on Linux). Readlink of /proc/self/fd/N, reopening
 * through it, readlink of a plain tmpfs symlink (vroot's baseline), and reading mountinfo.
 */
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { AT_FDCWD, O_CREAT, O_RDONLY, O_WRONLY, ProcFs, Tmpfs, VirtualFileSystem } from '../src/mod.js';

function time(fn: () => void, rounds: number): number {
  for (let i = 0; i < 5; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / rounds;
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const n = quick ? 50 : 200;
  const rounds = quick ? 5 : 20;
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  p.mkdirat(AT_FDCWD, '/proc', 0o555);
  p.mkdirat(AT_FDCWD, '/d', 0o755);
  vfs.mount(new ProcFs(), '/proc');
  for (let i = 0; i < 20; i++) {
    p.mkdirat(AT_FDCWD, `/d/m${i}`, 0o755);
    p.mount(new Tmpfs(), `/d/m${i}`);
  }
  const fds: number[] = [];
  for (let i = 0; i < n; i++) {
    p.close(p.openat(AT_FDCWD, `/d/f${i}`, O_CREAT | O_WRONLY, 0o644));
    p.symlinkat(`f${i}`, AT_FDCWD, `/d/l${i}`);
    fds.push(p.openat(AT_FDCWD, `/d/f${i}`, O_RDONLY));
  }
  const hostFds = fds.map(() => openSync('/proc/self/status', 'r'));

  const rows: [string, number, number][] = [];
  const vLinks = fds.map((fd) => `/proc/self/fd/${fd}`);
  const hLinks = hostFds.map((fd) => `/proc/self/fd/${fd}`);
  const vSym = fds.map((_, i) => `/d/l${i}`);
  rows.push(['readlink /proc/self/fd/N',
    time(() => { for (const x of vLinks) p.readlinkat(AT_FDCWD, x); }, rounds),
    time(() => { for (const x of hLinks) readlinkSync(x); }, rounds)]);
  rows.push(['readlink of a tmpfs symlink (vroot baseline)',
    time(() => { for (const x of vSym) p.readlinkat(AT_FDCWD, x); }, rounds),
    time(() => { for (const x of hLinks) readlinkSync(x); }, rounds)]);
  rows.push(['open+close through /proc/self/fd/N',
    time(() => { for (const x of vLinks) p.close(p.openat(AT_FDCWD, x, O_RDONLY)); }, rounds),
    time(() => { for (const x of hLinks) closeSync(openSync(x, 'r')); }, rounds)]);
  rows.push(['read /proc/self/mountinfo (x n)',
    time(() => {
      const buf = new Uint8Array(65536);
      for (let i = 0; i < n; i++) {
        const fd = p.openat(AT_FDCWD, '/proc/self/mountinfo', O_RDONLY);
        while (p.read(fd, buf) > 0);
        p.close(fd);
      }
    }, rounds),
    time(() => { for (let i = 0; i < n; i++) readFileSync('/proc/self/mountinfo'); }, rounds)]);
  for (const fd of hostFds) closeSync(fd);

  console.log(`${n} descriptors, 21 mounts in vroot (ms per pass; ratio vroot / Linux procfs through node:fs)`);
  console.log(`  ${'operation'.padEnd(46)} ${'vroot'.padStart(8)} ${'Linux'.padStart(8)}  ratio`);
  for (const [label, v, k] of rows) {
    console.log(`  ${label.padEnd(46)} ${v.toFixed(3).padStart(8)} ${k.toFixed(3).padStart(8)}  x${(v / k).toFixed(2)}`);
  }
}
