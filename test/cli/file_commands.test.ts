// The file commands end to end: `vroot cp-in` and `vroot cp-out` round-trip generated trees
// (modes, times, symlinks, contents; special files into the guest), and `vroot ls`, `cat`,
// `stat`, `tree` and `find` take the root options, word errors as coreutils does with their own
// name, and exit with coreutils' statuses.
process.env['TZ'] = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testSeed } from '../emu/_prng.js';
import { scratch } from '../hostfs/_scratch.js';
import { makeHostTree } from './_host_tree.js';
import { isRoot, vroot } from './_tools.js';

const SEED = testSeed(555);

/** What a copy must keep of each object below `dir`, by path (names as bytes). */
function snapshot(dir: string, timePrecisionNs: bigint): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: Buffer): void => {
    const abs = Buffer.concat([Buffer.from(dir), rel]);
    for (const name of readdirSync(abs, { encoding: 'buffer' })) {
      const r = Buffer.concat([rel, Buffer.from('/'), name]);
      const p = Buffer.concat([Buffer.from(dir), r]);
      const st = lstatSync(p, { bigint: true });
      const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : st.isFIFO() ? 'p' : st.isCharacterDevice() ? 'c' : '?';
      let extra = '';
      if (kind === 'l') extra = readlinkSync(p, { encoding: 'buffer' }).toString('latin1');
      else if (kind === 'f') extra = createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16);
      else if (kind === 'c') extra = String(st.rdev);
      const mode = kind === 'l' ? '' : (st.mode & 0o7777n).toString(8);
      // Symlink times are kept too, but a directory's mtime moves when the copy fills it.
      const mtime = kind === 'd' ? '' : String(st.mtimeNs / timePrecisionNs);
      out.set(r.toString('latin1'), `${kind} ${mode} ${kind === 'f' ? st.size : ''} ${extra} ${mtime}`);
      if (kind === 'd') walk(r);
    }
  };
  walk(Buffer.alloc(0));
  return out;
}

test('cp-in copies a generated tree into a root kept in --upper, exactly; cp-out copies it back', () => {
  const s = scratch('cp');
  const tree = makeHostTree(SEED, 60);
  try {
    const upper = join(s.dir, 'upper');
    mkdirSync(join(upper, 'srv'), { recursive: true });
    const r = vroot(['cp-in', '--upper', upper, tree.dir, '/srv/copy']);
    assert.equal(r.err, '');
    assert.equal(r.status, 0);
    // The upper directory holds the copy as a plain tree (no layers below: nothing is a whiteout).
    const source = snapshot(tree.dir, 1n);
    assert.deepEqual(snapshot(join(upper, 'srv', 'copy'), 1n), source, `seed ${SEED}`);
    assert.ok(source.size > 30);

    // Out again, from a root whose layer is that upper.
    const out = join(s.dir, 'out');
    mkdirSync(out);
    const back = vroot(['cp-out', '--layer', upper, '/srv/copy', out]);
    const specials = [...source.entries()].filter(([, v]) => v.startsWith('p') || v.startsWith('c'));
    assert.equal(back.status, specials.length === 0 ? 0 : 1, back.err);
    for (const [path] of specials) assert.match(back.err, new RegExp(`vroot cp-out: cannot create special file '${join(out, 'copy').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const expected = new Map([...snapshot(tree.dir, 1n)].filter(([, v]) => !v.startsWith('p') && !v.startsWith('c')));
    assert.deepEqual(snapshot(join(out, 'copy'), 1n), expected, `seed ${SEED}`);
    assert.equal(specials.length > 0, isRoot, 'the tree has fifos and devices when made as root');
  } finally {
    rmSync(tree.dir, { recursive: true, force: true });
    s.remove();
  }
});

test('cp-in and cp-out follow cp operand rules, and say when the root keeps nothing', () => {
  const s = scratch('cp-rules');
  try {
    const a = join(s.dir, 'a');
    const b = join(s.dir, 'b');
    writeFileSync(a, 'A');
    writeFileSync(b, 'B');
    const upper = join(s.dir, 'upper');
    assert.equal(vroot(['cp-in', '--upper', upper, a, b, '/']).status, 0);
    assert.equal(readFileSync(join(upper, 'a'), 'utf8'), 'A');
    const many = vroot(['cp-in', '--upper', upper, a, b, '/a']);
    assert.deepEqual([many.status, many.err], [1, "vroot cp-in: target '/a' is not a directory\n"]);
    const dropped = vroot(['cp-in', a, '/a']);
    assert.equal(dropped.status, 0);
    assert.match(dropped.err, /this root keeps no changes/);
    const missing = vroot(['cp-out', '--upper', upper, '/nope', s.dir]);
    assert.deepEqual([missing.status, missing.err], [1, "vroot cp-out: cannot stat '/nope': No such file or directory\n"]);
    assert.equal(vroot(['cp-in']).status, 2);
    assert.equal(vroot(['cp-out', '--bogus', 'x', 'y']).status, 2);
  } finally {
    s.remove();
  }
});

test('vroot ls, cat, stat, tree, find: root options, messages with the command name, statuses', () => {
  const s = scratch('cmds');
  try {
    const layer = join(s.dir, 'layer');
    mkdirSync(join(layer, 'etc'), { recursive: true });
    writeFileSync(join(layer, 'etc', 'hosts'), '127.0.0.1 localhost\n');
    const ls = vroot(['ls', '--layer', layer, '-l', '/etc', '/missing']);
    assert.equal(ls.status, 2);
    assert.equal(ls.err, "vroot ls: cannot access '/missing': No such file or directory\n");
    assert.match(ls.out, /^\/etc:\ntotal 4\n-rw-r--r-- 1 \d+ \d+ 20 \w{3} [ \d]\d [ \d]\d:\d\d hosts\n$/);
    assert.deepEqual(vroot(['cat', '--layer', layer, '/etc/hosts']), { status: 0, out: '127.0.0.1 localhost\n', err: '' });
    assert.equal(vroot(['cat', '--layer', layer, '/etc']).err, 'vroot cat: /etc: Is a directory\n');
    assert.equal(vroot(['stat', '--layer', layer, '-c', '%s %F', '/etc/hosts']).out, '20 regular file\n');
    assert.equal(vroot(['tree', '--layer', layer, '--noreport', '/']).out, '/\n└── etc\n    └── hosts\n');
    assert.equal(vroot(['find', '--layer', layer, '/', '-type', 'f']).out, '/etc/hosts\n');
    assert.equal(vroot(['find', '--layer', layer, '/', '-frob']).err, "vroot find: unknown predicate `-frob'\n");
    assert.equal(vroot(['ls', '-Z']).status, 2);
    assert.equal(vroot(['ls', '--layer']).status, 1);
    assert.match(vroot(['ls', '--layer', join(s.dir, 'absent'), '/']).err, /^vroot ls: layer .*absent/);
    const help = vroot(['ls', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.out, /^Usage: vroot ls \[OPTION\]/);
    assert.match(help.out, /Root options:/);
    assert.match(vroot(['--help']).out, /\n {2}shell +an interactive shell/);
  } finally {
    s.remove();
  }
});
