// Node-specific test helper: the built package where any user can read it.
/**
 * Tests that run vroot as an unprivileged host user (setpriv --reuid) need its built files
 * readable by that user, and a checkout may sit under a directory only root may enter (such as
 * /root). `readableCopy()` copies `dist/`, the HostFs addon and package.json (the module type)
 * to a fresh world-readable directory, once per test process, removed at exit, and returns the
 * path of that copy's root: `join(readableCopy(), 'dist/test/...')` in place of the original.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root (this file is dist/test/_readable_copy.js once built). */
const REPO = fileURLToPath(new URL('../..', import.meta.url));

let copy: string | undefined;

export function readableCopy(): string {
  if (copy !== undefined) return copy;
  const dir = mkdtempSync(join(tmpdir(), 'vroot-readable-'));
  chmodSync(dir, 0o755);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  for (const part of ['dist/src', 'dist/test']) cpSync(join(REPO, part), join(dir, part), { recursive: true });
  const addon = join(REPO, 'build', 'Release', 'vroot_hostfs.node');
  if (existsSync(addon)) {
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    cpSync(addon, join(dir, 'build', 'Release', 'vroot_hostfs.node'));
  }
  // cpSync keeps the modes of the files it copies (readable by all as built with umask 022),
  // and makes directories with the process umask.
  copy = dir;
  return dir;
}
