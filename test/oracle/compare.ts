/**
 * Comparing a case's results from the kernel and from vroot: readdir order is made irrelevant,
 * and the first difference is described for a failure message.
 */
import type { Op, OpResult } from './ops.js';

/** Readdir order is not specified by POSIX and differs between tmpfs versions: compare sets. */
export function normalizeResults(ops: Op[], results: OpResult[]): OpResult[] {
  return results.map((r, i) => {
    const op = ops[i]!;
    if (r[0] === 'ok' && op[0] === 'getdents' && Array.isArray(r[1])) {
      return ['ok', [...(r[1] as [string, number][])].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))];
    }
    return r;
  });
}

/** The first operation whose results differ, with both answers, or null. */
export function firstDifference(ops: Op[], kernel: OpResult[], vroot: OpResult[]): string | null {
  for (let i = 0; i < ops.length; i++) {
    const k = JSON.stringify(kernel[i]);
    const v = JSON.stringify(vroot[i]);
    if (k !== v) return `op #${i} ${JSON.stringify(ops[i])}\n  kernel: ${k}\n  vroot:  ${v}`;
  }
  return null;
}
