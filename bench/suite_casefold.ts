/**
 * Casefold: the cost of case-insensitive lookup. Stats names in a 2,000-entry directory of a
 * plain tmpfs, a casefold tmpfs (same spelling, other spelling) and memfs (case-sensitive, the
 * peer); and folds non-ASCII names with utf8Casefold against the nearest JavaScript built-in
 * (`normalize('NFD').toLowerCase()`, which is not the kernel's folding).
 */
import { Volume } from 'memfs';
import { AT_FDCWD, O_CREAT, O_WRONLY, Tmpfs, VirtualFileSystem, toByteString, utf8Casefold } from '../src/mod.js';

function time(fn: () => void, rounds: number): number {
  for (let i = 0; i < 5; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / rounds;
}

const words = ['Straße', 'Ärger', 'ΣΟΦΙΑ', 'Document', 'README', 'Übersicht', 'façade', 'İstanbul', 'ǅemal', 'Ｆｕｌｌ'];

function names(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${words[i % words.length]}-${i}.txt`);
  return out;
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const n = quick ? 500 : 2000;
  const rounds = quick ? 5 : 20;
  const list = names(n);
  const upper = list.map((s) => s.toUpperCase());
  const rows: [string, number][] = [];

  for (const [label, casefold, spelled] of [
    ['vroot tmpfs, plain', false, list], ['vroot tmpfs casefold, same spelling', true, list],
    ['vroot tmpfs casefold, upper case', true, upper]] as const) {
    const vfs = new VirtualFileSystem();
    vfs.mount(new Tmpfs({ casefold }), '/');
    const p = vfs.createProcess();
    p.mkdirat(AT_FDCWD, '/d');
    for (const s of list) p.close(p.openat(AT_FDCWD, `/d/${s}`, O_CREAT | O_WRONLY, 0o644));
    const paths = spelled.map((s) => `/d/${s}`);
    rows.push([label, time(() => { for (const x of paths) p.fstatat(AT_FDCWD, x); }, rounds)]);
  }
  const vol = new Volume();
  vol.mkdirSync('/d');
  for (const s of list) vol.writeFileSync(`/d/${s}`, '');
  const memPaths = list.map((s) => `/d/${s}`);
  rows.push(['memfs (case-sensitive)', time(() => { for (const x of memPaths) vol.statSync(x); }, rounds)]);

  const base = rows[0]![1];
  console.log(`stat of ${n} names (ms per pass; ratio to plain vroot tmpfs)`);
  for (const [label, ms] of rows) console.log(`  ${label.padEnd(40)} ${ms.toFixed(3).padStart(8)}  x${(ms / base).toFixed(2)}`);

  const bytes = list.map((s) => toByteString(s));
  const fold = time(() => { for (const b of bytes) utf8Casefold(b); }, rounds * 5);
  const builtin = time(() => { for (const s of list) s.normalize('NFD').toLowerCase(); }, rounds * 5);
  console.log(`fold ${n} non-ASCII names (ms per pass)`);
  console.log(`  ${'utf8Casefold (kernel NFDICF)'.padEnd(40)} ${fold.toFixed(3).padStart(8)}  x${(fold / builtin).toFixed(2)}`);
  console.log(`  ${"normalize('NFD').toLowerCase()".padEnd(40)} ${builtin.toFixed(3).padStart(8)}  x1.00`);
}
