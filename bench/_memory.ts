// Node-specific: measures what N files of 4 KiB cost one filesystem target, in a process of
// its own run with --expose-gc: JS heap plus ArrayBuffers after a full GC, before and after.
// For Node's fs the data lives in the kernel: the tmpfs blocks used are reported instead.
// Usage: node --expose-gc dist/bench/_memory.js <target> <files>
import * as nodeFs from 'node:fs';
import { memfsTarget, nodeTarget, vrootTarget, zenfsTarget, type Target } from './_targets.js';

const gc = (globalThis as { gc?: () => void }).gc;

function used(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function main(): Promise<void> {
  const [name, count] = process.argv.slice(2);
  const files = Number(count ?? 10_000);
  if (gc === undefined) throw new Error('run with --expose-gc');
  const makers: Record<string, () => Target | Promise<Target>> = {
    'vroot': vrootTarget, 'memfs': memfsTarget, '@zenfs/core': zenfsTarget, 'node fs (tmpfs)': nodeTarget,
  };
  const make = makers[name!];
  if (make === undefined) throw new Error(`unknown target ${name}`);
  const t = await make();
  const dirs = 100;
  for (let d = 0; d < dirs; d++) t.fs.mkdirSync(`${t.root}/d${d}`);
  const kernel = t.name.startsWith('node');
  const before = kernel ? nodeFs.statfsSync(t.root) : undefined;
  const heapBefore = used();
  for (let i = 0; i < files; i++) {
    const data = new Uint8Array(4096).fill(i & 0xff);
    t.fs.writeFileSync(`${t.root}/d${i % dirs}/f${i}`, data);
  }
  if (kernel) {
    const after = nodeFs.statfsSync(t.root);
    const bytes = (before!.bfree - after.bfree) * after.bsize;
    t.dispose();
    process.stdout.write(JSON.stringify({ bytes, note: 'kernel tmpfs pages; inodes and dentries not counted' }));
    return;
  }
  const bytes = used() - heapBefore;
  // Keep the filesystem alive until measured.
  if (t.fs.statSync(`${t.root}/d0/f0`) === undefined) throw new Error('lost');
  process.stdout.write(JSON.stringify({ bytes }));
}

await main();
