// Exec decisions over the merged RootFS preset on this x86-64 machine, with real programs built
// by clang at test time: an x86-64 program in the RootFS is native and really runs from the host
// path the preset gives; a foreign-machine ELF and a wasm module are emulated; a script whose
// interpreter is native is run by it with the script's bare guest path, as the printer shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AT_FDCWD, EM_X86_64, O_CREAT, O_WRONLY, byteStringToUtf8, decideExec, elfMachineOfArch, rootfsNativePolicy,
  type ExecDecision, type NativePolicy, type Process,
} from '../../src/mod.js';
import { hostMergedRootfs, type HostMergedRootfsOptions } from '../../src/node/mod.js';
import { run } from './_toolchain.js';
import { scratch } from './rootfs/_scene.js';

const fixtures = fileURLToPath(new URL('../../../test/emu/fixtures/', import.meta.url));

interface Programs {
  printer: string;
  arm64: string;
  wasm: string;
}

/** Builds the argv printer (freestanding x86-64), an arm64 ELF with a PT_INTERP, and a wasm module. */
function build(dir: string): Programs | string {
  if (process.arch !== 'x64' || elfMachineOfArch(process.arch) !== EM_X86_64) return `needs an x86-64 host (this is ${process.arch})`;
  try {
    const printer = join(dir, 'printer');
    run('clang', ['-nostdlib', '-static', '-fuse-ld=lld', '-O2', '-fno-stack-protector', '-o', printer, join(fixtures, 'argv_printer.c')]);
    const src = join(dir, 'm.c');
    writeFileSync(src, 'int main(void) { return 0; }\n');
    const arm64 = join(dir, 'arm64');
    run('clang', ['--target=aarch64-linux-gnu', '-fuse-ld=lld', '-nostdlib', '-Wl,--dynamic-linker=/lib/ld-linux-aarch64.so.1',
      '-Wl,-e,main', '-o', arm64, src]);
    const wasm = join(dir, 'm.wasm');
    run('clang', ['--target=wasm32-wasi', '-nostdlib', '-Wl,--no-entry', '-Wl,--export-all', '-o', wasm, src]);
    return { printer, arm64, wasm };
  } catch (e) {
    return `cannot build the test programs: ${(e as Error).message}`;
  }
}

const buildDir = mkdtempSync(join(tmpdir(), 'vroot-rootfs-exec-'));
const programs = build(buildDir);
test.after(() => rmSync(buildDir, { recursive: true, force: true }));
const skip = typeof programs === 'string' ? programs : false;


/** A scene whose RootFS and fake host hold the programs at the paths given. */
function withPrograms(options: Partial<HostMergedRootfsOptions>, place: (host: string, rootfs: string) => void,
  body: (r: ReturnType<typeof hostMergedRootfs>, policy: NativePolicy, dirs: { host: string; rootfs: string }) => void): void {
  const s = scratch([{ dir: 'home/user/bin' }, { dir: 'usr/bin' }], [{ dir: 'usr/bin' }, { dir: 'lib' }, { dir: 'opt' }]);
  try {
    place(s.host, s.rootfs);
    const r = hostMergedRootfs({ rootfs: s.rootfs, host: s.host, home: '/home/user', ...options });
    try {
      body(r, rootfsNativePolicy(r, { native: [{ format: 'elf', machine: EM_X86_64 }] }), s);
    } finally {
      r.close();
    }
  } finally {
    s.dispose();
  }
}

function put(from: string, to: string, text?: string): void {
  mkdirSync(join(to, '..'), { recursive: true });
  if (text === undefined) copyFileSync(from, to);
  else writeFileSync(to, text);
  chmodSync(to, 0o755);
}

/** Runs a native decision as the host would and returns the argv the program received. */
function runNative(d: ExecDecision): string[] {
  assert.equal(d.kind, 'native', JSON.stringify(d, (_k, v: unknown) => (v instanceof Uint8Array ? undefined : v)));
  if (d.kind !== 'native') return [];
  const r = spawnSync(byteStringToUtf8(d.hostPath), d.argv.slice(1).map(byteStringToUtf8), { argv0: byteStringToUtf8(d.argv[0]!), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { argv: string[] };
  return out.argv.map((h) => Buffer.from(h, 'hex').toString('utf8'));
}

test('a native binary in the RootFS runs from its host path', { skip }, () => {
  const p = programs as Programs;
  withPrograms({}, (host, rootfs) => {
    put(p.printer, join(rootfs, 'usr/bin/printer'));
    put(p.printer, join(host, 'home/user/bin/hostprinter'));
  }, (r, policy, dirs) => {
    const g: Process = r.process;
    g.symlinkat('/usr/bin/printer', AT_FDCWD, '/usr/bin/printer-link');
    const d = decideExec(g, '/usr/bin/printer', { policy, argv: ['printer', 'one', 'two'] });
    assert.equal(d.kind, 'native');
    if (d.kind === 'native') {
      assert.equal(d.hostPath, join(dirs.rootfs, 'usr/bin/printer'));
      assert.equal(d.guestPath, '/usr/bin/printer');
    }
    assert.deepEqual(runNative(d), ['printer', 'one', 'two']);
    // Through an absolute symlink the guest made: the same program, the link's name as argv[0].
    const viaLink = decideExec(g, '/usr/bin/printer-link', { policy, argv: ['printer-link'] });
    assert.equal(viaLink.kind === 'native' && viaLink.hostPath, join(dirs.rootfs, 'usr/bin/printer'));
    assert.deepEqual(runNative(viaLink), ['printer-link']);
    // A native program in the user's (bypassed) home runs from there.
    const home = decideExec(g, '/home/user/bin/hostprinter', { policy });
    assert.equal(home.kind === 'native' && home.hostPath, join(dirs.host, 'home/user/bin/hostprinter'));
    assert.deepEqual(runNative(home), ['/home/user/bin/hostprinter']);
  });
});

test('a foreign-machine ELF and a wasm module in the RootFS are emulated', { skip }, () => {
  const p = programs as Programs;
  withPrograms({}, (_host, rootfs) => {
    put(p.arm64, join(rootfs, 'usr/bin/arm64tool'));
    put(p.arm64, join(rootfs, 'lib/ld-linux-aarch64.so.1'));
    put(p.wasm, join(rootfs, 'usr/bin/tool.wasm'));
  }, (r, policy) => {
    const arm = decideExec(r.process, '/usr/bin/arm64tool', { policy });
    assert.equal(arm.kind, 'emulated');
    if (arm.kind === 'emulated') {
      assert.equal(arm.guestPath, '/usr/bin/arm64tool');
      // The program interpreter is found in the guest root, through the merge.
      assert.equal(arm.elfInterpreter, '/lib/ld-linux-aarch64.so.1');
    }
    const wasm = decideExec(r.process, '/usr/bin/tool.wasm', { policy });
    assert.equal(wasm.kind, 'emulated');
    assert.equal(wasm.kind === 'emulated' && wasm.header.format, 'wasm');
  });
});

test('a script whose interpreter is native gets the bare guest path of the script', { skip }, () => {
  const p = programs as Programs;
  withPrograms({}, (host, rootfs) => {
    put(p.printer, join(rootfs, 'usr/bin/printer'));
    put(p.arm64, join(rootfs, 'usr/bin/arm64tool'));
    put(p.arm64, join(rootfs, 'lib/ld-linux-aarch64.so.1'));
    put('', join(rootfs, 'opt/run.sh'), '#!/usr/bin/printer -x\necho never\n');
    put('', join(host, 'home/user/bin/tool.sh'), '#! /usr/bin/env-link\n');
    put('', join(rootfs, 'opt/arm.sh'), '#!/usr/bin/arm64tool\n');
  }, (r, policy, dirs) => {
    r.process.symlinkat('/usr/bin/printer', AT_FDCWD, '/usr/bin/env-link');
    const d = decideExec(r.process, '/opt/run.sh', { policy, argv: ['run.sh', 'arg'] });
    assert.equal(d.kind === 'native' && d.hostPath, join(dirs.rootfs, 'usr/bin/printer'));
    assert.deepEqual(d.kind === 'native' && d.argv, ['/usr/bin/printer', '-x', '/opt/run.sh', 'arg']);
    // The native interpreter really receives the guest path, never the RootFS's host path.
    assert.deepEqual(runNative(d), ['/usr/bin/printer', '-x', '/opt/run.sh', 'arg']);
    // A script in the bypassed home whose interpreter (a symlink) leads into the RootFS.
    const home = decideExec(r.process, '/home/user/bin/tool.sh', { policy });
    assert.deepEqual(runNative(home), ['/usr/bin/env-link', '/home/user/bin/tool.sh']);
    // An interpreter of another machine: the script runs under the emulator.
    const arm = decideExec(r.process, '/opt/arm.sh', { policy });
    assert.equal(arm.kind, 'emulated');
    assert.deepEqual(arm.kind === 'emulated' && arm.argv, ['/usr/bin/arm64tool', '/opt/arm.sh']);
  });
});

test('a native program the guest wrote into a tmpfs upper has no host path; a host-directory upper gives it one', { skip }, () => {
  const p = programs as Programs;
  const bytes = readFileSync(p.printer);
  const write = (g: Process): void => {
    g.mkdirat(AT_FDCWD, '/usr/local', 0o755);
    const fd = g.openat(AT_FDCWD, '/usr/local/printer', O_CREAT | O_WRONLY, 0o755);
    g.write(fd, bytes);
    g.close(fd);
  };
  withPrograms({}, () => undefined, (r, policy) => {
    write(r.process);
    const d = decideExec(r.process, '/usr/local/printer', { policy });
    assert.equal(d.kind === 'refused' && d.code, 'ENOEXEC');
  });
  const upperDir = mkdtempSync(join(tmpdir(), 'vroot-rootfs-upper-'));
  try {
    withPrograms({ upper: upperDir }, () => undefined, (r, policy) => {
      write(r.process);
      const d = decideExec(r.process, '/usr/local/printer', { policy, argv: ['printer', 'from the upper'] });
      assert.equal(d.kind === 'native' && d.hostPath, join(upperDir, 'usr/local/printer'));
      assert.deepEqual(runNative(d), ['printer', 'from the upper']);
    });
  } finally {
    rmSync(upperDir, { recursive: true, force: true });
  }
});

