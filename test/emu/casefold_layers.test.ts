// Case-insensitive lookup beyond tmpfs: EROFS images opened with `casefold`, host directories
// served by HostFs with `casefold`, and overlays of casefolded layers, each checked against
// vroot's casefold tmpfs (the reference, which replays the kernel's ext4 answers) on generated
// trees of names that fold in the hard ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Erofs, MemorySink, ProcessTreeSource, VirtualFileSystem, writeErofs } from '../../src/mod.js';
import { Prng, testSeed } from './_prng.js';
import { compareAnswers, makeTree, queries, referenceRoot } from './_casefold_model.js';

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
