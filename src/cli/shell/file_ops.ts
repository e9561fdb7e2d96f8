// This module is browser compatible.
/**
 * The shell's tools that change the guest tree, each worded and exiting as its coreutils
 * namesake: mkdir, rmdir, rm, mv, ln, touch, chmod, chown, write, echo, readlink.
 */
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_APPEND, O_CREAT, O_TRUNC, O_WRONLY, RENAME_NOREPLACE,
} from '../../abi/constants.js';
import { guestTree } from '../../compose/guest_tree.js';
import { copyTree } from '../../compose/tree_copy.js';
import { toByteString, type ByteString } from '../../vfs/bytes.js';
import { VfsError } from '../../vfs/errors.js';
import type { Stat } from '../../vfs/stat.js';
import { has, last, type ParsedOptions } from './_getopt.js';
import { typeLetter } from './_format.js';
import { baseName, guestPath, IdNames, joinPath, statOrNull } from './_guest.js';
import { parseMode } from './_mode.js';
import { errorText } from './_strerror.js';
import { complain, complainAbout, parseOptions, q, qp, type Tool, type ToolContext } from './tool.js';

/** Runs `body` per operand with a missing-operand check; returns 1 if any failed. */
function eachOperand(ctx: ToolContext, parsed: ParsedOptions, body: (operand: string) => boolean): number {
  if (parsed.operands.length === 0) {
    complain(ctx, `missing operand\nTry '${ctx.prog} --help' for more information.`);
    return 1;
  }
  let status = 0;
  for (const operand of parsed.operands) if (!body(operand)) status = 1;
  return status;
}

function isCode(e: unknown, code: string): boolean {
  return e instanceof VfsError && e.code === code;
}

/** `mkdir [-p] [-m MODE] DIR...` */
export const mkdir: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'pv', withArg: 'm', long: { parents: { key: 'p' }, mode: { key: 'm', arg: true } } },
    'Usage: mkdir [-p] [-m MODE] DIRECTORY...\nCreate the DIRECTORY(ies), if they do not already exist.\n');
  if (typeof parsed === 'number') return parsed;
  const modeText = last(parsed, 'm');
  const change = modeText === undefined ? null : parseMode(modeText);
  if (modeText !== undefined && change === null) {
    complain(ctx, `invalid mode ${q(modeText)}`);
    return 1;
  }
  const umask = ctx.p.fsContext.umask;
  const parents = has(parsed, 'p');
  return eachOperand(ctx, parsed, (operand) => {
    const path = toByteString(operand);
    const mode = change === null ? 0o777 : change(0o777 & ~umask, true, umask);
    try {
      if (parents) {
        let at = path.startsWith('/') ? '/' : '';
        for (const part of path.split('/').filter((x) => x !== '')) {
          at = at === '' ? part : joinPath(at, part);
          try {
            // Intermediate directories get u+wx, as GNU mkdir -p gives them.
            ctx.p.mkdirat(AT_FDCWD, guestPath(at), 0o777);
          } catch (e) {
            if (!isCode(e, 'EEXIST')) throw e;
            const st = statOrNull(ctx.p, at, true);
            if (st === null || typeLetter(st.mode) !== 'd') throw e;
          }
        }
        if (change !== null) ctx.p.fchmodat(AT_FDCWD, guestPath(path), mode);
      } else {
        ctx.p.mkdirat(AT_FDCWD, guestPath(path), mode);
        if (change !== null && (mode & ~0o777) !== 0) ctx.p.fchmodat(AT_FDCWD, guestPath(path), mode);
      }
      return true;
    } catch (e) {
      complainAbout(ctx, `cannot create directory ${q(operand)}`, e);
      return false;
    }
  });
};

/** `rmdir DIR...` */
export const rmdir: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, {}, 'Usage: rmdir DIRECTORY...\nRemove the DIRECTORY(ies), if they are empty.\n');
  if (typeof parsed === 'number') return parsed;
  return eachOperand(ctx, parsed, (operand) => {
    try {
      ctx.p.unlinkat(AT_FDCWD, guestPath(toByteString(operand)), AT_REMOVEDIR);
      return true;
    } catch (e) {
      complainAbout(ctx, `failed to remove ${q(operand)}`, e);
      return false;
    }
  });
};

/** Removes a tree bottom-up; reports each failure. */
function removeTree(ctx: ToolContext, path: ByteString, st: Stat): boolean {
  if (typeLetter(st.mode) !== 'd') {
    try {
      ctx.p.unlinkat(AT_FDCWD, guestPath(path));
      return true;
    } catch (e) {
      complainAbout(ctx, `cannot remove ${qp(path)}`, e);
      return false;
    }
  }
  let ok = true;
  let names: ByteString[] = [];
  try {
    names = guestTree(ctx.p).list(path);
  } catch (e) {
    complainAbout(ctx, `cannot remove ${qp(path)}`, e);
    return false;
  }
  for (const name of names) {
    const child = joinPath(path, name);
    const cst = statOrNull(ctx.p, child, false);
    if (cst !== null && !removeTree(ctx, child, cst)) ok = false;
  }
  try {
    ctx.p.unlinkat(AT_FDCWD, guestPath(path), AT_REMOVEDIR);
  } catch (e) {
    complainAbout(ctx, `cannot remove ${qp(path)}`, e);
    ok = false;
  }
  return ok;
}

/** `rm [-r] [-f] [-d] FILE...` */
export const rm: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'rRfdv', long: { recursive: { key: 'r' }, force: { key: 'f' }, dir: { key: 'd' } } },
    'Usage: rm [-rfd] FILE...\nRemove (unlink) the FILE(s).\n\n  -f  ignore nonexistent files\n  -r  remove directories and their contents recursively\n  -d  remove empty directories\n');
  if (typeof parsed === 'number') return parsed;
  const force = has(parsed, 'f');
  const recursive = has(parsed, 'r', 'R');
  if (parsed.operands.length === 0) {
    if (force) return 0;
    complain(ctx, `missing operand\nTry '${ctx.prog} --help' for more information.`);
    return 1;
  }
  return eachOperand(ctx, parsed, (operand) => {
    const path = toByteString(operand);
    if (recursive && path.replace(/\/+$/, '') === '' && path !== '') {
      complain(ctx, `it is dangerous to operate recursively on '/'`);
      return false;
    }
    if (/(^|\/)\.\.?\/*$/.test(path)) {
      complain(ctx, `refusing to remove '.' or '..' directory: skipping ${q(operand)}`);
      return false;
    }
    let st: Stat | null;
    try {
      st = statOrNull(ctx.p, path, false);
    } catch (e) {
      complainAbout(ctx, `cannot remove ${q(operand)}`, e);
      return false;
    }
    if (st === null) {
      if (force) return true;
      complain(ctx, `cannot remove ${q(operand)}: No such file or directory`);
      return false;
    }
    if (typeLetter(st.mode) === 'd') {
      if (recursive) return removeTree(ctx, path, st);
      if (has(parsed, 'd')) {
        try {
          ctx.p.unlinkat(AT_FDCWD, guestPath(path), AT_REMOVEDIR);
          return true;
        } catch (e) {
          complainAbout(ctx, `cannot remove ${q(operand)}`, e);
          return false;
        }
      }
      complain(ctx, `cannot remove ${q(operand)}: Is a directory`);
      return false;
    }
    try {
      ctx.p.unlinkat(AT_FDCWD, guestPath(path));
      return true;
    } catch (e) {
      complainAbout(ctx, `cannot remove ${q(operand)}`, e);
      return false;
    }
  });
};

/** `mv [-n] SOURCE... DEST`: rename, or copy and remove across filesystems (EXDEV). */
export const mv: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'fnv', long: { 'no-clobber': { key: 'n' }, force: { key: 'f' } } },
    'Usage: mv [-n] SOURCE... DEST\nRename SOURCE to DEST, or move SOURCE(s) to DIRECTORY.\n\n  -n  do not overwrite an existing file\n');
  if (typeof parsed === 'number') return parsed;
  const operands = parsed.operands.map(toByteString);
  if (operands.length < 2) {
    complain(ctx, operands.length === 0 ? 'missing file operand' : `missing destination file operand after ${q(parsed.operands[0]!)}`);
    return 1;
  }
  const dest = operands[operands.length - 1]!;
  const destSt = statOrNull(ctx.p, dest, true);
  const intoDir = destSt !== null && typeLetter(destSt.mode) === 'd';
  if (operands.length > 2 && !intoDir) {
    complain(ctx, `target ${qp(dest)} is not a directory`);
    return 1;
  }
  let status = 0;
  for (const src of operands.slice(0, -1)) {
    const target = intoDir ? joinPath(dest, baseName(src)) : dest;
    try {
      ctx.p.renameat2(AT_FDCWD, guestPath(src), AT_FDCWD, guestPath(target), has(parsed, 'n') ? RENAME_NOREPLACE : 0);
    } catch (e) {
      if (isCode(e, 'EEXIST') && has(parsed, 'n')) continue;
      if (!isCode(e, 'EXDEV')) {
        complainAbout(ctx, `cannot move ${qp(src)} to ${qp(target)}`, e);
        status = 1;
        continue;
      }
      // Another filesystem: copy everything with its modes and times, then remove the source.
      const tree = guestTree(ctx.p);
      const existing = statOrNull(ctx.p, target, false);
      if (existing !== null && typeLetter(existing.mode) === 'd' && !removeTree(ctx, target, existing)) {
        status = 1;
        continue;
      }
      const ok = copyTree(tree, src, tree, target, {
        recursive: true, preserve: true, followTop: false, report: (m) => complain(ctx, m),
      }, errorText);
      const st = ok ? statOrNull(ctx.p, src, false) : null;
      if (!ok || st === null || !removeTree(ctx, src, st)) status = 1;
    }
  }
  return status;
};

/** `ln [-s] [-f] TARGET... LINK_NAME|DIRECTORY` */
export const ln: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'sfnv', long: { symbolic: { key: 's' }, force: { key: 'f' } } },
    'Usage: ln [-s] [-f] TARGET LINK_NAME\n  or:  ln [-s] [-f] TARGET... DIRECTORY\nMake links (hard links by default, symbolic links with -s).\n');
  if (typeof parsed === 'number') return parsed;
  const operands = parsed.operands.map(toByteString);
  if (operands.length === 0) {
    complain(ctx, 'missing file operand');
    return 1;
  }
  if (operands.length === 1) operands.push(baseName(operands[0]!));
  const dest = operands[operands.length - 1]!;
  const destSt = statOrNull(ctx.p, dest, !has(parsed, 'n'));
  const intoDir = destSt !== null && typeLetter(destSt.mode) === 'd';
  if (operands.length > 2 && !intoDir) {
    complain(ctx, `target ${qp(dest)} is not a directory`);
    return 1;
  }
  const symbolic = has(parsed, 's');
  let status = 0;
  for (const target of operands.slice(0, -1)) {
    const link = intoDir ? joinPath(dest, baseName(target)) : dest;
    try {
      if (has(parsed, 'f')) {
        const old = statOrNull(ctx.p, link, false);
        if (old !== null && typeLetter(old.mode) !== 'd') ctx.p.unlinkat(AT_FDCWD, guestPath(link));
      }
      if (symbolic) ctx.p.symlinkat(guestPath(target), AT_FDCWD, guestPath(link));
      else ctx.p.linkat(AT_FDCWD, guestPath(target), AT_FDCWD, guestPath(link));
    } catch (e) {
      const what = symbolic
        ? `failed to create symbolic link ${qp(link)}`
        : isCode(e, 'ENOENT') && statOrNull(ctx.p, target, false) === null
          ? `failed to access ${qp(target)}`
          : `failed to create hard link ${qp(link)} => ${qp(target)}`;
      complainAbout(ctx, what, e);
      status = 1;
    }
  }
  return status;
};

/** `touch [-c] FILE...`: creates missing files and sets times to now. */
export const touch: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'c', long: { 'no-create': { key: 'c' } } },
    'Usage: touch [-c] FILE...\nUpdate the access and modification times of each FILE to the current time,\ncreating it empty if it does not exist (unless -c).\n');
  if (typeof parsed === 'number') return parsed;
  return eachOperand(ctx, parsed, (operand) => {
    const path = guestPath(toByteString(operand));
    try {
      try {
        ctx.p.utimensat(AT_FDCWD, path, null);
      } catch (e) {
        if (!isCode(e, 'ENOENT') || has(parsed, 'c')) throw e;
        ctx.p.close(ctx.p.openat(AT_FDCWD, path, O_WRONLY | O_CREAT, 0o666));
      }
      return true;
    } catch (e) {
      if (isCode(e, 'ENOENT') && has(parsed, 'c')) return true;
      complainAbout(ctx, `cannot touch ${q(operand)}`, e);
      return false;
    }
  });
};

/** Applies `fn` to `path` and, with `recursive`, everything below it (no symlink followed below). */
function walkApply(ctx: ToolContext, path: ByteString, recursive: boolean, fn: (path: ByteString, st: Stat, top: boolean) => boolean, top = true): boolean {
  let st: Stat;
  try {
    st = ctx.p.fstatat(AT_FDCWD, guestPath(path), top ? 0 : AT_SYMLINK_NOFOLLOW);
  } catch (e) {
    complainAbout(ctx, `cannot access ${qp(path)}`, e);
    return false;
  }
  let ok = fn(path, st, top);
  if (recursive && typeLetter(st.mode) === 'd') {
    let names: ByteString[] = [];
    try {
      names = guestTree(ctx.p).list(path);
    } catch (e) {
      complainAbout(ctx, `cannot read directory ${qp(path)}`, e);
      return false;
    }
    for (const name of names) if (!walkApply(ctx, joinPath(path, name), true, fn, false)) ok = false;
  }
  return ok;
}

/** `chmod [-R] MODE FILE...` */
export const chmod: Tool = (ctx, args) => {
  // A mode like -w looks like an option: take it as the mode, as GNU chmod does.
  const modeIndex = args.findIndex((a) => a !== '-R' && a !== '--recursive' && !a.startsWith('--'));
  const rewritten = modeIndex >= 0 && /^-[rwxXst]+$/.test(args[modeIndex]!)
    ? [...args.slice(0, modeIndex), '--', ...args.slice(modeIndex)]
    : args;
  const parsed = parseOptions(ctx, rewritten, { flags: 'Rfv', long: { recursive: { key: 'R' } } },
    'Usage: chmod [-R] MODE[,MODE]... FILE...\n  or:  chmod [-R] OCTAL-MODE FILE...\nChange the mode of each FILE to MODE (like u+x,go-w or 755).\n');
  if (typeof parsed === 'number') return parsed;
  const [modeText, ...files] = parsed.operands;
  if (modeText === undefined || files.length === 0) {
    complain(ctx, modeText === undefined ? 'missing operand' : `missing operand after ${q(modeText)}`);
    return 1;
  }
  const change = parseMode(modeText);
  if (change === null) {
    complain(ctx, `invalid mode: ${q(modeText)}`);
    return 1;
  }
  const umask = ctx.p.fsContext.umask;
  let status = 0;
  for (const f of files) {
    const ok = walkApply(ctx, toByteString(f), has(parsed, 'R'), (path, st) => {
      if (typeLetter(st.mode) === 'l') return true; // symlinks below a -R walk are skipped, as GNU does
      try {
        ctx.p.fchmodat(AT_FDCWD, guestPath(path), change(st.mode, typeLetter(st.mode) === 'd', umask));
        return true;
      } catch (e) {
        complainAbout(ctx, `changing permissions of ${qp(path)}`, e);
        return false;
      }
    });
    if (!ok) status = 1;
  }
  return status;
};

/** `chown [-R] [-h] OWNER[:GROUP] FILE...` (also `:GROUP`) */
export const chown: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'Rhfv', long: { recursive: { key: 'R' }, 'no-dereference': { key: 'h' } } },
    'Usage: chown [-R] [-h] [OWNER][:[GROUP]] FILE...\nChange the owner and/or group of each FILE (names from the guest\'s /etc/passwd and /etc/group).\n');
  if (typeof parsed === 'number') return parsed;
  const [spec, ...files] = parsed.operands;
  if (spec === undefined || files.length === 0) {
    complain(ctx, spec === undefined ? 'missing operand' : `missing operand after ${q(spec)}`);
    return 1;
  }
  const names = new IdNames(ctx.p);
  const sep = spec.search(/[:.]/);
  const userText = sep < 0 ? spec : spec.slice(0, sep);
  const groupText = sep < 0 ? '' : spec.slice(sep + 1);
  const uid = userText === '' ? -1 : names.uidOf(userText);
  if (uid === undefined) {
    complain(ctx, `invalid user: ${q(spec)}`);
    return 1;
  }
  const gid = groupText === '' ? -1 : names.gidOf(groupText);
  if (gid === undefined) {
    complain(ctx, `invalid group: ${q(spec)}`);
    return 1;
  }
  let status = 0;
  for (const f of files) {
    const ok = walkApply(ctx, toByteString(f), has(parsed, 'R'), (path, _st, top) => {
      try {
        const nofollow = has(parsed, 'h') || !top;
        ctx.p.fchownat(AT_FDCWD, guestPath(path), uid, gid, nofollow ? AT_SYMLINK_NOFOLLOW : 0);
        return true;
      } catch (e) {
        complainAbout(ctx, `changing ownership of ${qp(path)}`, e);
        return false;
      }
    });
    if (!ok) status = 1;
  }
  return status;
};

/** Writes bytes to a guest file, creating it (mode 0666 less the umask) or truncating/appending. */
export function writeGuestFile(ctx: ToolContext, path: ByteString, data: Uint8Array, append: boolean): void {
  const fd = ctx.p.openat(AT_FDCWD, guestPath(path), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o666);
  try {
    let done = 0;
    while (done < data.length) done += ctx.p.write(fd, data, done, data.length - done);
  } finally {
    ctx.p.close(fd);
  }
}

/** `write [-a] [-n] FILE [TEXT...]`: writes TEXT (words joined by spaces, and a newline) to FILE. */
export const write: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'an', long: { append: { key: 'a' } }, stopAtOperand: true },
    'Usage: write [-a] [-n] FILE [TEXT...]\nWrite TEXT and a newline to FILE, replacing its contents (appending with -a;\nno newline with -n). Same as: echo TEXT > FILE\n');
  if (typeof parsed === 'number') return parsed;
  const [file, ...words] = parsed.operands;
  if (file === undefined) {
    complain(ctx, 'missing file operand');
    return 1;
  }
  const text = words.join(' ') + (has(parsed, 'n') ? '' : '\n');
  try {
    writeGuestFile(ctx, toByteString(file), new TextEncoder().encode(text), has(parsed, 'a'));
    return 0;
  } catch (e) {
    complainAbout(ctx, q(file), e);
    return 1;
  }
};

/** `echo [-n] [WORD...]` */
export const echo: Tool = (ctx, args) => {
  const noNewline = args[0] === '-n';
  const words = noNewline ? args.slice(1) : args;
  ctx.out.write(words.join(' ') + (noNewline ? '' : '\n'));
  return 0;
};

/** `readlink FILE...`: prints symlink targets. */
export const readlink: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, {}, 'Usage: readlink FILE...\nPrint the target of each symbolic link FILE.\n');
  if (typeof parsed === 'number') return parsed;
  return eachOperand(ctx, parsed, (operand) => {
    try {
      ctx.out.write(ctx.p.readlinkatBytes(AT_FDCWD, guestPath(toByteString(operand))));
      ctx.out.write('\n');
      return true;
    } catch {
      return false; // readlink without -v is silent, as GNU's
    }
  });
};
