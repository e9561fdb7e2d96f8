// This module is browser compatible.
/**
 * `tree`: draws guest directory trees as tree(1) 2.x does in a UTF-8 locale: entries sorted by
 * name, hidden ones left out unless -a, symlinks shown with their target and not followed (a
 * link to a directory counts as a directory), the starting directory counted, and a report line.
 */
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW } from '../../abi/constants.js';
import { listNames } from '../../compose/guest_tree.js';
import { toByteString, type ByteString } from '../../vfs/bytes.js';
import type { Stat } from '../../vfs/stat.js';
import { has, last } from './_getopt.js';
import { octalEscape, typeLetter } from './_format.js';
import { guestPath, joinPath, statOrNull, writeBytes } from './_guest.js';
import { complain, parseOptions, type Tool, type ToolContext } from './tool.js';

const USAGE = `Usage: tree [-adF] [-L level] [--noreport] [directory ...]
  -a            all files are listed (also those starting with .)
  -d            list directories only
  -F            append / for directories, = for sockets, * for executables, | for fifos
  -L level      descend only level directories deep
  --noreport    omit the file and directory report at the end
  --help        display this help and exit
`;

const TEE = toByteString('├── ');
const ELL = toByteString('└── ');
// tree 2 draws the continuing line with two no-break spaces after the bar.
const BAR = toByteString('│\u00a0\u00a0 ');
const GAP = '    ';

interface Counts {
  dirs: number;
  files: number;
}

interface TreeOptions {
  all: boolean;
  dirsOnly: boolean;
  classify: boolean;
  maxLevel: number;
}

function suffix(st: Stat | null, o: TreeOptions): string {
  if (!o.classify || st === null) return '';
  switch (typeLetter(st.mode)) {
    case 'd': return '/';
    case 's': return '=';
    case 'p': return '|';
    case '-': return st.mode & 0o111 ? '*' : '';
    default: return '';
  }
}

/** The names in a directory, or null when it cannot be opened. */
function tryList(ctx: ToolContext, dir: ByteString): ByteString[] | null {
  try {
    return listNames(ctx.p, dir);
  } catch {
    return null;
  }
}

/** Draws the entries `names` of `dir` (already listed) and what lies below them. */
function walk(ctx: ToolContext, dir: ByteString, names: ByteString[], prefix: ByteString, level: number, o: TreeOptions, counts: Counts): number {
  const entries: { name: ByteString; st: Stat | null; target: Stat | null }[] = [];
  for (const name of names.sort()) {
    if (!o.all && name.startsWith('.')) continue;
    const path = joinPath(dir, name);
    let st: Stat | null = null;
    try {
      st = ctx.p.fstatat(AT_FDCWD, guestPath(path), AT_SYMLINK_NOFOLLOW);
    } catch {
      // shown without details, as tree shows what it cannot stat
    }
    const target = st !== null && typeLetter(st.mode) === 'l' ? statOrNull(ctx.p, path, true) : st;
    const isDir = target !== null && typeLetter(target.mode) === 'd';
    if (o.dirsOnly && !isDir) continue;
    entries.push({ name, st, target });
  }
  entries.forEach((e, i) => {
    const lastOne = i === entries.length - 1;
    const path = joinPath(dir, e.name);
    let line = prefix + (lastOne ? ELL : TEE) + octalEscape(e.name);
    const isDir = e.target !== null && typeLetter(e.target.mode) === 'd';
    if (e.st !== null && typeLetter(e.st.mode) === 'l') {
      let text: ByteString = '?';
      try {
        text = ctx.p.readlinkRaw(AT_FDCWD, guestPath(path));
      } catch {
        // an unreadable link shows '?'
      }
      line += ' -> ' + octalEscape(text) + suffix(e.target, o);
    } else {
      line += suffix(e.st, o);
    }
    if (isDir) counts.dirs++;
    else counts.files++;
    const descend = isDir && typeLetter(e.st!.mode) === 'd' && level + 1 < o.maxLevel;
    const children = descend ? tryList(ctx, path) : null;
    writeBytes(ctx.out, line + (descend && children === null ? '  [error opening dir]' : '') + '\n');
    if (children !== null) walk(ctx, path, children, prefix + (lastOne ? GAP : BAR), level + 1, o, counts);
  });
  return entries.length;
}

/** `tree [-adF] [-L level] [--noreport] [DIR...]` */
export const tree: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, {
      flags: 'adF',
      withArg: 'L',
      long: { noreport: { key: 'noreport' } },
    }, USAGE, 2);
  if (typeof parsed === 'number') return parsed;
  const levelText = last(parsed, 'L');
  if (levelText !== undefined && !/^[1-9]\d*$/.test(levelText)) {
    complain(ctx, `Invalid level, must be greater than 0.`);
    return 1;
  }
  const o: TreeOptions = {
    all: has(parsed, 'a'),
    dirsOnly: has(parsed, 'd'),
    classify: has(parsed, 'F'),
    maxLevel: levelText === undefined ? Infinity : Number(levelText),
  };
  const counts: Counts = { dirs: 0, files: 0 };
  let status = 0;
  const roots = parsed.operands.length === 0 ? ['.'] : parsed.operands;
  for (const root of roots) {
    const path = toByteString(root);
    const st = statOrNull(ctx.p, path, true);
    const names = st !== null && typeLetter(st.mode) === 'd' ? tryList(ctx, path) : null;
    if (names === null) {
      writeBytes(ctx.out, octalEscape(path) + '  [error opening dir]\n');
      if (st === null || typeLetter(st.mode) === 'd') status = 2;
      else counts.files++;
      continue;
    }
    writeBytes(ctx.out, octalEscape(path) + (o.classify ? '/' : '') + '\n');
    // tree 2 counts the starting directory only when it shows something in it.
    if (walk(ctx, path, names, '', 0, o, counts) > 0) counts.dirs++;
  }
  if (!has(parsed, 'noreport')) {
    const d = `${counts.dirs} director${counts.dirs === 1 ? 'y' : 'ies'}`;
    const f = `${counts.files} file${counts.files === 1 ? '' : 's'}`;
    ctx.out.write(o.dirsOnly ? `\n${d}\n` : `\n${d}, ${f}\n`);
  }
  return status;
};
