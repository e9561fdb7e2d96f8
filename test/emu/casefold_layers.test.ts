// Case-insensitive lookup beyond tmpfs: EROFS images opened with `casefold`, host directories
// served by HostFs with `casefold`, and overlays of casefolded layers, each checked against
// vroot's casefold tmpfs (the reference, which replays the kernel's ext4 answers) on generated
// trees of names that fold in the hard ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, casefoldKey, Erofs, MemorySink, O_APPEND, O_CREAT, O_TRUNC, O_WRONLY, Overlay, ProcessTreeSource, Tmpfs,
  VirtualFileSystem, writeErofs, type Process,
} from '../../src/mod.js';
import { code } from '../_errno.js';
import { Prng, testSeed } from './_prng.js';
import {
  answer, applyChange, compareAnswers, copyTreeToHost, makeTree, pathBytes, queries, randomChange, referenceRoot, spellings,
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

type HostFsClass = typeof import('../../src/node/mod.js').HostFs;

/** The HostFs class, or why it cannot serve here (its addon is not built). */
async function hostFsOrReason(): Promise<HostFsClass | string> {
  try {
    const { HostFs } = await import('../../src/node/mod.js');
    new HostFs(HOST_SCRATCH, { readOnly: true });
    return HostFs;
  } catch (e) {
    return `HostFs is unavailable here: ${(e as Error).message}`;
  }
}

test(`HostFs with casefold over a case-sensitive host directory answers as casefold tmpfs (${CASES} trees, generated changes, host changes)`, async (t) => {
  const HostFs = await hostFsOrReason();
  if (typeof HostFs === 'string') return t.skip(HostFs);
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
  const HostFs = await hostFsOrReason();
  if (typeof HostFs === 'string') return t.skip(HostFs);
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

/** Runs generated changes through `got` and the reference; returns how many were made. */
function changeBoth(ref: Process, got: Process, r: Prng, pool: string[], count: number, what: string, skipDirRenames: boolean): number {
  let made = 0;
  for (let i = 0; i < count; i++) {
    const change = randomChange(r, pool);
    // Renaming a lower or merged directory is EXDEV through an overlay (redirect_dir=off).
    if (skipDirRenames && change.op === 'rename' && answer(ref, change.a).startsWith('dir')) continue;
    const want = applyChange(ref, change);
    assert.equal(applyChange(got, change), want, `${what} change ${i}: ${JSON.stringify(change)}`);
    if (want === 'OK' && change.op !== 'unlink' && change.op !== 'rmdir') pool.push((change.op === 'rename' ? change.b : change.a).slice(3));
    made++;
  }
  return made;
}

test(`Overlay of casefolded layers (EROFS and tmpfs lowers, tmpfs upper) answers as one casefold tmpfs (${CASES} trees, generated changes)`, (t) => {
  let compared = 0;
  let changes = 0;
  for (let c = 0; c < CASES; c++) {
    const r = new Prng(SEED + 2000 + c);
    const ref = referenceRoot();
    const tree = makeTree(ref, r, 16);
    // The bottom layer: an image of the tree; a middle layer: a casefold tmpfs that re-spells
    // some names of the tree in another case, with other contents the reference gets too.
    const sink = new MemorySink();
    writeErofs(new ProcessTreeSource(ref, '/'), sink);
    const middle = new Tmpfs({ casefold: true });
    const mid = new VirtualFileSystem();
    mid.mount(middle, '/');
    const m = mid.createProcess();
    m.mkdirat(AT_FDCWD, '/d', 0o755);
    for (const name of tree.dirs.get('/d')!) {
      if (tree.dirs.has(`/d/${name}`) || !r.chance(0.3)) continue;
      // Another spelling of the same name (case mapping may change the fold: ı to I, say).
      const others = spellings(name).filter((sp) => casefoldKey(sp) === casefoldKey(name));
      const respelled = r.pick(others);
      const text = `/d/${respelled} (middle)`;
      for (const p of [m, ref]) {
        if (p === ref) p.unlinkat(AT_FDCWD, pathBytes(`/d/${name}`), 0);
        const fd = p.openat(AT_FDCWD, pathBytes(`/d/${respelled}`), O_CREAT | O_WRONLY, 0o644);
        p.write(fd, pathBytes(text));
        p.close(fd);
      }
    }
    const vfs = new VirtualFileSystem();
    vfs.mount(new Overlay({ lowers: [middle, Erofs.open(sink.bytes(), { casefold: true })], upper: new Tmpfs({ casefold: true }) }), '/');
    const got = vfs.createProcess();
    const what = `seed ${SEED + 2000 + c}`;
    compared += compareAnswers(ref, got, queries(tree, r), what, true);
    const pool = [...tree.dirs.get('/d')!];
    changes += changeBoth(ref, got, r, pool, 16, what, true);
    compared += compareAnswers(ref, got, ['/d', ...pool.flatMap((n) => spellings(`/d/${n}`))], `${what} after changes`, true);
  }
  assert.ok(compared > CASES * 40, `${compared} queries compared`);
  t.diagnostic(`${compared} queries compared, ${changes} changes made both ways`);
});

test('Overlay casefold: the topmost spelling shows, copy-up and whiteouts keep the spellings the layers hold', () => {
  const lowerFs = new Tmpfs({ casefold: true });
  const lv = new VirtualFileSystem();
  lv.mount(lowerFs, '/');
  const l = lv.createProcess();
  for (const [path, text] of [['/Makefile', 'lower make'], ['/Docs', null], ['/Docs/Guide.txt', 'guide'], ['/keep', 'k']] as const) {
    if (text === null) l.mkdirat(AT_FDCWD, path, 0o755);
    else writeAll(l, path, text);
  }
  const upperFs = new Tmpfs({ casefold: true });
  const uv = new VirtualFileSystem();
  uv.mount(upperFs, '/');
  const u = uv.createProcess();
  u.mkdirat(AT_FDCWD, '/DOCS', 0o755);
  writeAll(u, '/DOCS/extra', 'e');
  const vfs = new VirtualFileSystem();
  vfs.mount(new Overlay({ lowers: [lowerFs], upper: upperFs }), '/');
  const p = vfs.createProcess();
  assert.equal(answer(p, '/'), 'dir ["DOCS","Makefile","keep"]', 'one entry per folded name, the topmost spelling');
  assert.equal(answer(p, '/docs'), 'dir ["Guide.txt","extra"]', 'a merged directory through any spelling');
  assert.equal(answer(p, '/MAKEFILE'), 'file lower make');
  // A write through another spelling copies the file up under the lower's spelling.
  const fd = p.openat(AT_FDCWD, '/MAKEFILE', O_WRONLY | O_APPEND);
  p.write(fd, pathBytes('!'));
  p.close(fd);
  assert.equal(answer(u, '/'), 'dir ["DOCS","Makefile"]');
  assert.equal(answer(p, '/makefile'), 'file lower make!');
  // Removing through another spelling leaves a whiteout of the stored spelling; creating again
  // over it keeps that spelling (the upper updates the found entry in place, as ext4 does).
  p.unlinkat(AT_FDCWD, '/KEEP', 0);
  assert.equal(answer(p, '/keep'), 'ENOENT');
  assert.equal(answer(p, '/'), 'dir ["DOCS","Makefile"]');
  assert.equal(code(() => u.fstatat(AT_FDCWD, '/keep', AT_SYMLINK_NOFOLLOW)), 'OK');
  assert.equal(u.fstatat(AT_FDCWD, '/KEEP', AT_SYMLINK_NOFOLLOW).rdev, 0, 'a whiteout (char 0:0) in the upper');
  writeAll(p, '/KEEP', 'again');
  assert.equal(answer(p, '/Keep'), 'file again');
  assert.equal(answer(p, '/'), 'dir ["DOCS","Makefile","keep"]');
  // Layers that disagree are refused.
  assert.equal(code(() => new Overlay({ lowers: [new Tmpfs()], upper: new Tmpfs({ casefold: true }) })), 'EINVAL');
  assert.equal(code(() => new Overlay({ lowers: [new Tmpfs()], upper: new Tmpfs(), casefold: true })), 'EINVAL');
});

function writeAll(p: Process, path: string, text: string): void {
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, 0o644);
  p.write(fd, pathBytes(text));
  p.close(fd);
}

test('Overlay casefold over a HostFs upper: whiteouts and re-creations use the host spelling', async (t) => {
  const HostFs = await hostFsOrReason();
  if (typeof HostFs === 'string') return t.skip(HostFs);
  if (process.geteuid?.() !== 0) return t.skip('whiteouts on a host directory need mknod (root)');
  const stage = referenceRoot();
  writeAll(stage, '/Keep', 'lower');
  writeAll(stage, '/Other', 'o');
  const sink = new MemorySink();
  writeErofs(new ProcessTreeSource(stage, '/'), sink);
  const dir = mkdtempSync(join(HOST_SCRATCH, 'vroot-casefold-'));
  try {
    const vfs = new VirtualFileSystem();
    vfs.mount(new Overlay({ lowers: [Erofs.open(sink.bytes(), { casefold: true })], upper: new HostFs(dir, { casefold: true }) }), '/');
    const p = vfs.createProcess();
    p.unlinkat(AT_FDCWD, '/KEEP', 0);
    assert.deepEqual(readdirSync(dir), ['Keep'], 'the whiteout has the lower spelling');
    assert.ok(lstatSync(join(dir, 'Keep')).isCharacterDevice());
    writeAll(p, '/keep', 'again');
    assert.deepEqual(readdirSync(dir), ['Keep'], 'created over the whiteout under its spelling');
    assert.equal(readFileSync(join(dir, 'Keep'), 'utf8'), 'again');
    p.renameat2(AT_FDCWD, '/other', AT_FDCWD, '/KEEP', 0);
    assert.deepEqual(readdirSync(dir).sort(), ['Keep', 'Other'], 'renamed over the upper entry by its spelling; a whiteout left for the lower name');
    assert.equal(readFileSync(join(dir, 'Keep'), 'utf8'), 'o');
    assert.equal(answer(p, '/'), 'dir ["Keep"]');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
