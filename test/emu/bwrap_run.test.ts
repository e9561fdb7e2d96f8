// Rewritten bwrap command lines run under the real bwrap: a guest that sees an emulator's RootFS
// (a vroot copy of a host directory, mounted at the guest's /) writes a bwrap command line with
// paths from its own view; unchanged, bwrap cannot find the paths that exist only in the RootFS,
// and after rewriting through the RootFS mapping the sandbox shows the expected files (from the
// RootFS, through an absolute symlink inside it, from a bypassed host directory, from the host
// where both have the file, and from an --args descriptor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AT_FDCWD, ROOTFS_DEFAULT_BYPASS, Tmpfs, VirtualFileSystem, byteStringToUtf8, formatBwrapArgs, parseBwrapArgs, rewriteBwrapArgs,
  rootfsMapping, type RootfsMapping,
} from '../../src/mod.js';
import { copyHostTree } from './_host_tree.js';

interface Scene {
  dir: string;
  rootfs: string;
  hostFile: string;
  mapping: (shadow: boolean) => RootfsMapping;
}

function scene(): Scene {
  const dir = mkdtempSync(join(tmpdir(), 'vroot-bwrap-run-'));
  const rootfs = join(dir, 'rootfs');
  const put = (rel: string, text: string): void => {
    mkdirSync(join(rootfs, rel, '..'), { recursive: true });
    writeFileSync(join(rootfs, rel), text);
  };
  put('opt/game/data.txt', 'game data from the RootFS\n');
  put('opt/game/cfg', 'config from the RootFS\n');
  put('usr/share/only-rootfs/readme', 'readme from the RootFS\n');
  put('usr/lib/os-release', 'os-release from the RootFS\n');
  mkdirSync(join(rootfs, 'etc'));
  symlinkSync('/opt/game/cfg', join(rootfs, 'etc/gamecfg'));
  // A file in a bypassed directory (the scratch directory is under /tmp).
  const hostFile = join(dir, 'hostfile');
  writeFileSync(hostFile, 'host file\n');

  const vfs = new VirtualFileSystem();
  const rootMount = vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  copyHostTree(p, rootfs, '/');
  // The guest's /tmp is the host's (a bypass): another filesystem, not the RootFS.
  p.mkdirat(AT_FDCWD, '/tmp', 0o1777);
  vfs.mount(new Tmpfs(), '/tmp');
  return {
    dir, rootfs, hostFile,
    mapping: (shadow) => rootfsMapping({
      process: p, rootfs: [{ mount: rootMount, hostDir: rootfs }], bypass: ROOTFS_DEFAULT_BYPASS,
      hostExists: shadow ? () => false : (path) => existsSync(Buffer.from(path, 'latin1')),
    }),
  };
}

function bwrap(argv: string[], fd3: Uint8Array | null): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vroot-bwrap-fd-'));
  const file = join(dir, 'args');
  writeFileSync(file, fd3 ?? new Uint8Array());
  const fd = openSync(file, 'r');
  try {
    const r = spawnSync('bwrap', argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', fd3 === null ? 'ignore' : fd] });
    if (r.error !== undefined) throw r.error;
    return r;
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

const SYSTEM = ['--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib',
  '--symlink', 'usr/lib64', '/lib64', '--proc', '/proc', '--dev', '/dev', '--unshare-pid'];

test('a rewritten command line runs under the real bwrap and the sandbox sees the RootFS files', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run bwrap with mounts');
  if (spawnSync('bwrap', ['--version']).status !== 0) return t.skip('bwrap is not installed');
  const s = scene();
  try {
    const nested = ['--ro-bind', '/opt/game/data.txt', '/nested-data'];
    const nestedBytes = new TextEncoder().encode(nested.join('\0') + '\0');
    const argv = [...SYSTEM,
      '--ro-bind', '/opt/game', '/game',
      '--ro-bind', '/etc/gamecfg', '/cfg',
      '--ro-bind', '/usr/share/only-rootfs', '/only',
      '--ro-bind', '/usr/lib/os-release', '/osrel',
      '--ro-bind', s.hostFile, '/hostfile',
      '--ro-bind-try', '/nowhere', '/nowhere',
      '--args', '3',
      '--', '/bin/sh', '-c', 'cat /game/data.txt /cfg /only/readme /osrel /hostfile /nested-data; test -e /nowhere || echo no-nowhere'];

    // As written, bwrap cannot find the RootFS-only paths on the host.
    const before = bwrap(argv, nestedBytes);
    assert.equal(before.status, 1);
    assert.match(before.stderr, /Can't find source path \/opt\/game/);

    const cmd = parseBwrapArgs(argv, { readFd: (fd) => (fd === 3 ? nestedBytes : null) });
    const r = rewriteBwrapArgs(cmd, s.mapping(false));
    assert.deepEqual(r.changes.map((c) => [c.from, byteStringToUtf8(c.to)]), [
      ['/opt/game', join(s.rootfs, 'opt/game')],
      ['/etc/gamecfg', join(s.rootfs, 'opt/game/cfg')],
      ['/usr/share/only-rootfs', join(s.rootfs, 'usr/share/only-rootfs')],
      ['/opt/game/data.txt', join(s.rootfs, 'opt/game/data.txt')],
    ]);
    assert.equal(r.files.length, 1);
    const after = bwrap(formatBwrapArgs(r.commandLine).map(byteStringToUtf8), r.files[0]!.data);
    assert.equal(after.stderr, '');
    assert.equal(after.stdout, ['game data from the RootFS', 'config from the RootFS', 'readme from the RootFS',
      readFileSync('/usr/lib/os-release', 'utf8').trimEnd(), 'host file', 'game data from the RootFS', 'no-nowhere', ''].join('\n'));
    assert.equal(after.status, 0);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('nothing to rewrite: the command line is returned token for token', () => {
  const s = scene();
  try {
    const argv = [...SYSTEM, '--bind', '/tmp', '/tmp', '--ro-bind', '/usr/lib/os-release', '/x', '--', '/bin/true'];
    const r = rewriteBwrapArgs(parseBwrapArgs(argv), s.mapping(false));
    assert.deepEqual(r.changes, []);
    assert.deepEqual(formatBwrapArgs(r.commandLine), argv);
    // An --args descriptor the parser was not given is reported, not silently skipped.
    const opaque = rewriteBwrapArgs(parseBwrapArgs(['--args', '9', '--', '/bin/true']), s.mapping(false));
    assert.deepEqual(opaque.uninspected, ['9']);
    assert.deepEqual(formatBwrapArgs(opaque.commandLine), ['--args', '9', '--', '/bin/true']);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('mapping rules: bypass, host first unless shadowed, symlinks resolved inside the RootFS, relative paths', () => {
  const s = scene();
  try {
    const host = s.mapping(false);
    const shadow = s.mapping(true);
    const rooted = (rel: string): string => join(s.rootfs, rel);
    const where = (m: RootfsMapping, path: string): string => {
      const r = m.resolve(path);
      return r.where === 'rootfs' ? byteStringToUtf8(r.hostPath) : 'host';
    };
    assert.equal(where(host, '/usr/lib/os-release'), 'host');
    assert.equal(where(shadow, '/usr/lib/os-release'), rooted('usr/lib/os-release'));
    assert.equal(where(host, '/etc/gamecfg'), rooted('opt/game/cfg'));
    assert.equal(where(host, '/etc/../opt/./game//data.txt'), rooted('opt/game/data.txt'));
    assert.equal(where(host, '/'), 'host');
    assert.equal(where(shadow, '/'), s.rootfs);
    assert.equal(where(host, 'opt/game'), rooted('opt/game'));
    // Bypassed prefixes stay, whatever the RootFS holds; /procfoo is not under /proc.
    assert.equal(where(shadow, '/tmp'), 'host');
    assert.equal(where(shadow, '/proc/self'), 'host');
    assert.equal(where(host, '/missing'), 'host');
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});
