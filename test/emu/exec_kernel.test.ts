// Differential test of exec decisions against the real kernel: generated `#!` scripts, nested
// interpreters, permissions, noexec mounts and execveat descriptors are executed by Linux (in a
// chroot, through test/emu/fixtures/exec_oracle.py) with a compiled program that prints its argv
// and AT_EXECFN as the final interpreter; vroot decides the same execs over a copy of the tree.
// VROOT_EXEC_CASES sets the number of generated cases (default 400); VROOT_SEED the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AT_FDCWD, O_CLOEXEC, O_RDONLY, Tmpfs, VirtualFileSystem, BINPRM_MAX_DEPTH, decideExec, elfMachineOfArch, mappedNativePolicy, type ExecDecision,
} from '../../src/mod.js';
import { copyHostTree } from './_host_tree.js';
import { Prng, testSeed } from './_prng.js';

const fixtures = fileURLToPath(new URL('../../../test/emu/fixtures/', import.meta.url));
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const hex = (s: string): string => latin1(s).toString('hex');

interface Case {
  cwd: string;
  path: string;
  argv: string[];
  uid?: number;
  dirfd?: string;
  fdnum?: number;
  cloexec?: boolean;
  flags?: number;
  /** What the case is, for failure messages. */
  note: string;
}

interface KernelResult {
  errno?: number;
  out?: string;
}

/** The interpreters every script may name; most reach the argv printer. */
function interpreterChoice(rng: Prng): string {
  if (rng.chance(0.55)) return rng.pick(['/bin/p', '/bin/p', '/bin/pl', '/bin/pabs', 'bin/p', '/bin/./p', '//bin//p']);
  if (rng.chance(0.3)) {
    // Long but valid paths, to put the interpreter's end near the 256-byte buffer's end.
    const k = rng.int(200, 260);
    return rng.chance(0.5) ? `/bin${'/'.repeat(k)}p` : `/bin/${'./'.repeat(k >> 1)}p`;
  }
  return rng.pick(['/bin/p0744', '/bin/p0644', '/bin/p0711', '/noexec/p', '/bin/dir', '/bin/dir/', '/bin/missing',
    '/bin/p/x', '/bin/loop', '/bin/text', '/bin/empty', '/bin/foreign', '/bin/obj', '/bin/short', 'p', '']);
}

function blanks(rng: Prng): string {
  const r = rng.next();
  if (r < 0.35) return '';
  if (r < 0.6) return ' ';
  if (r < 0.7) return '\t';
  if (r < 0.85) return rng.pick([' \t ', '  ', '\t\t', ' \t\t  ']);
  return ' '.repeat(rng.int(1, 300));
}

function argument(rng: Prng): string {
  const words = ['-x', 'a', 'b=c', '--long', '\r', '\u00fc', '#', '\\', '"q"', "'s'", '-', 'x'.repeat(rng.int(1, 300))];
  let s = rng.pick(words);
  const n = rng.int(0, 3);
  for (let i = 0; i < n; i++) s += rng.pick([' ', '\t', '  ', ' \t']) + rng.pick(words);
  return s;
}

/** A `#!` line (and what follows it) naming `interp`. */
function scriptText(rng: Prng, interp: string): string {
  let s = '#!' + blanks(rng) + interp;
  if (rng.chance(0.5)) s += rng.pick([' ', '\t', '  \t']) + argument(rng);
  s += blanks(rng);
  if (rng.chance(0.25)) {
    // Pad the line to a length around the 256-byte buffer's end.
    const target = rng.int(248, 264);
    if (s.length < target) s += rng.pick(['y', ' ', '\t']).repeat(target - s.length);
  }
  const end = rng.next();
  if (end < 0.6) s += '\n' + rng.pick(['', 'echo body\n', '\u0000\u0001binary']);
  else if (end < 0.75) s += '\r\n';
  else if (end < 0.9) s += '';
  else s += '\n\n';
  if (rng.chance(0.08)) {
    const at = rng.int(2, Math.max(2, s.length));
    s = s.slice(0, at) + '\u0000' + s.slice(at);
  }
  if (rng.chance(0.04)) s = rng.pick(['#', '!#', '# !', '#!']) + s.slice(2);
  return s;
}

/** Fixed scripts at the edges of binfmt_script's rules. */
const EDGE_SCRIPTS = [
  '#!', '#! ', '#!\n', '#!\t\n', '#!\u0000', '#! \u0000/bin/p\n', '#!/bin/p', '#!/bin/p ', '#!/bin/p \u0000x\n',
  '#!/bin/p\u0000 x\n', '#! /bin/p a b\tc \n', '#!/bin/p\r\n', `#!${' '.repeat(254)}/bin/p\n`, `#!/bin/p ${'a'.repeat(300)}`,
  `#!${' '.repeat(300)}`, `#!/bin${'/'.repeat(249)}p`, `#!/bin${'/'.repeat(250)}p`, `#!/bin${'/'.repeat(248)}p `,
  `#!/bin${'/'.repeat(249)}p\n`, `#!/bin${'/'.repeat(248)}p\t`, `#!/bin/p ${' '.repeat(246)}x`,
];

const MODES = [0o755, 0o755, 0o755, 0o744, 0o711, 0o700, 0o644, 0o000];

function buildTree(root: string, printer: string, rng: Prng, count: number): Case[] {
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(printer, join(bin, 'p'));
  chmodSync(join(bin, 'p'), 0o755);
  for (const [name, mode] of [['p0744', 0o744], ['p0644', 0o644], ['p0711', 0o711]] as const) {
    copyFileSync(printer, join(bin, name));
    chmodSync(join(bin, name), mode);
  }
  symlinkSync('p', join(bin, 'pl'));
  symlinkSync('/bin/p', join(bin, 'pabs'));
  symlinkSync('loop', join(bin, 'loop'));
  mkdirSync(join(bin, 'dir'));
  writeFileSync(join(bin, 'text'), 'echo not a script\n', { mode: 0o755 });
  writeFileSync(join(bin, 'empty'), '', { mode: 0o755 });
  const elf = readFileSync(printer);
  const foreign = Buffer.from(elf);
  foreign.writeUInt16LE(183, 18); // EM_AARCH64
  writeFileSync(join(bin, 'foreign'), foreign, { mode: 0o755 });
  const obj = Buffer.from(elf);
  obj.writeUInt16LE(1, 16); // ET_REL
  writeFileSync(join(bin, 'obj'), obj, { mode: 0o755 });
  writeFileSync(join(bin, 'short'), elf.subarray(0, 40), { mode: 0o755 });
  mkdirSync(join(root, 'noexec'));
  copyFileSync(printer, join(root, 'noexec', 'p'));
  chmodSync(join(root, 'noexec', 'p'), 0o755);
  mkdirSync(join(root, 'c'));

  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const dir = `/c/${i}`;
    mkdirSync(join(root, dir));
    const edge = i < EDGE_SCRIPTS.length ? EDGE_SCRIPTS[i]! : null;
    const depth = edge !== null ? 1 : rng.chance(0.2) ? rng.int(2, 8) : rng.chance(0.1) ? 0 : 1;
    for (let d = 0; d < depth; d++) {
      const last = d === depth - 1;
      const interp = last ? interpreterChoice(rng) : `${dir}/s${d + 1}`;
      const text = edge ?? scriptText(rng, interp);
      writeFileSync(join(root, dir, `s${d}`), latin1(text), { mode: 0o755 });
      chmodSync(join(root, dir, `s${d}`), edge === null && rng.chance(0.1) ? rng.pick(MODES) : 0o755);
    }
    if (depth > 0) symlinkSync('s0', join(root, dir, 'link'));
    const argv: string[] = [];
    const argc = rng.int(0, 3);
    for (let k = 0; k < argc; k++) argv.push(rng.pick(['', 'a0', 'b c', '\t', '-x', '\u00c3\u00bc']));
    const c: Case = { cwd: '/', path: `${dir}/s0`, argv, note: `case ${i} depth ${depth}` };
    if (depth === 0) c.path = interpreterChoice(rng);
    const how = rng.next();
    if (depth > 0 && how < 0.1) c.path = `c/${i}/s0`;
    else if (depth > 0 && how < 0.2) { c.cwd = dir; c.path = 's0'; }
    else if (depth > 0 && how < 0.25) c.path = `${dir}/link`;
    else if (depth > 0 && how < 0.28) c.path = `${dir}/s0/`;
    else if (depth > 0 && how < 0.3) c.path = dir;
    else if (depth > 0 && how < 0.4) {
      c.dirfd = dir;
      c.fdnum = rng.int(5, 40);
      c.cloexec = rng.chance(0.5);
      c.path = rng.chance(0.8) ? 's0' : `${dir}/s0`;
    } else if (depth > 0 && how < 0.45) {
      // fexecve: execveat(fd, "", AT_EMPTY_PATH) on the script itself.
      c.dirfd = `${dir}/s0`;
      c.fdnum = rng.int(5, 40);
      c.cloexec = rng.chance(0.5);
      c.path = '';
      c.flags = 0x1000;
    }
    if (rng.chance(0.12) && c.flags === undefined) c.uid = 1000;
    cases.push(c);
  }
  return cases;
}

/** Compiles the argv printer; returns why it could not, or null. */
function buildPrinter(out: string): string | null {
  if (process.arch !== 'x64') return 'the argv printer is x86-64 code';
  const cc = spawnSync('clang', ['-nostdlib', '-static', '-fuse-ld=lld', '-O2', '-fno-stack-protector', '-o', out,
    join(fixtures, 'argv_printer.c')], { encoding: 'utf8' });
  if (cc.error !== undefined || cc.status !== 0) return `clang failed: ${cc.error?.message ?? cc.stderr}`;
  return null;
}

function describe(d: ExecDecision): string {
  if (d.kind === 'refused') return `refused ${d.code}`;
  return `${d.kind} argv=${JSON.stringify(d.argv.map(hex))} execfn=${hex(d.execfn)}`;
}

test('exec decisions match the kernel on generated #! scripts', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root for chroot and mount namespaces');
  const machine = elfMachineOfArch(process.arch);
  if (machine === null) return t.skip(`unknown host architecture ${process.arch}`);
  const scratch = mkdtempSync(join(tmpdir(), 'vroot-exec-'));
  try {
    const printer = join(scratch, 'printer');
    const why = buildPrinter(printer);
    if (why !== null) return t.skip(why);
    const root = join(scratch, 'root');
    mkdirSync(root);
    const seed = testSeed(0x5eb1);
    const count = Number(process.env['VROOT_EXEC_CASES'] ?? 400);
    const cases = buildTree(root, printer, new Prng(seed), count);

    const oracle = spawnSync('python3', [join(fixtures, 'exec_oracle.py')], {
      input: JSON.stringify({
        root, noexec: ['noexec'],
        cases: cases.map((c) => ({ ...c, cwd: hex(c.cwd), path: hex(c.path), argv: c.argv.map(hex), dirfd: c.dirfd === undefined ? undefined : hex(c.dirfd) })),
      }),
      encoding: 'utf8', maxBuffer: 1 << 28,
    });
    assert.equal(oracle.status, 0, oracle.stderr);
    const kernel = JSON.parse(oracle.stdout) as KernelResult[];
    assert.equal(kernel.length, cases.length);

    const vfs = new VirtualFileSystem();
    vfs.mount(new Tmpfs(), '/');
    const admin = vfs.createProcess();
    copyHostTree(admin, root, '/', (name) => name === 'noexec');
    admin.mkdirat(AT_FDCWD, '/noexec', 0o755);
    vfs.mount(new Tmpfs(), '/noexec', { noexec: true });
    copyHostTree(admin, join(root, 'noexec'), '/noexec');
    const policy = mappedNativePolicy({ native: [{ format: 'elf', machine }], hostPaths: [{ guest: '/', host: root }] });
    const printerBytes = readFileSync(printer);

    const failures: string[] = [];
    const tally = { ran: 0, refused: new Map<string, number>(), tooDeep: 0, fexecve: 0 };
    cases.forEach((c, i) => {
      const k = kernel[i]!;
      const p = vfs.createProcess({ cwd: c.cwd, ...(c.uid === undefined ? {} : { cred: { uid: c.uid, gid: c.uid } }) });
      let dirfd = AT_FDCWD;
      if (c.dirfd !== undefined) {
        const fd = p.openat(AT_FDCWD, c.dirfd, O_RDONLY);
        dirfd = p.dup3(fd, c.fdnum!, c.cloexec ? O_CLOEXEC : 0);
        p.close(fd);
      }
      const d = decideExec(p, latin1(c.path), {
        policy, argv: c.argv.map(latin1), dirfd, ...(c.flags === undefined ? {} : { flags: c.flags }),
      });
      p.exit();
      let mismatch: string | null = null;
      if (c.note.endsWith(`depth ${BINPRM_MAX_DEPTH + 1}`) && k.errno === 40) tally.tooDeep++;
      if (c.flags !== undefined && k.out !== undefined) tally.fexecve++;
      if (k.errno !== undefined) {
        tally.refused.set(String(k.errno), (tally.refused.get(String(k.errno)) ?? 0) + 1);
        if (d.kind !== 'refused' || d.errno !== k.errno) mismatch = `kernel errno ${k.errno}, vroot ${describe(d)}`;
      } else {
        tally.ran++;
        const out = JSON.parse(k.out!) as { argv: string[]; execfn: string };
        if (d.kind !== 'native') mismatch = `kernel ran ${JSON.stringify(out)}, vroot ${describe(d)}`;
        else if (JSON.stringify(d.argv.map(hex)) !== JSON.stringify(out.argv) || hex(d.execfn) !== out.execfn) {
          mismatch = `kernel ran ${JSON.stringify(out)}, vroot ${describe(d)}`;
        } else if (!readFileSync(latin1(d.hostPath)).equals(printerBytes)) {
          mismatch = `vroot's host path ${d.hostPath} is not the printer`;
        }
      }
      if (mismatch !== null) {
        const script = c.path.includes('/c/') || c.cwd !== '/' ? readFileSync(join(root, `c/${i}/s0`)).toString('hex') : '';
        failures.push(`${c.note} path=${JSON.stringify(c.path)} cwd=${c.cwd} uid=${c.uid ?? 0} dirfd=${c.dirfd ?? '-'}` +
          ` cloexec=${c.cloexec ?? '-'} s0=${script}: ${mismatch}`);
      }
    });
    t.diagnostic(`seed ${seed}: ${cases.length} cases, ${tally.ran} ran the printer (${tally.fexecve} by fexecve), ` +
      `refusals ${JSON.stringify(Object.fromEntries(tally.refused))}, ${tally.tooDeep} at the depth limit`);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${cases.length} cases differ (seed ${seed})`);
    // The generator must reach both outcomes in quantity, or the comparison proves little.
    assert.ok(tally.ran > cases.length / 4, `only ${tally.ran} cases ran`);
    for (const e of [2, 8, 13, 40, 20]) assert.ok(tally.refused.has(String(e)), `no case refused with errno ${e}`);
    assert.ok(tally.tooDeep > 0, 'no chain of 6 scripts reached the depth limit');
    assert.ok(tally.fexecve > 0, 'no script ran through execveat(AT_EMPTY_PATH)');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('ELF program interpreter rules match the kernel', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root for chroot and mount namespaces');
  const scratch = mkdtempSync(join(tmpdir(), 'vroot-interp-'));
  try {
    const printer = join(scratch, 'printer');
    const src = join(scratch, 'm.c');
    writeFileSync(src, 'int main(void) { return 0; }\n');
    const why = buildPrinter(printer);
    if (why !== null) return t.skip(why);
    const root = join(scratch, 'root');
    const dir = join(root, 'i');
    mkdirSync(dir, { recursive: true });
    const link = (triple: string, interp: string, out: string, relocatable = false): void => {
      const args = relocatable ? [`--target=${triple}`, '-c', src, '-o', out]
        : [`--target=${triple}`, '-fuse-ld=lld', '-nostdlib', `-Wl,--dynamic-linker=${interp}`, '-Wl,-e,main', '-o', out, src];
      const r = spawnSync('clang', args, { encoding: 'utf8' });
      if (r.error !== undefined || r.status !== 0) throw new Error(`clang: ${r.error?.message ?? r.stderr}`);
    };
    const interps: Record<string, () => void> = {
      printer: () => copyFileSync(printer, join(dir, 'printer')),
      link: () => symlinkSync('printer', join(dir, 'link')),
      text: () => writeFileSync(join(dir, 'text'), 'x'.repeat(100), { mode: 0o755 }),
      short: () => writeFileSync(join(dir, 'short'), readFileSync(printer).subarray(0, 40), { mode: 0o755 }),
      script: () => writeFileSync(join(dir, 'script'), `#!/i/printer\n${'#'.repeat(80)}\n`, { mode: 0o755 }),
      arm64: () => link('aarch64-linux-gnu', '/x', join(dir, 'arm64')),
      i386: () => link('i386-linux-gnu', '/x', join(dir, 'i386')),
      obj: () => link('x86_64-linux-gnu', '', join(dir, 'obj'), true),
      dir: () => mkdirSync(join(dir, 'dir')),
      nox: () => { copyFileSync(printer, join(dir, 'nox')); chmodSync(join(dir, 'nox'), 0o644); },
      missing: () => undefined,
    };
    try {
      for (const make of Object.values(interps)) make();
      chmodSync(join(dir, 'printer'), 0o755);
      chmodSync(join(dir, 'obj'), 0o755);
      for (const name of Object.keys(interps)) link('x86_64-linux-gnu', `/i/${name}`, join(root, `prog-${name}`));
      link('x86_64-linux-gnu', 'i/printer', join(root, 'prog-relative'));
    } catch (e) {
      return t.skip(`cannot build test programs: ${(e as Error).message}`);
    }
    const cases: Case[] = [];
    for (const name of [...Object.keys(interps), 'relative']) {
      for (const cwd of ['/', '/i']) cases.push({ cwd, path: `/prog-${name}`, argv: ['prog', name], note: `PT_INTERP ${name} cwd ${cwd}` });
    }
    const oracle = spawnSync('python3', [join(fixtures, 'exec_oracle.py')], {
      input: JSON.stringify({ root, noexec: [], cases: cases.map((c) => ({ ...c, cwd: hex(c.cwd), path: hex(c.path), argv: c.argv.map(hex) })) }),
      encoding: 'utf8',
    });
    assert.equal(oracle.status, 0, oracle.stderr);
    const kernel = JSON.parse(oracle.stdout) as KernelResult[];

    const vfs = new VirtualFileSystem();
    vfs.mount(new Tmpfs(), '/');
    copyHostTree(vfs.createProcess(), root, '/');
    // The kernel runs these natively; vroot is asked to emulate them, which applies the same
    // PT_INTERP rules inside the guest root.
    const policy = mappedNativePolicy({ native: [], emulated: [{ format: 'elf', machine: 62 }], hostPaths: [] });
    const outcomes = new Set<string>();
    cases.forEach((c, i) => {
      const k = kernel[i]!;
      const d = decideExec(vfs.createProcess({ cwd: c.cwd }), c.path, { policy, argv: c.argv });
      if (k.errno !== undefined) {
        outcomes.add(String(k.errno));
        assert.equal(d.kind === 'refused' ? d.errno : describe(d), k.errno, c.note);
      } else {
        outcomes.add('ran');
        const out = JSON.parse(k.out!) as { argv: string[] };
        assert.equal(d.kind, 'emulated', `${c.note}: kernel ran it, vroot ${describe(d)}`);
        assert.deepEqual(d.kind === 'emulated' && d.argv.map(hex), out.argv, c.note);
      }
    });
    t.diagnostic(`${cases.length} cases, outcomes ${[...outcomes].sort().join(' ')}`);
    // ran, ENOENT, EIO, EACCES, ELIBBAD must all occur.
    assert.deepEqual([...outcomes].sort(), ['13', '2', '5', '80', 'ran']);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
