// Node-specific: runs a test file where a mistake cannot damage this machine.
/**
 * Tests that hand hostile input to code whose whole point is confinement (hostfs escape tests)
 * run in a private mount namespace in which every mount is read-only except a fresh tmpfs (made
 * their TMPDIR), where they keep their scratch trees and canaries. If the code under test ever
 * escapes, it meets read-only host files (and the test's own canaries), never the real system.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';

/** True inside the contained run. */
export function isContained(): boolean {
  return process.env.VROOT_CONTAINED === '1';
}

/** Why containment is impossible here, or null. */
export function containmentUnavailable(): string | null {
  if (process.platform !== 'linux') return 'Linux only';
  if (process.geteuid?.() !== 0) return 'needs root to make a read-only mount namespace';
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']);
  if (r.error !== undefined || r.status !== 0) return 'unshare --mount is not permitted here';
  return null;
}

const SCRIPT = `
set -e
mount -t tmpfs -o mode=1777 vroot-scratch "$TMPDIR"
# Read-only everything else, deepest mounts first (the scratch tmpfs and /proc stay writable).
findmnt -rn -o TARGET | sort -r | while read -r m; do
  case "$m" in "$TMPDIR"|/proc|/proc/*|/sys|/sys/*) continue ;; esac
  mount -o remount,bind,ro "$m" 2>/dev/null || true
done
exec "$@"
`;

/**
 * Runs `node --test FILE` contained; returns its exit status and output.
 */
export function runContained(file: string): { status: number; output: string; passed: number; failed: number } {
  // A nested `node --test` must not think it reports to this test runner.
  // The scratch tmpfs gets a directory of its own (not /tmp: the checkout may live there).
  const scratchDir = `/run/vroot-contained-${process.pid}`;
  mkdirSync(scratchDir, { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = { ...process.env, VROOT_CONTAINED: '1', TMPDIR: scratchDir };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh',
    process.execPath, '--test', '--test-reporter=tap', file], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  rmdirSync(scratchDir);
  const output = `${r.stdout}${r.stderr}`;
  const count = (what: string): number => Number(new RegExp(`^# ${what} (\\d+)`, 'm').exec(output)?.[1] ?? 0);
  return { status: r.status ?? 1, output, passed: count('pass'), failed: count('fail') };
}
