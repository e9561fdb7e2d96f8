// The merged RootFS preset over this machine's real root, as an emulator uses it: run contained
// (test/_contained.ts: a private mount namespace where everything but a scratch tmpfs is
// read-only), so whatever the preset did wrong could not change the real system. The RootFS and
// the user's home live on the scratch tmpfs.
import { test } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AT_FDCWD, EM_X86_64, O_CREAT, O_RDONLY, O_WRONLY, byteStringToUtf8, decideExec, elfMachineOfArch, formatBwrapArgs,
  parseBwrapArgs, rewriteBwrapArgs, rootfsBwrapMapping, rootfsNativePolicy,
} from '../../src/mod.js';
import { hostMergedRootfs } from '../../src/node/mod.js';
import { containmentUnavailable, isContained, runContained } from '../_contained.js';
import { HOST_BASE, listDir, makeTree, readText } from './rootfs/_scene.js';

const why = containmentUnavailable();
if (!isContained()) {
  test('merged RootFS over the real host root, contained', { skip: why ?? false, timeout: 5 * 60_000 }, () => {
    const r = runContained(fileURLToPath(import.meta.url));
    process.stdout.write(r.output.split('\n').filter((l) => l.startsWith('#')).join('\n') + '\n');
    assert.equal(r.status, 0, r.output);
    assert.equal(r.failed, 0, r.output);
    assert.equal(r.passed, 4, `the contained run passed ${r.passed} of 4 tests:\n${r.output}`);
  });
  if (why !== null) console.log(`SKIPPED merged RootFS over the real host root: ${why}`);
}

function setup(): { rootfs: string; home: string } {
  const base = mkdtempSync(join(process.env.TMPDIR!, 'rootfs-'));
  const rootfs = join(base, 'rootfs');
  const home = join(base, 'home');
  makeTree(rootfs, [
    { file: 'etc/os-release', text: 'ID=vroot-test-rootfs\n' },
    { file: 'usr/lib/vroot-guest-only/libguest.so', text: 'guest library' },
    { link: 'usr/lib/vroot-guest-link', to: '/usr/lib/vroot-guest-only/libguest.so' },
    { link: 'vroot-rootlink', to: '/' },
  ]);
  mkdirSync(home, { recursive: true });
  return { rootfs, home };
}

if (isContained()) test('the guest sees the RootFS over the real root, procfs of its own and the host through bypass paths', () => {
  const { rootfs, home } = setup();
  const r = hostMergedRootfs({ rootfs, home });
  try {
    const p = r.process;
    // The RootFS wins where both have a file; host files show through elsewhere.
    assert.equal(readText(p, '/etc/os-release'), 'ID=vroot-test-rootfs\n');
    assert.equal(readText(p, '/etc/passwd'), readFileSync('/etc/passwd', 'utf8'));
    assert.equal(readText(p, '/usr/lib/vroot-guest-link'), 'guest library');
    assert.equal(readText(p, '/vroot-rootlink/vroot-rootlink/etc/passwd'), readFileSync('/etc/passwd', 'utf8'));
    // The root lists both sides.
    const root = listDir(p, '/');
    for (const name of [...readdirSync('/'), 'vroot-rootlink']) assert.ok(root.includes(name), name);
    const usrLib = listDir(p, '/usr/lib');
    assert.ok(usrLib.includes('vroot-guest-only'));
    for (const name of readdirSync('/usr/lib')) assert.ok(usrLib.includes(name), name);
    // /proc shows the guest's processes only, and guest paths.
    assert.deepEqual(listDir(p, '/proc').filter((n) => /^\d+$/.test(n)), [String(p.pid)]);
    const fd = p.openat(AT_FDCWD, '/usr/lib/vroot-guest-link', O_RDONLY);
    assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), '/usr/lib/vroot-guest-only/libguest.so');
    p.close(fd);
    assert.ok(!readText(p, '/proc/self/mountinfo').includes(rootfs));
    // Writes: outside bypass paths into the upper (the real root is untouched); in the home, on the host.
    const w = p.openat(AT_FDCWD, '/etc/vroot-guest-made', O_CREAT | O_WRONLY, 0o644);
    p.close(w);
    assert.ok(!existsSync('/etc/vroot-guest-made'));
    assert.ok(!existsSync(join(rootfs, 'etc/vroot-guest-made')));
    const h = p.openat(AT_FDCWD, join(home, 'note'), O_CREAT | O_WRONLY, 0o644);
    p.write(h, new TextEncoder().encode('in the home'));
    p.close(h);
    assert.equal(readFileSync(join(home, 'note'), 'utf8'), 'in the home');
    writeFileSync(join(home, 'from-host'), 'host side');
    assert.equal(readText(p, join(home, 'from-host')), 'host side');
    // /dev is the host's: its null device works.
    const dn = p.openat(AT_FDCWD, '/dev/null', O_WRONLY);
    assert.equal(p.write(dn, new Uint8Array(5)), 5);
    p.close(dn);
    assert.equal(r.hostRootPath, '/');
    assert.equal(r.hostPathOf('/etc/passwd'), realpathSync('/etc/passwd'));
    assert.equal(r.hostPathOf('/usr/lib/vroot-guest-link'), join(rootfs, 'usr/lib/vroot-guest-only/libguest.so'));
  } finally {
    r.close();
  }
});

if (isContained()) test('a host program reached through the merge runs natively from its real path', {
  skip: elfMachineOfArch(process.arch) === EM_X86_64 ? false : `needs an x86-64 host (this is ${process.arch})`,
}, () => {
  const { rootfs, home } = setup();
  const r = hostMergedRootfs({ rootfs, home });
  try {
    const policy = rootfsNativePolicy(r, { native: [{ format: 'elf', machine: EM_X86_64 }] });
    const env = realpathSync('/usr/bin/env');
    const d = decideExec(r.process, '/usr/bin/env', { policy, argv: ['env', 'true'] });
    assert.equal(d.kind, 'native');
    assert.equal(d.kind === 'native' && d.hostPath, env);
    assert.deepEqual(d.kind === 'native' && d.argv, ['env', 'true']);
  } finally {
    r.close();
  }
});

if (isContained()) test('host sub-mounts show through the merge, where the kernel\'s overlay hides them', () => {
  const base = mkdtempSync(join(process.env.TMPDIR!, 'submount-'));
  const host = join(base, 'host');
  const rootfs = join(base, 'rootfs');
  makeTree(host, [...HOST_BASE, { dir: 'opt/sub' }]);
  makeTree(rootfs, [{ file: 'opt/rootfs-file', text: 'RootFS' }]);
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(host, 'opt/sub')]);
  const merged = join(base, 'merged');
  try {
    writeFileSync(join(host, 'opt/sub/mounted.txt'), 'on a mount');
    const r = hostMergedRootfs({ rootfs, host, home: null });
    try {
      assert.equal(readText(r.process, '/opt/sub/mounted.txt'), 'on a mount');
      assert.deepEqual(listDir(r.process, '/opt'), ['rootfs-file', 'sub']);
    } finally {
      r.close();
    }
    // The kernel's merged RootFS (FEX's overlayfs mode) shows the directory under the mount.
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(base, d));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o',
      `lowerdir=${rootfs}:${host},upperdir=${join(base, 'upper')},workdir=${join(base, 'work')}`, merged]);
    assert.deepEqual(readdirSync(join(merged, 'opt')).sort(), ['rootfs-file', 'sub']);
    assert.deepEqual(readdirSync(join(merged, 'opt/sub')), []);
  } finally {
    spawnSync('umount', [merged]);
    spawnSync('umount', [join(host, 'opt/sub')]);
  }
});

if (isContained()) test('a bwrap command line written in the guest runs under the real bwrap once rewritten', (t) => {
  if (spawnSync('bwrap', ['--version']).status !== 0) return t.skip('bwrap is not installed');
  const { rootfs, home } = setup();
  const r = hostMergedRootfs({ rootfs, home });
  try {
    const argv = ['--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib',
      '--symlink', 'usr/lib64', '/lib64', '--proc', '/proc', '--dev', '/dev',
      '--ro-bind', '/usr/lib/vroot-guest-only', '/guest', '--ro-bind', '/usr/lib/vroot-guest-link', '/guest-link',
      '--ro-bind', '/etc/passwd', '/passwd', '--',
      '/bin/sh', '-c', 'cat /guest/libguest.so; echo; cat /guest-link; echo; cat /passwd'];
    const run = (args: string[]): ReturnType<typeof spawnSync> => spawnSync('bwrap', args, { encoding: 'utf8' });
    // As the guest wrote it, bwrap (on the host) cannot find what only the RootFS has.
    const before = run(argv);
    assert.notEqual(before.status, 0);
    assert.match(String(before.stderr), /Can't find source path \/usr\/lib\/vroot-guest-only/);
    const { commandLine, changes } = rewriteBwrapArgs(parseBwrapArgs(argv), rootfsBwrapMapping(r));
    assert.deepEqual(changes.map((c) => byteStringToUtf8(c.to)), [
      join(rootfs, 'usr/lib/vroot-guest-only'), join(rootfs, 'usr/lib/vroot-guest-only/libguest.so'),
    ]);
    const after = run(formatBwrapArgs(commandLine).map(byteStringToUtf8));
    assert.equal(after.stderr, '');
    assert.equal(after.stdout, `guest library\nguest library\n${readFileSync('/etc/passwd', 'utf8')}`);
  } finally {
    r.close();
  }
});
