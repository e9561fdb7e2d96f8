// Node-specific: FakeOwnership over HostFs when the host process may not chown. Runs
// fake_owner_unprivileged.ts as user 65534 (or as this process when it is not root), then judges
// what that run left on the host: real owners untouched, and fuse-overlayfs showing the owners
// and modes vroot recorded in user.containers.override_stat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../../src/mod.js';
import { readableCopy } from '../_readable_copy.js';
import type { SeenEntry } from './fake_owner_tree.js';

// Run from a world-readable copy: the checkout may be where the unprivileged user cannot go.
const CHILD = process.geteuid?.() === 0
  ? join(readableCopy(), 'dist', 'test', 'emu', 'fake_owner_unprivileged.js')
  : fileURLToPath(new URL('./fake_owner_unprivileged.js', import.meta.url));
const NOBODY = 65534;
const root = process.geteuid?.() === 0;
const scratch = mkdtempSync(join(tmpdir(), 'vroot-fakeowner-'));
const interop = join(scratch, 'interop');
mkdirSync(interop);
if (root) {
  chownSync(scratch, NOBODY, NOBODY);
  chownSync(interop, NOBODY, NOBODY);
}

test.after(() => rmSync(scratch, { recursive: true, force: true }));

function runChild(): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, VROOT_FAKE_OWNER_SCRATCH: scratch, VROOT_FAKE_OWNER_INTEROP: interop };
  // A nested `node --test` must not think it reports to this test runner.
  delete env.NODE_TEST_CONTEXT;
  const node = [process.execPath, '--test', '--test-reporter=tap', CHILD];
  const r = root
    ? spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node], { env, encoding: 'utf8' })
    : spawnSync(node[0]!, node.slice(1), { env, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const child = runChild();
const count = (what: string): number => Number(new RegExp(`^# ${what} (\\d+)`, 'm').exec(child.output)?.[1] ?? -1);

test('FakeOwnership over HostFs: every case passes as an unprivileged host user', () => {
  assert.equal(child.status, 0, child.output);
  assert.equal(count('fail'), 0, child.output);
  assert.equal(count('skipped'), 0, child.output);
  assert.ok(count('pass') >= 18, child.output);
});

test('the host objects the unprivileged run made all belong to it, none is a device or set-ID', { skip: !root && 'the run was this process itself' }, () => {
  let objects = 0;
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      objects++;
      assert.equal(`${st.uid}:${st.gid}`, `${NOBODY}:${NOBODY}`, path);
      assert.ok(!st.isCharacterDevice() && !st.isBlockDevice(), path);
      assert.equal(st.mode & 0o6000, 0, path);
      if (st.isDirectory()) visit(path);
    }
  };
  visit(scratch);
  assert.ok(objects > 500, `${objects} objects`);
});

function fuseOverlayfsUnavailable(): string | null {
  if (!root) return 'mounting fuse-overlayfs here needs root';
  const r = spawnSync('fuse-overlayfs', ['--version']);
  if (r.error !== undefined) return 'fuse-overlayfs is not installed (apt-get install fuse-overlayfs)';
  return null;
}

test('fuse-overlayfs shows the owners and modes vroot recorded in the layer', { skip: fuseOverlayfsUnavailable() ?? false }, () => {
  const seen = new Map(JSON.parse(readFileSync(join(scratch, 'interop.json'), 'utf8')) as [string, SeenEntry][]);
  assert.ok(seen.size >= 150);
  const work = mkdtempSync(join(tmpdir(), 'vroot-fuse-overlayfs-'));
  const [upper, workdir, merged] = ['upper', 'work', 'merged'].map((n) => join(work, n));
  for (const d of [upper!, workdir!, merged!]) mkdirSync(d);
  execFileSync('fuse-overlayfs', ['-o', `lowerdir=${interop},upperdir=${upper},workdir=${workdir}`, merged!], { stdio: 'pipe' });
  let compared = 0;
  try {
    for (const [path, v] of seen) {
      const st = lstatSync(join(merged!, path));
      const type = st.mode & S_IFMT;
      // Symlinks cannot carry the xattr: fuse-overlayfs shows the host's owner, as vroot's
      // next mount does.
      if (v.type === S_IFLNK) {
        assert.equal(type, S_IFLNK, path);
        continue;
      }
      // fuse-overlayfs 1.10 reads uid:gid:mode and ignores the type field, so devices, fifos and
      // sockets (regular files in the layer) show as regular files with the recorded owner and mode.
      assert.equal(type, v.type === S_IFDIR ? S_IFDIR : S_IFREG, path);
      assert.equal(`${st.uid}:${st.gid}:${(st.mode & 0o7777).toString(8)}`, `${v.uid}:${v.gid}:${v.perm.toString(8)}`, path);
      compared++;
    }
  } finally {
    execFileSync('fusermount3', ['-u', merged!]);
    rmSync(work, { recursive: true, force: true });
  }
  assert.ok(compared > 100, `${compared} compared`);
});
