// This module is browser compatible.
/**
 * `ls`: lists directories and files of the guest as GNU ls does in the C locale: one name per line
 * (or in columns on a terminal), `-l` long format with aligned columns and `total`, sorted by name
 * in byte order, command-line symlinks followed unless listed long, exit status 2 when an operand
 * cannot be reached and 1 for problems below it.
 */
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, major, minor } from '../../abi/constants.js';
import { listNames } from '../../compose/guest_tree.js';
import { byteStringToUtf8, toByteString, type ByteString } from '../../vfs/bytes.js';
import type { Stat } from '../../vfs/stat.js';
import { has } from './_getopt.js';
import { humanSize, lsTime, modeString, shellEscape, typeLetter } from './_format.js';
import { guestPath, IdNames, joinPath, statOrNull, writeBytes } from './_guest.js';
import { complain, parseOptions, complainAbout, q, qp, type Tool, type ToolContext } from './tool.js';

const USAGE = `Usage: ls [OPTION]... [FILE]...
List information about the FILEs (the current directory by default), sorted by name.

  -a, --all              do not ignore entries starting with .
  -A, --almost-all       do not list implied . and ..
  -d, --directory        list directories themselves, not their contents
  -F, --classify         append indicator (one of */=@|) to entries
  -h, --human-readable   with -l, print sizes like 1K 234M 2G
  -i, --inode            print the index number of each file
  -l                     use a long listing format
  -n, --numeric-uid-gid  like -l, but list numeric user and group IDs
  -r, --reverse          reverse order while sorting
  -R, --recursive        list subdirectories recursively
  -S                     sort by file size, largest first
  -t                     sort by modification time, newest first
  -U                     do not sort; list entries in directory order
  -1                     list one file per line
      --help             display this help and exit

Exit status: 0 if OK, 1 if minor problems (e.g., cannot access subdirectory),
2 if serious trouble (e.g., cannot access command-line argument).
`;

/** One name to show, with what is known about it. */
interface Entry {
  /** The name as shown (the operand, or the name in its directory). */
  name: ByteString;
  /** The path to reach it. */
  path: ByteString;
  st: Stat | null;
  /** For a symlink in long format: its target and the target's status. */
  target?: ByteString;
  targetSt?: Stat | null;
}

interface Options {
  all: boolean;
  almostAll: boolean;
  directory: boolean;
  classify: boolean;
  human: boolean;
  inode: boolean;
  long: boolean;
  numeric: boolean;
  reverse: boolean;
  recursive: boolean;
  sort: 'name' | 'size' | 'time' | 'none';
  columns: number;
  quote: boolean;
}

function indicator(st: Stat | null | undefined): string {
  if (st === null || st === undefined) return '';
  switch (typeLetter(st.mode)) {
    case 'd': return '/';
    case 'l': return '@';
    case 'p': return '|';
    case 's': return '=';
    case '-': return st.mode & 0o111 ? '*' : '';
    default: return '';
  }
}

function compareBy(o: Options): (a: Entry, b: Entry) => number {
  const byName = (a: Entry, b: Entry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  let cmp: (a: Entry, b: Entry) => number;
  if (o.sort === 'size') {
    cmp = (a, b) => (b.st?.size ?? 0) - (a.st?.size ?? 0) || byName(a, b);
  } else if (o.sort === 'time') {
    cmp = (a, b) => (b.st?.mtime.sec ?? 0) - (a.st?.mtime.sec ?? 0) || (b.st?.mtime.nsec ?? 0) - (a.st?.mtime.nsec ?? 0) || byName(a, b);
  } else {
    cmp = byName;
  }
  return o.reverse ? (a, b) => cmp(b, a) : cmp;
}

function sortEntries(entries: Entry[], o: Options): Entry[] {
  return o.sort === 'none' ? entries : entries.sort(compareBy(o));
}

/** The name as shown: raw bytes off a terminal, shell-escaped on one (as GNU ls 9). */
function displayName(name: ByteString, o: Options): ByteString {
  return o.quote ? shellEscape(name) : name;
}

/**
 * On a terminal, when some names of a group need quotes, GNU ls puts a space before the others
 * so that the names line up (align_variable_outer_quotes).
 */
function quotePad(entries: Entry[], o: Options): ByteString {
  if (!o.quote) return '';
  return entries.some((e) => displayName(e.name, o) !== e.name) ? ' ' : '';
}

function shownName(name: ByteString, o: Options, pad: ByteString): ByteString {
  const d = displayName(name, o);
  return d === name ? pad + d : d;
}

/** Writes a group of entries in the format the options ask for. */
/**
 * Writes a group of entries. `widthFrom` is what column widths and quote alignment are computed
 * over: for the command line's files, GNU ls counts the directory operands too (they are in its
 * table until it takes them out to list them).
 */
function printEntries(ctx: ToolContext, entries: Entry[], o: Options, names: IdNames, withTotal: boolean, widthFrom: Entry[] = entries): void {
  if (o.long) {
    printLong(ctx, entries, o, names, withTotal, widthFrom);
    return;
  }
  const pad = quotePad(widthFrom, o);
  const cells = entries.map((e) => {
    let cell = shownName(e.name, o, pad);
    if (o.inode) cell = `${e.st?.ino ?? '?'} ${cell}`;
    if (o.classify) cell += indicator(e.st);
    return cell;
  });
  if (o.columns <= 0 || cells.length === 0) {
    for (const c of cells) writeBytes(ctx.out, c + '\n');
    return;
  }
  printColumns(ctx, cells, o.columns);
}

/** The number of columns a cell takes on a terminal (UTF-8 sequences count once). */
function cellWidth(cell: ByteString): number {
  return byteStringToUtf8(cell).length;
}

/** GNU ls's indent(): pads from column `from` to `to` with tabs (every 8 columns) and spaces. */
function indent(from: number, to: number): string {
  let out = '';
  while (from < to) {
    if (Math.floor(to / 8) > Math.floor((from + 1) / 8)) {
      out += '\t';
      from += 8 - (from % 8);
    } else {
      out += ' ';
      from++;
    }
  }
  return out;
}

/** GNU ls's many-per-line layout: the most columns (filled top to bottom) that fit the width. */
function printColumns(ctx: ToolContext, cells: ByteString[], width: number): void {
  const n = cells.length;
  const widths = cells.map(cellWidth);
  const maxCols = Math.max(1, Math.min(n, Math.floor(width / 3)));
  let best = 1;
  let bestWidths: number[] = [Math.max(...widths)];
  for (let cols = 1; cols <= maxCols; cols++) {
    const rows = Math.ceil(n / cols);
    // Every column counts at least MIN_COLUMN_WIDTH (3), used or not, as in GNU's init_column_info.
    const colWidths = new Array<number>(cols).fill(3);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(i / rows);
      const w = widths[i]! + (c === cols - 1 ? 0 : 2);
      if (w > colWidths[c]!) colWidths[c] = w;
    }
    if (colWidths.reduce((s, w) => s + w, 0) < width) {
      best = cols;
      bestWidths = colWidths;
    }
  }
  const rows = Math.ceil(n / best);
  for (let r = 0; r < rows; r++) {
    let line = '';
    let pos = 0;
    for (let i = r, c = 0; i < n; i += rows, c++) {
      line += cells[i]!;
      if (i + rows >= n) break;
      line += indent(pos + widths[i]!, pos + bestWidths[c]!);
      pos += bestWidths[c]!;
    }
    writeBytes(ctx.out, line + '\n');
  }
}

function printLong(ctx: ToolContext, entries: Entry[], o: Options, names: IdNames, withTotal: boolean, widthFrom: Entry[]): void {
  const now = Date.now();
  const pad = quotePad(widthFrom, o);
  const row = (e: Entry) => {
    const st = e.st;
    if (st === null) {
      return { e, ino: '?', mode: '??????????', nlink: '?', owner: '?', group: '?', size: '?', dev: null as null | [string, string], date: '', st };
    }
    const isDev = (st.mode & 0o170000) === 0o020000 || (st.mode & 0o170000) === 0o060000;
    return {
      e,
      ino: String(st.ino),
      mode: modeString(st.mode),
      nlink: String(st.nlink),
      owner: o.numeric ? String(st.uid) : names.user(st.uid),
      group: o.numeric ? String(st.gid) : names.group(st.gid),
      size: o.human ? humanSize(st.size) : String(st.size),
      dev: isDev ? [String(major(st.rdev)), String(minor(st.rdev))] as [string, string] : null,
      date: lsTime(st.mtime, now),
      st,
    };
  };
  const rows = entries.map(row);
  const sized = widthFrom === entries ? rows : widthFrom.map(row);
  const w = (f: (r: typeof rows[number]) => string): number => sized.reduce((m, r) => Math.max(m, f(r).length), 0);
  const inoW = w((r) => r.ino);
  const nlinkW = w((r) => r.nlink);
  const ownerW = w((r) => r.owner);
  const groupW = w((r) => r.group);
  const majorW = w((r) => (r.dev === null ? '' : r.dev[0]));
  const minorW = w((r) => (r.dev === null ? '' : r.dev[1]));
  const devW = sized.some((r) => r.dev !== null) ? majorW + 2 + minorW : 0;
  const sizeW = Math.max(w((r) => (r.dev === null ? r.size : '')), devW);
  if (withTotal) {
    const blocks = entries.reduce((s, e) => s + (e.st?.blocks ?? 0), 0);
    writeBytes(ctx.out, `total ${o.human ? humanSize(blocks * 512) : Math.ceil(blocks / 2)}\n`);
  }
  for (const r of rows) {
    const size = r.dev === null
      ? r.size.padStart(sizeW)
      : `${r.dev[0].padStart(majorW + Math.max(0, sizeW - devW))}, ${r.dev[1].padStart(minorW)}`;
    let line = o.inode ? `${r.ino.padStart(inoW)} ` : '';
    line += `${r.mode} ${r.nlink.padStart(nlinkW)} ${toByteString(r.owner.padEnd(ownerW))} ${toByteString(r.group.padEnd(groupW))} ${size} ${r.date} `;
    line += shownName(r.e.name, o, pad);
    if (r.e.target !== undefined) {
      line += ' -> ' + displayName(r.e.target, o);
      if (o.classify) line += indicator(r.e.targetSt);
    } else if (o.classify) {
      line += indicator(r.st);
    }
    writeBytes(ctx.out, line + '\n');
  }
}

/** Fills in what long format needs about a symlink. */
function withTarget(ctx: ToolContext, e: Entry, o: Options): Entry {
  if (!o.long || e.st === null || typeLetter(e.st.mode) !== 'l') return e;
  try {
    e.target = ctx.p.readlinkRaw(AT_FDCWD, guestPath(e.path));
    e.targetSt = null;
    // A target that cannot be reached (dangling, a loop) just gets no indicator, as in GNU ls.
    if (o.classify) {
      try {
        e.targetSt = statOrNull(ctx.p, e.path, true);
      } catch {
        e.targetSt = null;
      }
    }
  } catch (err) {
    complainAbout(ctx, `cannot read symbolic link ${qp(e.path)}`, err);
  }
  return e;
}

/** Lists one directory; returns the exit status contribution. */
function listDirectory(ctx: ToolContext, dir: Entry, o: Options, names: IdNames, header: boolean, first: { value: boolean }, commandLine: boolean): number {
  let status = 0;
  if (!first.value) ctx.out.write('\n');
  first.value = false;
  if (header) writeBytes(ctx.out, displayName(dir.name, o) + ':\n');
  let listed: ByteString[];
  try {
    listed = listNames(ctx.p, dir.path);
  } catch (e) {
    complainAbout(ctx, `cannot open directory ${qp(dir.path)}`, e);
    return commandLine ? 2 : 1;
  }
  const visible = listed.filter((n) => o.all || o.almostAll || !n.startsWith('.'));
  if (o.all) visible.unshift('.', '..');
  const needStat = o.long || o.classify || o.inode || o.recursive || o.sort === 'size' || o.sort === 'time';
  const entries: Entry[] = [];
  for (const name of visible) {
    const path = joinPath(dir.path, name);
    let st: Stat | null = null;
    if (needStat) {
      try {
        st = ctx.p.fstatat(AT_FDCWD, guestPath(path), AT_SYMLINK_NOFOLLOW);
      } catch (e) {
        complainAbout(ctx, `cannot access ${qp(path)}`, e);
        status = 1;
      }
    }
    entries.push(withTarget(ctx, { name, path, st }, o));
  }
  printEntries(ctx, sortEntries(entries, o), o, names, o.long);
  if (o.recursive) {
    for (const e of sortEntries(entries, o)) {
      if (e.name === '.' || e.name === '..' || e.st === null || typeLetter(e.st.mode) !== 'd') continue;
      status = Math.max(status, listDirectory(ctx, { name: e.path, path: e.path, st: e.st }, o, names, true, first, false));
    }
  }
  return status;
}

/** `ls [OPTION]... [FILE]...` */
export const ls: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, {
      flags: 'aAdFhilnrRStU1',
      long: {
        all: { key: 'a' }, 'almost-all': { key: 'A' }, directory: { key: 'd' }, classify: { key: 'F' },
        'human-readable': { key: 'h' }, inode: { key: 'i' }, 'numeric-uid-gid': { key: 'n' },
        reverse: { key: 'r' }, recursive: { key: 'R' }
      },
    }, USAGE, 2);
  if (typeof parsed === 'number') return parsed;
  // The last of -1 and -l/-n wins, as with GNU ls; the sort keys likewise.
  const order = args.filter((a) => /^-[^-]/.test(a)).join('');
  const lastLong = Math.max(order.lastIndexOf('l'), order.lastIndexOf('n'));
  const long = (has(parsed, 'l', 'n') && lastLong >= order.lastIndexOf('1')) || args.includes('--numeric-uid-gid');
  const sortKey = Math.max(order.lastIndexOf('S'), order.lastIndexOf('t'), order.lastIndexOf('U'));
  const o: Options = {
    all: has(parsed, 'a'),
    almostAll: has(parsed, 'A'),
    directory: has(parsed, 'd'),
    classify: has(parsed, 'F'),
    human: has(parsed, 'h'),
    inode: has(parsed, 'i'),
    long,
    numeric: has(parsed, 'n'),
    reverse: has(parsed, 'r'),
    recursive: has(parsed, 'R') && !has(parsed, 'd'),
    sort: sortKey < 0 ? 'name' : order[sortKey] === 'S' ? 'size' : order[sortKey] === 't' ? 'time' : 'none',
    columns: has(parsed, '1') || long ? 0 : ctx.columns,
    quote: ctx.columns > 0,
  };
  const names = new IdNames(ctx.p);
  const operands = parsed.operands.length === 0 ? ['.'] : parsed.operands;
  let status = 0;
  const files: Entry[] = [];
  const dirs: Entry[] = [];
  for (const operand of operands) {
    const path = toByteString(operand);
    let st: Stat;
    try {
      st = ctx.p.fstatat(AT_FDCWD, guestPath(path), AT_SYMLINK_NOFOLLOW);
      // Command-line symlinks are followed unless listed long, -d or -F (GNU's -H default).
      if (typeLetter(st.mode) === 'l' && !o.long && !o.directory && !o.classify) st = statOrNull(ctx.p, path, true) ?? st;
    } catch (e) {
      complainAbout(ctx, `cannot access ${q(operand)}`, e);
      status = 2;
      continue;
    }
    const entry: Entry = { name: path, path, st };
    if (typeLetter(st.mode) === 'd' && !o.directory) dirs.push(entry);
    else files.push(withTarget(ctx, entry, o));
  }
  const first = { value: true };
  if (files.length > 0) {
    printEntries(ctx, sortEntries(files, o), o, names, false, [...files, ...dirs]);
    first.value = false;
  }
  const header = operands.length > 1 || o.recursive;
  for (const d of sortEntries(dirs, o)) status = Math.max(status, listDirectory(ctx, d, o, names, header, first, true));
  return status;
};
