// This module is Node-specific.
/**
 * What the lookup benchmarks share: the timing loop, the four operations (stat, stat of a missing
 * name, open+read 4 KiB+close, a whole listing) through a vroot process or through Node's fs, and
 * the table they print.
 */
import * as nodeFs from 'node:fs';
import { AT_FDCWD, O_DIRECTORY, O_RDONLY, type Process } from '../src/mod.js';

/** The operations measured. */
export type OpKind = 'stat' | 'missing' | 'read' | 'readdir';

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export function measure(fn: () => void, ms: number): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** An operation on `path` through a vroot process. */
export function processOp(p: Process, kind: OpKind, path: string): () => void {
  const buf = new Uint8Array(4096);
  switch (kind) {
    case 'stat': return () => { p.fstatat(AT_FDCWD, path); };
    case 'missing': return () => { try { p.fstatat(AT_FDCWD, path); } catch { /* expected */ } };
    case 'read': return () => { const fd = p.openat(AT_FDCWD, path, O_RDONLY); p.pread(fd, buf, 0); p.close(fd); };
    case 'readdir': return () => {
      const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
      while (p.getdents64(fd).length > 0) { /* drain */ }
      p.close(fd);
    };
  }
}

/** An operation on the host `path` through Node's fs. */
export function nodeFsOp(kind: OpKind, path: string): () => void {
  const buf = Buffer.alloc(4096);
  switch (kind) {
    case 'stat': return () => { nodeFs.statSync(path); };
    case 'missing': return () => { try { nodeFs.statSync(path); } catch { /* expected */ } };
    case 'read': return () => { const fd = nodeFs.openSync(path, 'r'); nodeFs.readSync(fd, buf, 0, 4096, 0); nodeFs.closeSync(fd); };
    case 'readdir': return () => { nodeFs.readdirSync(path); };
  }
}

/** Operations per second, short (1.23M, 45.6k, 789). */
export function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

/** Prints a table: the first column left-aligned, the others right-aligned. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
