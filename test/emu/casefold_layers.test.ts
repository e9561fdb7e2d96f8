// Case-insensitive lookup beyond tmpfs: EROFS images opened with `casefold`, host directories
// served by HostFs with `casefold`, and overlays of casefolded layers, each checked against
// vroot's casefold tmpfs (the reference, which replays the kernel's ext4 answers) on generated
// trees of names that fold in the hard ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AT_FDCWD, Erofs, MemorySink, ProcessTreeSource, VirtualFileSystem, writeErofs } from '../../src/mod.js';
import { code } from '../_errno.js';
import { Prng, testSeed } from './_prng.js';
import {
  answer, applyChange, compareAnswers, copyTreeToHost, makeTree, queries, randomChange, referenceRoot, spellings,
} from './_casefold_model.js';

const SEED = testSeed(0xcf01);
const CASES = Number(process.env['VROOT_CASEFOLD_LAYER_CASES'] ?? 40);

test(`EROFS with casefold answers as the casefold tmpfs it was written from (${CASES} generated trees)`, (t) => {
  let compared = 0;
  for (let c = 0; c < CASES; c++) {
    const r = new Prng(SEED + c);
    const ref = referenceRoot();
    const tree = makeTree(ref, r, 24);
    const sink = new MemorySink();
    writeErofs(new ProcessTreeSource(ref, '/'), sink);
    const vfs = new VirtualFileSystem();
    vfs.mount(Erofs.open(sink.bytes(), { casefold: true }), '/');
    compared += compareAnswers(ref, vfs.createProcess(), queries(tree, r), `seed ${SEED + c}`);
  }
  assert.ok(compared > CASES * 50, `${compared} queries compared`);
  t.diagnostic(`${compared} queries compared`);
});

const HOST_SCRATCH = '/dev/shm';

test(`HostFs with casefold over a case-sensitive host directory answers as casefold tmpfs (${CASES} trees, generated changes, host changes)`, async (t) => {
  let HostFs: typeof import('../../src/node/mod.js').HostFs;
  try {
    ({ HostFs } = await import('../../src/node/mod.js'));
    new HostFs(HOST_SCRATCH, { readOnly: true });
  } catch (e) {
    return t.skip(`HostFs is unavailable here: ${(e as Error).message}`);
  }
  let compared = 0;
  let changes = 0;
  for (let c = 0; c < CASES; c++) {
    const r = new Prng(SEED + 1000 + c);
    const ref = referenceRoot();
    const tree = makeTree(ref, r, 16);
    const dir = mkdtempSync(join(HOST_SCRATCH, 'vroot-casefold-'));
    try {
      copyTreeToHost(ref, tree, dir, { mkdir: (p) => mkdirSync(p), write: (p, d) => writeFileSync(p, d) });
      const vfs = new VirtualFileSystem();
      vfs.mount(new HostFs(dir, { casefold: true }), '/');
      const got = vfs.createProcess();
      compared += compareAnswers(ref, got, queries(tree, r), `seed ${SEED + 1000 + c}`);
      // Changes through vroot: the same errno and the same view afterwards.
      const pool = [...tree.dirs.get('/d')!];
      for (let i = 0; i < 12; i++) {
        const change = randomChange(r, pool);
        const want = applyChange(ref, change);
        assert.equal(applyChange(got, change), want, `seed ${SEED + 1000 + c} change ${i}: ${JSON.stringify(change)}`);
        if (want === 'OK' && change.op !== 'unlink' && change.op !== 'rmdir') pool.push((change.op === 'rename' ? change.b : change.a).slice(3));
        changes++;
      }
      compared += compareAnswers(ref, got, ['/d', ...pool.flatMap((n) => spellings(`/d/${n}`))], `seed ${SEED + 1000 + c} after changes`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.ok(compared > CASES * 40, `${compared} queries compared`);
  t.diagnostic(`${compared} queries compared, ${changes} changes made both ways`);
});

test('HostFs with casefold sees host-side changes: new names, renames to another case, removals', async (t) => {
  let HostFs: typeof import('../../src/node/mod.js').HostFs;
  try {
    ({ HostFs } = await import('../../src/node/mod.js'));
  } catch (e) {
    return t.skip(`HostFs is unavailable here: ${(e as Error).message}`);
  }
  const dir = mkdtempSync(join(HOST_SCRATCH, 'vroot-casefold-'));
  try {
    writeFileSync(join(dir, 'Makefile'), 'one');
    const vfs = new VirtualFileSystem();
    vfs.mount(new HostFs(dir, { casefold: true }), '/');
    const p = vfs.createProcess();
    assert.equal(answer(p, '/MAKEFILE'), 'file one');
    renameSync(join(dir, 'Makefile'), join(dir, 'MAKEFILE'));
    assert.equal(answer(p, '/makefile'), 'file one', 'a rename on the host to another case is found');
    assert.equal(answer(p, '/'), 'dir ["MAKEFILE"]');
    writeFileSync(join(dir, 'Straße.txt'), 'two');
    assert.equal(answer(p, '/STRASSE.TXT'), 'file two', 'a name the host made');
    assert.equal(code(() => p.mkdirat(AT_FDCWD, '/strasse.txt', 0o755)), 'EEXIST', 'its folded twin cannot be made');
    unlinkSync(join(dir, 'Straße.txt'));
    assert.equal(answer(p, '/STRASSE.TXT'), 'ENOENT', 'a name the host removed');
    // Names that fold alike made on the host: every spelling finds the first in byte order.
    writeFileSync(join(dir, 'readme'), 'lower');
    writeFileSync(join(dir, 'README'), 'upper');
    const vfs2 = new VirtualFileSystem();
    vfs2.mount(new HostFs(dir, { casefold: true }), '/');
    const q = vfs2.createProcess();
    assert.equal(answer(q, '/readme'), 'file upper');
    assert.equal(answer(q, '/ReadMe'), 'file upper');
    assert.equal(answer(q, '/'), 'dir ["MAKEFILE","README","readme"]');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
