// `vroot run` end to end: a program copied into the root (or read from the host) runs with the
// terminal's streams, the environment, the exit status passed through and traps reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWasm, REPO, wasmToolchainProblem } from './_toolchain.js';

const problem = wasmToolchainProblem();

function vroot(args: string[], input = ''): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'vroot.js'), ...args], { input, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function hostTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vroot-run-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'data'));
  copyFileSync(buildWasm('cliprobe'), join(dir, 'bin', 'cliprobe.wasm'));
  writeFileSync(join(dir, 'data', 'file.txt'), '12345');
  symlinkSync('..', join(dir, 'data', 'up'));
  symlinkSync('../../../..', join(dir, 'data', 'top'));
  return dir;
}

test('vroot run: program from the root, argv, env, stdin, exit status, stdout and stderr', (t) => {
  if (problem !== null) return t.skip(problem);
  const dir = hostTree();
  try {
    const r = vroot(['run', '--copy-in', `${dir}:/`, '--tmpfs', '/tmp', '--env', 'GREETING=hello there', '--',
      '/bin/cliprobe.wasm', '3', '/data/file.txt'], 'input on stdin');
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, [
      'argc=3 [/bin/cliprobe.wasm] [3] [/data/file.txt]',
      'PWD=(unset) GREETING=hello there',
      'stdin=14 tmp=ok',
      'stat /data/file.txt: size 5',
      '',
    ].join('\n'));
    assert.equal(r.stderr, 'to stderr\n');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('vroot run: --host-wasm, --cwd, symlinks copied in stay inside the root, sandbox modes', (t) => {
  if (problem !== null) return t.skip(problem);
  const dir = hostTree();
  try {
    const r = vroot(['run', '--copy-in', `${dir}/data:/data`, '--tmpfs', '/tmp', '--cwd', '/data', '--host-wasm',
      join(dir, 'bin', 'cliprobe.wasm'), '--', 'probe', '0', '/data/top/data/up/data/file.txt']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^argc=3 \[probe\] \[0\] /);
    assert.match(r.stdout, /PWD=\/data GREETING=\(unset\)/);
    assert.match(r.stdout, /stat \/data\/top\/data\/up\/data\/file.txt: size 5/, '.. stops at the root');
    const b = vroot(['run', '--copy-in', `${dir}/data:/data`, '--tmpfs', '/tmp', '--sandbox', 'beneath', '--host-wasm',
      join(dir, 'bin', 'cliprobe.wasm'), '--', 'probe', '0', '/data/top/data/file.txt']);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /stat \/data\/top\/data\/file.txt: errno 76/, 'ENOTCAPABLE in beneath mode');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('vroot run: a trap exits with 134, a missing program or bad option with a message', (t) => {
  if (problem !== null) return t.skip(problem);
  const dir = hostTree();
  try {
    const r = vroot(['run', '--copy-in', `${dir}:/`, '--', '/bin/cliprobe.wasm', 'abort']);
    assert.equal(r.status, 134);
    assert.match(r.stderr, /to stderr\nvroot run: the program trapped/);
    assert.match(r.stdout, /stdin=0 tmp=No such file or directory/, 'no /tmp in this root');
    const missing = vroot(['run', '--', '/bin/none.wasm']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ENOENT.*\/bin\/none\.wasm/);
    const bad = vroot(['run', '--copy-in', 'nocolon', '--', '/x']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--copy-in wants HOST:GUEST/);
    const usage = vroot(['run']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /Usage: vroot run/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
