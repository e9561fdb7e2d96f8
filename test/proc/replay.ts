/**
 * Replay tool (not a test): runs one procfs case (a JSON array of ops, read from the file named
 * on the command line) on the kernel and on vroot and prints both answers to every op.
 * Usage: node dist/test/proc/replay.js case.json
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KernelOracle, kernelSysctls } from '../oracle/kernel.js';
import type { Op } from '../oracle/ops.js';
import type { AnyOp } from './_vroot_proc.js';
import { runProcCaseOnVroot } from './_vroot_proc.js';

const ops = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as AnyOp[];
const oracle = new KernelOracle(fileURLToPath(new URL('../../../test/proc/proc_oracle.py', import.meta.url)));
const k = await oracle.run(ops as Op[]);
oracle.close();
const v = runProcCaseOnVroot(ops, kernelSysctls());
ops.forEach((op, i) => {
  const ks = JSON.stringify(k[i]);
  const vs = JSON.stringify(v[i]);
  console.log(`${ks === vs ? '  ' : '!!'} ${JSON.stringify(op)}\n     kernel ${ks}${ks === vs ? '' : `\n     vroot  ${vs}`}`);
});
