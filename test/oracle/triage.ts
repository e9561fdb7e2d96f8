/**
 * Triage tool (not a test): runs generated cases without shrinking and groups divergences from
 * the kernel by operation and answer, printing the smallest example of each group.
 * Usage: node dist/test/oracle/triage.js [runs] [seed]
 */
import fc from 'fast-check';
import { KernelOracle, kernelSysctls } from './kernel.js';
import { caseArb } from './gen.js';
import { runOnVroot } from './vroot_runner.js';
import { normalizeResults } from './normalize.js';
import type { OpResult } from './ops.js';

const runs = Number(process.argv[2] ?? 300);
const seed = Number(process.argv[3] ?? 1);

const oracle = new KernelOracle();
const groups = new Map<string, { count: number; example: string; len: number }>();
const samples = fc.sample(caseArb, { numRuns: runs, seed });
let opsTotal = 0;
for (const ops of samples) {
  opsTotal += ops.length;
  const k = normalizeResults(ops, await oracle.run(ops));
  let v: OpResult[];
  try {
    v = normalizeResults(ops, runOnVroot(ops, kernelSysctls()));
  } catch (e) {
    const key = `CRASH ${(e as Error).message.split('\n')[0]}`;
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
    break; // later ops depend on this one
  }
}
oracle.close();
console.log(`${samples.length} cases, ${opsTotal} ops, ${groups.size} divergence groups`);
for (const [key, g] of [...groups].sort((a, b) => b[1].count - a[1].count)) {
  console.log(`\n== ${key} (${g.count})\n    ${g.example}`);
}
