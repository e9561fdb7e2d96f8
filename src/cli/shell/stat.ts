// This module is browser compatible.
/**
 * `stat`: shows file status as GNU stat 9 does, in its default format or a `-c` format with
 * its % directives, through the guest process (so a symlink's target, a mount's identity and the
 * times are what the guest sees).
 */
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, major, minor } from '../../abi/constants.js';
import { toByteString, type ByteString } from '../../vfs/bytes.js';
import type { Process } from '../../vfs/process.js';
import type { Stat, Timespec } from '../../vfs/stat.js';
import { has, last } from './_getopt.js';
import { fileTypeText, modeString, shellEscape, statTime } from './_format.js';
import { guestPath, IdNames, writeBytes } from './_guest.js';
import { complain, parseOptions, complainAbout, q, type Tool, type ToolContext } from './tool.js';

const USAGE = `Usage: stat [OPTION]... FILE...
Display file status.

  -L, --dereference     follow links
  -c, --format=FORMAT   use the specified FORMAT instead of the default;
                          output a newline after each use of FORMAT
      --help            display this help and exit

The valid format sequences for files:
  %a  access rights in octal        %A  access rights in human readable form
  %b  number of blocks allocated    %B  the size in bytes of each block reported by %b
  %d  device number in decimal      %D  device number in hex
  %f  raw mode in hex               %F  file type
  %g  group ID of owner             %G  group name of owner
  %h  number of hard links          %i  inode number
  %m  mount point                   %n  file name
  %N  quoted file name with dereference if symbolic link
  %o  optimal I/O transfer size hint
  %s  total size, in bytes          %t  major device type in hex, for character/block device special files
  %T  minor device type in hex      %u  user ID of owner
  %U  user name of owner
  %w  time of file birth, human-readable; - if unknown
  %W  time of file birth, seconds since Epoch; 0 if unknown
  %x  time of last access, human-readable    %X  time of last access, seconds since Epoch
  %y  time of last data modification, human-readable
  %Y  time of last data modification, seconds since Epoch
  %z  time of last status change, human-readable
  %Z  time of last status change, seconds since Epoch
`;

/** A device number as GNU stat's %d takes it: the glibc dev_t of the Linux encoding. */
function devDecimal(dev: number): number {
  return major(dev) * 256 + (minor(dev) & 0xff) + (minor(dev) & ~0xff) * 4096;
}

/** The guest path of the mount a file is on (stat's %m). */
function mountPointOf(p: Process, st: Stat): ByteString {
  const m = p.vfs.mounts().find((x) => x.id === st.mntId);
  if (m === undefined) return '?';
  return p.vfs.pathOf({ mount: m, dentry: m.root }, p.root()).path;
}

/** Quotes as shell-escape-always does (stat's %N). */
function quoteAlways(name: ByteString): ByteString {
  return shellEscape(name, true);
}

function seconds(t: Timespec): string {
  return String(t.sec);
}

interface Subject {
  operand: string;
  path: ByteString;
  st: Stat;
  target: ByteString | null;
}

/** Expands one format directive (as bytes); returns null for an unknown one. */
function directive(ctx: ToolContext, c: string, s: Subject, names: IdNames): ByteString | null {
  const st = s.st;
  switch (c) {
    case 'a': return (st.mode & 0o7777).toString(8);
    case 'A': return modeString(st.mode);
    case 'b': return String(st.blocks);
    case 'B': return '512';
    case 'd': return String(devDecimal(st.dev));
    case 'D': return devDecimal(st.dev).toString(16);
    case 'f': return st.mode.toString(16);
    case 'F': return fileTypeText(st.mode, st.size);
    case 'g': return String(st.gid);
    case 'G': return toByteString(names.group(st.gid));
    case 'h': return String(st.nlink);
    case 'i': return String(st.ino);
    case 'm': return mountPointOf(ctx.p, st);
    case 'n': return s.path;
    case 'N': return s.target === null ? quoteAlways(s.path) : `${quoteAlways(s.path)} -> ${quoteAlways(s.target)}`;
    case 'o': return String(st.blksize);
    case 's': return String(st.size);
    case 't': return major(st.rdev).toString(16);
    case 'T': return minor(st.rdev).toString(16);
    case 'u': return String(st.uid);
    case 'U': return toByteString(names.user(st.uid));
    case 'w': return st.btime === undefined ? '-' : statTime(st.btime);
    case 'W': return st.btime === undefined ? '0' : seconds(st.btime);
    case 'x': return statTime(st.atime);
    case 'X': return seconds(st.atime);
    case 'y': return statTime(st.mtime);
    case 'Y': return seconds(st.mtime);
    case 'z': return statTime(st.ctime);
    case 'Z': return seconds(st.ctime);
    case '%': return '%';
    default: return null;
  }
}

/** Expands a -c format, as bytes. */
function expand(ctx: ToolContext, text: string, s: Subject, names: IdNames): ByteString {
  const format = toByteString(text);
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%' || i + 1 >= format.length) {
      out += ch;
      continue;
    }
    const c = format[++i]!;
    out += directive(ctx, c, s, names) ?? `?`;
  }
  return out;
}

function defaultFormat(ctx: ToolContext, s: Subject, names: IdNames): ByteString {
  const st = s.st;
  const type = st.mode & 0o170000;
  const isDev = type === 0o020000 || type === 0o060000;
  const dev = `${major(st.dev)},${minor(st.dev)}`;
  const name = s.target === null ? s.path : `${s.path} -> ${s.target}`;
  const lines = [
    `  File: ${name}`,
    ...[
    `  Size: ${String(st.size).padEnd(10)}\tBlocks: ${String(st.blocks).padEnd(10)} IO Block: ${String(st.blksize).padEnd(6)} ${fileTypeText(st.mode, st.size)}`,
    isDev
      ? `Device: ${dev}\tInode: ${String(st.ino).padEnd(10)}  Links: ${String(st.nlink).padEnd(5)} Device type: ${major(st.rdev)},${minor(st.rdev)}`
      : `Device: ${dev}\tInode: ${String(st.ino).padEnd(10)}  Links: ${st.nlink}`,
    `Access: (${(st.mode & 0o7777).toString(8).padStart(4, '0')}/${modeString(st.mode)})  Uid: (${String(st.uid).padStart(5)}/${names.user(st.uid).padStart(8)})   Gid: (${String(st.gid).padStart(5)}/${names.group(st.gid).padStart(8)})`,
    `Access: ${statTime(st.atime)}`,
    `Modify: ${statTime(st.mtime)}`,
    `Change: ${statTime(st.ctime)}`,
    ` Birth: ${st.btime === undefined ? '-' : statTime(st.btime)}`,
    ].map(toByteString),
  ];
  return lines.join('\n');
}

/** `stat [-L] [-c FORMAT] FILE...` */
export const stat: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, {
      flags: 'L',
      withArg: 'c',
      long: { dereference: { key: 'L' }, format: { key: 'c', arg: true } },
    }, USAGE);
  if (typeof parsed === 'number') return parsed;
  if (parsed.operands.length === 0) {
    complain(ctx, `missing operand\nTry '${ctx.prog} --help' for more information.`);
    return 1;
  }
  const follow = has(parsed, 'L');
  const format = last(parsed, 'c');
  const names = new IdNames(ctx.p);
  let status = 0;
  for (const operand of parsed.operands) {
    const path = toByteString(operand);
    let st: Stat;
    let target: ByteString | null = null;
    try {
      st = ctx.p.fstatat(AT_FDCWD, guestPath(path), follow ? 0 : AT_SYMLINK_NOFOLLOW);
      if ((st.mode & 0o170000) === 0o120000) target = ctx.p.readlinkRaw(AT_FDCWD, guestPath(path));
    } catch (e) {
      complainAbout(ctx, `cannot statx ${q(operand)}`, e);
      status = 1;
      continue;
    }
    const subject = { operand, path, st, target };
    writeBytes(ctx.out, (format === undefined ? defaultFormat(ctx, subject, names) : expand(ctx, format, subject, names)) + '\n');
  }
  return status;
};
