// The file tools against GNU coreutils, findutils and tree on the same generated host trees:
// the tree is bound read-only into a composed root (with the host's /etc/passwd and /etc/group
// bound as files, so owner names match), each tool runs through vroot and its namesake runs on
// the host, and the outputs, messages and exit statuses must be the same byte for byte.
process.env['TZ'] = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readlinkSync, realpathSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { cat } from '../../src/cli/shell/cat.js';
import { find } from '../../src/cli/shell/find.js';
import { ls } from '../../src/cli/shell/ls.js';
import { stat } from '../../src/cli/shell/stat.js';
import { tree } from '../../src/cli/shell/tree.js';
import type { Tool } from '../../src/cli/shell/tool.js';
import { testSeed } from '../emu/_prng.js';
import { makeHostTree, type HostTree } from './_host_tree.js';
import { host, ToolRoot, type Ran } from './_tools.js';

const SEED = testSeed(20261122);
const TREES = Number(process.env['VROOT_TOOL_TREES'] ?? 3);

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version']).status === 0;
}

/** A root with the tree at /d (the tools' cwd) and the host's user and group names. */
function rootFor(t: HostTree): ToolRoot {
  return new ToolRoot({
    binds: [
      { host: t.dir, guest: '/d', readOnly: true },
      { host: '/etc/passwd', guest: '/etc/passwd', readOnly: true },
      { host: '/etc/group', guest: '/etc/group', readOnly: true },
    ],
    cwd: '/d',
  });
}

/** Runs the tool in vroot and the program on the host; messages start with the program name on both. */
function both(root: ToolRoot, t: HostTree, tool: Tool, program: string, args: string[], env: Record<string, string> = {}): { v: Ran; h: Ran } {
  return { v: root.run(tool, program, args), h: host(program, args, t.dir, env) };
}

function same(root: ToolRoot, t: HostTree, tool: Tool, program: string, args: string[], normalize: (s: string) => string = (s) => s, env: Record<string, string> = {}): number {
  const { v, h } = both(root, t, tool, program, args, env);
  const what = `${program} ${args.join(' ')} (seed ${SEED})`;
  assert.equal(normalize(v.out), normalize(h.out), `stdout of ${what}`);
  assert.equal(v.err, h.err, `stderr of ${what}`);
  assert.equal(v.status, h.status, `status of ${what}`);
  return 1;
}

/** True when a symlink (or a symlink in its chain) of the tree names an absolute path. */
function leadsOutside(t: HostTree, rel: string): boolean {
  // Where the host resolves it, symlinks in the middle included (`a/b` with `a` -> `..`).
  try {
    if (relative(realpathSync(t.dir), realpathSync(join(t.dir, rel))).startsWith('..')) return true;
  } catch {
    // dangling or a loop: the chain below decides
  }
  let path = join(t.dir, rel);
  for (let i = 0; i < 40; i++) {
    let target: string;
    try {
      target = readlinkSync(path);
    } catch {
      return false;
    }
    if (isAbsolute(target)) return true;
    path = join(dirname(path), target);
    // `..` from the top of the tree leaves it (to the host's parent; in vroot it stays at /).
    if (relative(t.dir, path).startsWith('..')) return true;
  }
  return false;
}

/** Drops the "." and ".." lines of the tree's top directory, whose parent differs (guest / vs host). */
function subdirs(t: HostTree): string[] {
  return t.dirs.filter((d) => d !== '');
}

const LS_OPTIONS = [[], ['-l'], ['-la'], ['-lA'], ['-lai'], ['-ln'], ['-1'], ['-a'], ['-lh'], ['-lt'], ['-lS'], ['-lr'],
  ['-ltr'], ['-F'], ['-lF'], ['-d'], ['-ld'], ['-lR'], ['-R', '-a'], ['-U'], ['-lU']];

test('ls matches GNU ls on generated trees (formats, sorting, symlinks, devices, errors)', () => {
  let cases = 0;
  for (let k = 0; k < TREES; k++) {
    const t = makeHostTree(SEED + k);
    const root = rootFor(t);
    try {
      for (const opts of LS_OPTIONS) {
        for (const d of subdirs(t)) cases += same(root, t, ls, 'ls', [...opts, d]);
        // Files and directories mixed with a missing operand: order, headers, message, status 2.
        const operands = [...t.files.slice(0, 3), 'missing', ...subdirs(t).slice(0, 2)];
        cases += same(root, t, ls, 'ls', [...opts, ...operands]);
      }
      cases += same(root, t, ls, 'ls', ['-z']);
      // On a terminal: columns as wide as the terminal, names shell-escaped and lined up.
      for (const width of [20, 50, 80, 132]) {
        for (const d of subdirs(t)) {
          for (const opts of [[], ['-a'], ['-F'], ['-l']]) {
            const v = root.run(ls, 'ls', [...opts, d], width);
            const h = host('ls', ['-C', '-w', String(width), '--quoting-style=shell-escape', ...opts, d], t.dir, { LC_ALL: 'C.UTF-8' });
            assert.equal(v.out, h.out, `ls ${opts.join(' ')} ${d} on a ${width}-column terminal (seed ${SEED})`);
            cases++;
          }
        }
      }
    } finally {
      root.close();
      rmSync(t.dir, { recursive: true, force: true });
    }
  }
  assert.ok(cases > 100, `only ${cases} cases`);
});

test('stat matches GNU stat: the default format (device numbers aside) and -c directives', () => {
  let cases = 0;
  // vroot numbers devices itself, so the Device line and %d/%D differ by design. Reading a
  // symlink moves its access time on the host (relatime), so which of the two runs reads it
  // first decides what the other sees: access times are left out of the comparison.
  const noDevice = (s: string): string => s.replace(/^Device: \S+\t/gm, 'Device: ?\t').replace(/^Access: \d.*$/gm, 'Access: ?');
  for (let k = 0; k < TREES; k++) {
    const t = makeHostTree(SEED + 100 + k);
    const root = rootFor(t);
    try {
      const paths = [...t.files, ...subdirs(t)];
      // The tools are locale-less: names print as UTF-8, as GNU stat prints them in a UTF-8 locale.
      const utf8 = { LC_ALL: 'C.UTF-8' };
      cases += same(root, t, stat, 'stat', paths, noDevice, utf8);
      // Symlinks out of the tree lead to the host's files on the host and to the guest's in vroot.
      const inside = paths.filter((p) => !leadsOutside(t, p));
      cases += same(root, t, stat, 'stat', ['-L', ...inside], noDevice, utf8);
      cases += same(root, t, stat, 'stat', ['-c', '%n|%N|%s|%b|%B|%f|%F|%a|%A|%u|%U|%g|%G|%h|%i|%o|%t|%T|%y|%Y|%z|%Z|%w|%W|%%', ...paths], (s) => s, utf8);
      cases += same(root, t, stat, 'stat', ['--format=%n %s', 'missing', ...paths.slice(0, 2)], (s) => s, utf8);
    } finally {
      root.close();
      rmSync(t.dir, { recursive: true, force: true });
    }
  }
  assert.ok(cases >= 4 * TREES);
});

const FIND_EXPRESSIONS = [
  [], ['-type', 'f'], ['-type', 'd'], ['-type', 'l'], ['-type', 'f,l'], ['-name', '*a*'], ['-iname', 'A*'],
  ['-name', '[a-c]*'], ['-name', '?'], ['-path', '*/dir*/*'], ['-maxdepth', '1'], ['-mindepth', '2'],
  ['-maxdepth', '2', '-mindepth', '1', '-type', 'd'], ['-empty'], ['-size', '+1k'], ['-size', '-2'],
  ['-size', '1024c'], ['-perm', '-u+s'], ['-perm', '/022'], ['-perm', '644'], ['-links', '+1'],
  ['-user', 'root'], ['-uid', '0'], ['-not', '-name', '*.txt'], ['!', '-type', 'd', '-o', '-name', 'z*'],
  ['(', '-name', 'a*', '-o', '-name', 'b*', ')', '-type', 'f'], ['-name', 'dir*', '-prune', '-o', '-print'],
  ['-depth'], ['-type', 'd', '-print0'], ['-name', 'x*', '-print', '-o', '-name', '1*', '-print'],
  ['-newer', 'missing'], ['-bogus'], ['-maxdepth', 'x'], ['-mindepth', '-1'], ['-type', 'q'], ['-type'],
  ['-size', '1q'], ['-size', 'abc'], ['-size', '+'], ['-perm', 'zz'], ['-perm', '/zz'], ['-user', 'nosuchuser'],
  ['-group', 'nosuchgroup'], ['-uid', 'x'], ['-links', 'q'], ['-name'], ['(', '-name', 'x'], ['(', ')'],
  ['!'], ['-name', 'a', '-o'], ['-name', 'a', '-a'], ['-not'],
];

test('find matches GNU find: tests, operators, depth options, actions, errors', (t) => {
  if (!hasTool('find')) return t.skip('GNU find is not installed');
  let cases = 0;
  for (let k = 0; k < TREES; k++) {
    const tr = makeHostTree(SEED + 200 + k);
    const root = rootFor(tr);
    try {
      for (const e of FIND_EXPRESSIONS) {
        cases += same(root, tr, find, 'find', ['.', ...e]);
        for (const d of subdirs(tr).slice(0, 2)) cases += same(root, tr, find, 'find', [d, 'missing', ...e]);
      }
      cases += same(root, tr, find, 'find', ['-name', 'a*']);
    } finally {
      root.close();
      rmSync(tr.dir, { recursive: true, force: true });
    }
  }
  assert.ok(cases > 100);
});

test('tree matches tree(1) 2.x in a UTF-8 locale', (t) => {
  if (!hasTool('tree')) return t.skip('tree is not installed (apt-get install tree; .ci/run installs it)');
  let cases = 0;
  const utf8 = { LC_ALL: 'C.UTF-8' };
  for (let k = 0; k < TREES; k++) {
    const tr = makeHostTree(SEED + 300 + k);
    const root = rootFor(tr);
    try {
      for (const opts of [[], ['-a'], ['-d'], ['-L', '1'], ['-L', '2', '-a'], ['-F'], ['-aF'], ['--noreport']]) {
        cases += same(root, tr, tree, 'tree', [...opts, '.'], (s) => s, utf8);
        for (const d of subdirs(tr)) cases += same(root, tr, tree, 'tree', [...opts, d], (s) => s, utf8);
      }
    } finally {
      root.close();
      rmSync(tr.dir, { recursive: true, force: true });
    }
  }
  assert.ok(cases > 20);
});

test('cat matches GNU cat: contents, -n, directories and missing files', () => {
  const tr = makeHostTree(SEED + 400);
  const root = rootFor(tr);
  try {
    const readable = tr.files.filter((f) => {
      const r = host('test', ['-f', f, '-a', '!', '-p', f], tr.dir);
      return r.status === 0;
    });
    const utf8 = { LC_ALL: 'C.UTF-8' };
    same(root, tr, cat, 'cat', readable, (s) => s, utf8);
    same(root, tr, cat, 'cat', ['-n', ...readable.slice(0, 4)], (s) => s, utf8);
    same(root, tr, cat, 'cat', [...readable.slice(0, 1), 'missing', ...subdirs(tr), ...readable.slice(1, 2)], (s) => s, utf8);
  } finally {
    root.close();
    rmSync(tr.dir, { recursive: true, force: true });
  }
});
