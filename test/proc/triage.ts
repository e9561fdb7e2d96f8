/**
 * Triage tool (not a test): runs generated procfs cases without shrinking and groups
 * divergences from the kernel by operation and answer, printing the smallest example of each.
 * Usage: node dist/test/proc/triage.js [runs] [seed]
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { KernelOracle, kernelSysctls } from '../oracle/kernel.js';
import type { Op, OpResult } from '../oracle/ops.js';
import { procCaseArb } from './_proc_gen.js';
import { runProcCaseOnVroot } from './_vroot_proc.js';

const runs = Number(process.argv[2] ?? 300);
const seed = Number(process.argv[3] ?? 1);
const oracle = new KernelOracle(fileURLToPath(new URL('../../../test/proc/proc_oracle.py', import.meta.url)));
const groups = new Map<string, { count: number; example: string; len: number }>();
for (const ops of fc.sample(procCaseArb, { numRuns: runs, seed })) {
  const k = await oracle.run(ops as Op[]);
  let v: OpResult[];
  try {
    v = runProcCaseOnVroot(ops, kernelSysctls());
  } catch (e) {
    const key = `CRASH ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`;
    const g = groups.get(key) ?? { count: 0, example: JSON.stringify(ops), len: 1e9 };
    g.count++;
    groups.set(key, g);
    continue;
  }
  for (let i = 0; i < ops.length; i++) {
    const ks = JSON.stringify(k[i]);
    const vs = JSON.stringify(v[i]);
    if (ks === vs) continue;
    const op = ops[i]!;
    const kind = k[i]![0] === 'ok' && v[i]![0] === 'ok' ? 'value' : `${k[i]![0] === 'err' ? k[i]![1] : 'ok'} vs ${v[i]![0] === 'err' ? v[i]![1] : 'ok'}`;
    const key = `${op[0]}: kernel ${kind}`;
    const g = groups.get(key) ?? { count: 0, example: '', len: 1e9 };
    g.count++;
    if (i < g.len) {
      g.len = i;
      g.example = ops.slice(0, i + 1).map((o) => JSON.stringify(o)).join('\n    ') + `\n  kernel: ${ks}\n  vroot:  ${vs}`;
    }
    groups.set(key, g);
    break;
  }
}
oracle.close();
console.log(`${runs} cases, ${groups.size} divergence groups`);
for (const [key, g] of [...groups].sort((a, b) => b[1].count - a[1].count)) console.log(`\n== ${key} (${g.count})\n    ${g.example}`);
