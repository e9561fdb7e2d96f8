// Exec decisions in a merged-RootFS layout, as an x86-64 emulator on an arm64 host sees it (the
// scenarios FEX-Emu users reported): x86-64 programs run emulated with their PT_INTERP from the
// guest root, arm64 programs run natively from their host path (also when they sit in the
// RootFS), and a script's native interpreter runs natively with the script's bare guest path.
// Uses real programs built by clang/lld at test time; the host mapping is a fixed prefix table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, CPU_TYPE_ARM64, EM_386, EM_AARCH64, EM_X86_64,
  IMAGE_FILE_MACHINE_AMD64, O_CREAT, O_PATH, O_WRONLY, Tmpfs, VirtualFileSystem, decideExec, mapGuestPath, mappedNativePolicy,
  parseShebang, parseShebangFex, type ExecDecision, type ExecOptions, type NativePolicy, type Process,
} from '../../src/mod.js';
import { buildArtifacts, type Artifacts } from './_toolchain.js';

let artifacts: Artifacts | null = null;
let skipReason = '';
const scratch = mkdtempSync(join(tmpdir(), 'vroot-decide-'));
try {
  artifacts = buildArtifacts(scratch);
} catch (e) {
  skipReason = `cannot build test programs: ${(e as Error).message}`;
}
test.after(() => rmSync(scratch, { recursive: true, force: true }));

const enc = new TextEncoder();

function put(p: Process, path: string, bytes: Uint8Array | string, mode = 0o755): void {
  const parts = path.split('/').filter((x) => x !== '');
  let dir = '';
  for (const part of parts.slice(0, -1)) {
    dir += `/${part}`;
    try {
      p.mkdirat(AT_FDCWD, dir, 0o755);
    } catch {
      // exists
    }
  }
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, mode);
  p.write(fd, typeof bytes === 'string' ? enc.encode(bytes) : bytes);
  p.close(fd);
  p.fchmodat(AT_FDCWD, path, mode);
}

function elf(triple: string, linked = true): Uint8Array {
  const a = artifacts!.elf.find((e) => e.triple === triple && e.linked === linked);
  return readFileSync(a!.file);
}

/** FEX-style policy: arm64 host, x86 guests; the RootFS is /srv/rootfs, /opt/host is the host's. */
const fexPolicy = mappedNativePolicy({
  native: [{ format: 'elf', machine: EM_AARCH64 }],
  emulated: [{ format: 'elf', machine: EM_X86_64 }, { format: 'elf', machine: EM_386 }],
  hostPaths: [{ guest: '/', host: '/srv/rootfs' }, { guest: '/opt/host', host: '/opt/host' }],
});

/** A merged guest view: RootFS files and host files side by side. */
function guestRoot(): Process {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  put(p, '/usr/bin/app', elf('x86_64-linux-gnu'));
  put(p, '/usr/lib/ld-x86_64-linux-gnu.so', elf('x86_64-linux-gnu'));
  p.symlinkat('usr/lib', AT_FDCWD, '/lib');
  put(p, '/usr/bin/app32', elf('i386-linux-gnu'));
  put(p, '/opt/tool', elf('aarch64-linux-gnu'));
  put(p, '/opt/host/python3', elf('aarch64-linux-gnu'));
  put(p, '/usr/local/bin/run.sh', '#!/opt/host/python3 -u\nprint(1)\n');
  put(p, '/usr/local/bin/emu.sh', '#!/usr/bin/app --flag\n');
  put(p, '/usr/local/bin/envpy', '#!/usr/bin/env python3 -u\n');
  put(p, '/usr/bin/env', elf('x86_64-linux-gnu'));
  return p;
}

function decide(p: Process, path: string, options: Partial<ExecOptions> = {}): ExecDecision {
  return decideExec(p, path, { policy: fexPolicy, ...options });
}

function refused(d: ExecDecision): string {
  return d.kind === 'refused' ? d.code : `not refused: ${d.kind}`;
}

test('an x86-64 program runs emulated with its PT_INTERP resolved in the guest root', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  const d = decide(p, '/usr/bin/app', { argv: ['app', '-v'] });
  assert.equal(d.kind, 'emulated');
  if (d.kind !== 'emulated') return;
  assert.deepEqual(d.argv, ['app', '-v']);
  assert.equal(d.guestPath, '/usr/bin/app');
  // PT_INTERP is /lib/ld-x86_64-linux-gnu.so; /lib is a symlink into /usr/lib.
  assert.equal(d.elfInterpreter, '/usr/lib/ld-x86_64-linux-gnu.so');
  assert.equal(d.header.format === 'elf' && d.header.machine, EM_X86_64);
});

test('a native binary inside the RootFS runs natively from its host path', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  const d = decide(p, '/opt/tool', { argv: ['tool'] });
  assert.equal(d.kind, 'native');
  if (d.kind !== 'native') return;
  assert.equal(d.hostPath, '/srv/rootfs/opt/tool');
  // Its PT_INTERP is the host kernel's business: /lib/ld-aarch64-linux-gnu.so is absent here.
  assert.deepEqual(d.argv, ['tool']);
});

test('a script whose interpreter is native runs that interpreter natively with the bare guest path', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  const d = decide(p, '/usr/local/bin/run.sh', { argv: ['run.sh', 'x'] });
  assert.equal(d.kind, 'native');
  if (d.kind !== 'native') return;
  assert.equal(d.hostPath, '/opt/host/python3');
  assert.deepEqual(d.argv, ['/opt/host/python3', '-u', '/usr/local/bin/run.sh', 'x']);
  assert.deepEqual(d.chain.map((s) => s.guestPath), ['/usr/local/bin/run.sh', '/opt/host/python3']);
});

test('a script whose interpreter is emulated runs emulated; relative paths stay as given', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  p.chdir('/usr/local');
  const d = decide(p, 'bin/emu.sh', { argv: ['emu'] });
  assert.equal(d.kind, 'emulated');
  assert.deepEqual(d.kind === 'emulated' && d.argv, ['/usr/bin/app', '--flag', 'bin/emu.sh']);
});

test('FEX splits #! arguments on spaces where Linux passes one argument', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  const linux = decide(p, '/usr/local/bin/envpy');
  const fex = decide(p, '/usr/local/bin/envpy', { shebang: 'fex' });
  assert.deepEqual(linux.kind !== 'refused' && linux.argv, ['/usr/bin/env', 'python3 -u', '/usr/local/bin/envpy']);
  assert.deepEqual(fex.kind !== 'refused' && fex.argv, ['/usr/bin/env', 'python3', '-u', '/usr/local/bin/envpy']);
  // Tabs split for Linux (its one separator run) but stay inside FEX's pieces.
  const line = enc.encode('#!/i\ta b\n');
  assert.deepEqual(parseShebang(line), { interpreter: '/i', args: ['a b'] });
  assert.deepEqual(parseShebangFex(line), { interpreter: '/i\ta', args: ['b'] });
});

test('PT_INTERP problems: missing is ENOENT, not ELF or another machine is ELIBBAD, short is EIO', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const cases: [string, Uint8Array | string | null, string][] = [
    ['missing', null, 'ENOENT'],
    ['text', 'not an ELF program interpreter, but long enough to fill an ELF header\n', 'ELIBBAD'],
    ['short text', 'not an elf\n', 'EIO'],
    ['arm64', elf('aarch64-linux-gnu'), 'ELIBBAD'],
    ['object', elf('x86_64-linux-gnu', false), 'ELIBBAD'],
    ['i386', elf('i386-linux-gnu'), 'ELIBBAD'],
    ['short', elf('x86_64-linux-gnu', false).subarray(0, 40), 'EIO'],
  ];
  for (const [name, body, code] of cases) {
    const p = guestRoot();
    p.unlinkat(AT_FDCWD, '/usr/lib/ld-x86_64-linux-gnu.so');
    if (body !== null) put(p, '/usr/lib/ld-x86_64-linux-gnu.so', body);
    assert.equal(refused(decide(p, '/usr/bin/app')), code, name);
  }
  const p = guestRoot();
  p.unlinkat(AT_FDCWD, '/usr/lib/ld-x86_64-linux-gnu.so');
  p.mkdirat(AT_FDCWD, '/usr/lib/ld-x86_64-linux-gnu.so', 0o755);
  assert.equal(refused(decide(p, '/usr/bin/app')), 'EACCES');
});

test('malformed ELF files are ENOEXEC: relocatable objects, bad program headers, bad PT_INTERP', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  put(p, '/x/obj', elf('x86_64-linux-gnu', false));
  assert.equal(refused(decide(p, '/x/obj')), 'ENOEXEC');
  const bad = Buffer.from(elf('x86_64-linux-gnu'));
  bad.writeUInt16LE(55, 54); // e_phentsize
  put(p, '/x/phent', bad);
  assert.equal(refused(decide(p, '/x/phent')), 'ENOEXEC');
  // PT_INTERP without its NUL: find the string and overwrite the terminator.
  const unterminated = Buffer.from(elf('x86_64-linux-gnu'));
  const at = unterminated.indexOf('/lib/ld-x86_64-linux-gnu.so\0');
  unterminated[at + '/lib/ld-x86_64-linux-gnu.so'.length] = 0x41;
  put(p, '/x/interp', unterminated);
  assert.equal(refused(decide(p, '/x/interp')), 'ENOEXEC');
  assert.equal(refused(decide(p, '/usr/local/bin/run.sh', { policy: { ...fexPolicy, isNative: () => false } })), 'ENOEXEC');
});

test('Mach-O, PE and wasm programs follow the policy: emulated when it says so, else ENOEXEC', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  put(p, '/Applications/tool', readFileSync(artifacts.machoArm64Exe));
  put(p, '/Applications/fat', readFileSync(artifacts.machoFat));
  put(p, '/wine/app.exe', readFileSync(artifacts.peX64));
  put(p, '/wasm/m.wasm', readFileSync(artifacts.wasm));
  for (const f of ['/Applications/tool', '/Applications/fat', '/wine/app.exe', '/wasm/m.wasm']) {
    assert.equal(refused(decide(p, f)), 'ENOEXEC', f);
  }
  const darling: NativePolicy = mappedNativePolicy({
    native: [], emulated: [{ format: 'macho', cputype: CPU_TYPE_ARM64 }, { format: 'pe', machine: IMAGE_FILE_MACHINE_AMD64 }, { format: 'wasm', layer: 0 }],
    hostPaths: [],
  });
  for (const f of ['/Applications/tool', '/Applications/fat', '/wine/app.exe', '/wasm/m.wasm']) {
    const d = decide(p, f, { policy: darling });
    assert.equal(d.kind, 'emulated', f);
  }
});

test('a native program without a host path is ENOEXEC', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  const policy = mappedNativePolicy({ native: [{ format: 'elf', machine: EM_AARCH64 }], hostPaths: [{ guest: '/usr', host: '/usr' }] });
  assert.equal(refused(decide(p, '/opt/tool', { policy })), 'ENOEXEC');
});

test('open rules: noexec, execute permission, directories, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, bad flags', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const p = guestRoot();
  p.mkdirat(AT_FDCWD, '/mnt', 0o755);
  p.vfs.mount(new Tmpfs(), '/mnt', { noexec: true });
  put(p, '/mnt/app', elf('x86_64-linux-gnu'));
  assert.equal(refused(decide(p, '/mnt/app')), 'EACCES');
  assert.equal(refused(decide(p, '/usr/bin')), 'EACCES');
  put(p, '/usr/bin/noexec-bit', elf('x86_64-linux-gnu'), 0o644);
  assert.equal(refused(decide(p, '/usr/bin/noexec-bit')), 'EACCES');
  // Execute without read permission is enough: the kernel reads the file itself.
  put(p, '/usr/bin/xonly', elf('x86_64-linux-gnu'), 0o711);
  const user = p.vfs.createProcess({ cred: { uid: 1000, gid: 1000 } });
  assert.equal(decide(user, '/usr/bin/xonly').kind, 'emulated');
  p.symlinkat('/usr/bin/app', AT_FDCWD, '/usr/bin/applink');
  assert.equal(refused(decide(p, '/usr/bin/applink', { flags: AT_SYMLINK_NOFOLLOW })), 'ELOOP');
  assert.equal(decide(p, '/usr/bin/applink').kind, 'emulated');
  assert.equal(refused(decide(p, '/usr/bin/app', { flags: 0x4 })), 'EINVAL');
  const fd = p.openat(AT_FDCWD, '/usr/bin/app', O_PATH);
  const d = decide(p, '', { dirfd: fd, flags: AT_EMPTY_PATH, argv: [] });
  assert.equal(d.kind, 'emulated');
  if (d.kind === 'emulated') {
    assert.equal(d.execfn, `/dev/fd/${fd}`);
    assert.deepEqual(d.argv, ['']);
  }
  assert.equal(refused(decide(p, '/missing/app')), 'ENOENT');
  assert.equal(refused(decide(p, '/usr/bin/app/')), 'ENOTDIR');
});

test('five nested interpreters run, a sixth is ELOOP, and an interpreter error beats ELOOP', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  for (const [n, expected] of [[5, 'emulated'], [6, 'ELOOP']] as const) {
    const p = guestRoot();
    for (let i = 0; i < n; i++) put(p, `/s/${i}`, `#!/s/${i + 1} a${i}\n`);
    put(p, `/s/${n}`, elf('x86_64-linux-gnu'));
    const d = decide(p, '/s/0');
    assert.equal(d.kind === 'refused' ? d.code : d.kind, expected, `${n} scripts`);
    if (d.kind === 'emulated') {
      assert.deepEqual(d.argv, ['/s/5', 'a4', '/s/4', 'a3', '/s/3', 'a2', '/s/2', 'a1', '/s/1', 'a0', '/s/0']);
    }
  }
  const p = guestRoot();
  for (let i = 0; i < 6; i++) put(p, `/s/${i}`, `#!/s/${i + 1}\n`);
  assert.equal(refused(decide(p, '/s/0')), 'ENOENT');
});

test('host path mapping: the longest whole-component guest prefix wins', () => {
  const m = [{ guest: '/', host: '/srv/rootfs' }, { guest: '/usr', host: '/host/usr/' }, { guest: '/usr/local', host: '/opt/local' }];
  assert.equal(mapGuestPath(m, '/usr/bin/ls'), '/host/usr/bin/ls');
  assert.equal(mapGuestPath(m, '/usr/local/bin/x'), '/opt/local/bin/x');
  assert.equal(mapGuestPath(m, '/usrx/bin'), '/srv/rootfs/usrx/bin');
  assert.equal(mapGuestPath(m, '/usr'), '/host/usr/');
  assert.equal(mapGuestPath(m, '/'), '/srv/rootfs');
  assert.equal(mapGuestPath([{ guest: '/usr', host: '/u' }], '/etc/x'), null);
});
