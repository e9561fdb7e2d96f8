// The filesystem probe (test/wasi/programs/fsprobe.c) run natively — as root, chrooted on a
// fresh kernel tmpfs, or on a kernel overlay of a loop-mounted EROFS image — and under vroot's
// WASI host on tmpfs, hostfs and an overlay of an EROFS image: the transcripts must be
// byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Wasm, type WasmModule } from '../../src/wasi/wasm_api.js';
import { ROOT_SETUPS, runGuest } from './_guest.js';
import { buildNative, buildWasm, nativeLayoutProblem, nativeOracleProblem, runNative, wasmToolchainProblem } from './_toolchain.js';

const problem = wasmToolchainProblem() ?? nativeOracleProblem();
let module: WasmModule | undefined;
let native: string | undefined;

async function setup(): Promise<{ module: WasmModule; native: string }> {
  module ??= await Wasm.compile(readFileSync(buildWasm('fsprobe')));
  native ??= buildNative('fsprobe');
  return { module, native };
}

/** The first differing line of two transcripts, for a readable failure. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}:\n  native: ${x[i]}\n  vroot:  ${y[i]}`;
  }
  return 'no difference';
}

function text(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

for (const root of ROOT_SETUPS) {
  test(`fsprobe all: native chroot on kernel ${root.native} and vroot ${root.name} print the same transcript`, async (t) => {
    const why = problem ?? nativeLayoutProblem(root.native);
    if (why !== null) return t.skip(why);
    const { module, native } = await setup();
    const want = runNative(native, ['all'], root.native);
    assert.equal(want.status, 0);
    const wantText = text(want.stdout);
    assert.match(wantText, /^== done$/m, 'the native run completed');
    assert.ok(wantText.split('\n').length > 300);
    const sandbox = root.make();
    const got = await runGuest(module, ['all'], sandbox).finally(() => sandbox.cleanup?.());
    assert.equal(got.status, 0, got.stderr);
    const gotText = text(got.stdout);
    assert.ok(gotText === wantText, firstDifference(wantText, gotText));
  });

  test(`fsprobe random: generated operations agree with the kernel on vroot ${root.name} (16 seeds x 400 ops)`, async (t) => {
    const why = problem ?? nativeLayoutProblem(root.native);
    if (why !== null) return t.skip(why);
    const { module, native } = await setup();
    let lines = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const want = text(runNative(native, ['random', String(seed), '400'], root.native).stdout);
      const sandbox = root.make();
      const got = await runGuest(module, ['random', String(seed), '400'], sandbox).finally(() => sandbox.cleanup?.());
      assert.equal(got.status, 0, got.stderr);
      const gotText = text(got.stdout);
      assert.ok(gotText === want, `seed ${seed}: ${firstDifference(want, gotText)}`);
      lines += want.split('\n').length;
    }
    assert.ok(lines > 16 * 400, `every operation printed a line (${lines})`);
  });
}

test('fsprobe escape: symlinks to .. and / used as middle components never reach outside the preopen', async (t) => {
  if (problem !== null) return t.skip(problem);
  const { module } = await setup();
  for (const mode of ['in-root', 'beneath'] as const) {
    const root = ROOT_SETUPS[0]!.make();
    const got = await runGuest(module, ['escape'], root, { sandbox: mode });
    const out = text(got.stdout);
    const lines = out.split('\n').filter((l) => l.includes('outside-marker') && !l.startsWith('stat /outside-marker') && !l.startsWith('unlink'));
    assert.ok(lines.length >= 12, `${mode}: the escape attempts ran (${lines.length})`);
    for (const line of lines) {
      assert.match(line, mode === 'in-root' ? /-> (ENOENT|OK)$/ : /-> ENOTCAPABLE$/, `${mode}: ${line}`);
    }
    // The one create through `up3/..` lands inside the sandbox (in-root) or is refused (beneath);
    // the real marker outside is untouched either way.
    const st = root.process.fstatat(-100, '/outside-marker');
    assert.equal(st.size, 2);
    const inside = out.includes('stat /outside-marker -> reg');
    assert.equal(inside, mode === 'in-root');
  }
});

test('fsprobe all in beneath mode: only the paths that leave the preopen differ, with ENOTCAPABLE', async (t) => {
  if (problem !== null) return t.skip(problem);
  const { module, native } = await setup();
  const want = text(runNative(native, ['all']).stdout).split('\n');
  const got = text((await runGuest(module, ['all'], ROOT_SETUPS[0]!.make(), { sandbox: 'beneath' })).stdout).split('\n');
  assert.equal(got.length, want.length);
  const differing: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (want[i] === got[i]) continue;
    const label = want[i]!.slice(0, want[i]!.lastIndexOf(' -> '));
    assert.equal(got[i]!.slice(0, got[i]!.lastIndexOf(' -> ')), label);
    differing.push(got[i]!);
  }
  // Absolute symlinks (b/abs, b/root), `..` above the preopen (up2, deepup, esc/up3, /..) and the
  // create through up3/.. (refused, so the marker checks after it find nothing).
  const expected = [
    'cat b/abs/../t', 'cat b/root/p/t', 'cat b/root/../p/t', 'cat b/root/../../p/a/t',
    'stat /p/up2/p', 'stat /p/up2/outside-marker', 'stat /p/up2/../outside-marker', 'stat /p/slash/outside-marker',
    'stat /p/slash/../outside-marker', 'stat /p/deepup/outside-marker', 'stat /p/deepup/p/esc',
    'stat /p/slashdotdot/outside-marker', 'stat /p/esc/up3/outside-marker', 'stat /p/esc/up3/p/esc/up3/p',
    'stat /../outside-marker', 'stat /p/../../outside-marker', 'fstatat esc ../../outside-marker',
    'fstatat esc up3/outside-marker', 'openat esc up3/../outside-marker O_CREAT', 'stat /outside-marker',
    'unlink /outside-marker', 'cat /p/slash/p/up/p/esc/up3/p/t',
  ];
  assert.deepEqual(differing.map((l) => l.slice(0, l.lastIndexOf(' -> '))), expected);
  for (const l of differing) {
    assert.match(l, l.startsWith('stat /outside-marker') || l.startsWith('unlink /outside-marker') ? /-> ENOENT$/ : /-> ENOTCAPABLE$/);
  }
});
