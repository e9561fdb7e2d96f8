// Scratch directories and the kernel oracle for the hostfs tests (Node-specific, Linux only).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** kernel_oracle.py, next to this file's source (dist/test/hostfs -> test/hostfs). */
export const ORACLE = fileURLToPath(new URL('../../../test/hostfs/kernel_oracle.py', import.meta.url));

/** A fresh directory under the system temporary directory, removed by the returned function. */
export function scratch(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `vroot-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs kernel_oracle.py with `mode` ('run' or 'dump') on a JSON request. */
export function oracle(mode: 'run' | 'dump', request: unknown): unknown[] {
  const r = spawnSync('python3', [ORACLE, mode], {
    input: JSON.stringify(request),
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`kernel_oracle.py ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

/** True when this process may chroot and mknod (the oracle runs cases chrooted, as root). */
export function isRoot(): boolean {
  return process.geteuid?.() === 0;
}
