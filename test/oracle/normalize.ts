/**
 * Normalization of differential results that both sides need: readdir order is unspecified
 * (and Linux tmpfs changed it: creation order in 6.6-6.13, newest first since), so a listing is
 * compared as a set, and only the first listing of an open directory is compared: whether
 * entries created after it show up in a later call on the same descriptor differs with the
 * order (POSIX leaves it open).
 */
import type { Op, OpResult } from './ops.js';

export function normalizeResults(ops: Op[], results: OpResult[]): OpResult[] {
  const listed = new Set<number>();
  return results.map((r, i): OpResult => {
    const op = ops[i]!;
    switch (op[0]) {
      case 'open':
      case 'openat2':
      case 'dup':
        if (r[0] === 'ok' && typeof r[1] === 'number') {
          listed.delete(r[1]);
          if (op[0] === 'dup' && listed.has(op[1])) listed.add(r[1]);
        }
        return r;
      case 'dup3':
        if (r[0] === 'ok') {
          listed.delete(op[2]);
          if (listed.has(op[1])) listed.add(op[2]);
        }
        return r;
      case 'close':
      case 'lseek':
        listed.delete(op[1]);
        return r;
      case 'getdents': {
        if (r[0] !== 'ok' || !Array.isArray(r[1])) return r;
        if (listed.has(op[1])) return ['ok', 'a later listing of the same descriptor'];
        listed.add(op[1]);
        return ['ok', [...(r[1] as [string, number][])].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))];
      }
      default:
        return r;
    }
  });
}

/** The first operation whose two results differ, described for a failure message; null when none. */
export function firstDifference(ops: readonly unknown[], kernel: OpResult[], vroot: OpResult[]): string | null {
  for (let i = 0; i < ops.length; i++) {
    const k = JSON.stringify(kernel[i]);
    const v = JSON.stringify(vroot[i]);
    if (k !== v) return `op #${i} ${JSON.stringify(ops[i])}\n  kernel: ${k}\n  vroot:  ${v}`;
  }
  return null;
}
