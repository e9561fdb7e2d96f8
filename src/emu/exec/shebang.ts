// This module is browser compatible.
/**
 * `#!` lines, parsed exactly as Linux's fs/binfmt_script.c:load_script does (6.x), and FEX-Emu's
 * variant that splits the whole line into arguments.
 *
 * Linux reads the first BINPRM_BUF_SIZE (256) bytes, zero-padded. The line ends at the first
 * newline, which must come before any NUL (strnchr stops there). Without one, the line is the
 * whole buffer minus its last byte, and the interpreter path must be followed by a space, tab or
 * NUL somewhere in the buffer, or the path could be truncated: ENOEXEC. Spaces and tabs around
 * the line are trimmed; the interpreter runs to the first space, tab or NUL; everything after the
 * following blanks, up to the end of the line or a NUL, is one optional argument, inner blanks
 * included. A line with no interpreter is ENOEXEC.
 */
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';

/** Bytes the kernel reads to recognise a binary (include/uapi/linux/binfmts.h). */
export const BINPRM_BUF_SIZE = 256;
/** Bytes FEX-Emu reads for a `#!` line: `#!` and 255 characters. */
export const FEX_SHEBANG_READ_SIZE = 257;

/** A parsed `#!` line. */
export interface Shebang {
  /** The interpreter path as written (opened relative to the cwd when relative). */
  readonly interpreter: ByteString;
  /** Arguments before the script path: at most one for the kernel, any number for FEX. */
  readonly args: readonly ByteString[];
}

/** How `#!` lines are split: Linux's rule, or FEX-Emu's split on every space. */
export type ShebangDialect = 'linux' | 'fex';

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;

function spacetab(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** binfmt_script's next_non_spacetab over [first, last]; -1 when none. */
function nextNonSpacetab(b: Uint8Array, first: number, last: number): number {
  for (; first <= last; first++) if (!spacetab(b[first]!)) return first;
  return -1;
}

/** binfmt_script's next_terminator: the next space, tab or NUL in [first, last]; -1 when none. */
function nextTerminator(b: Uint8Array, first: number, last: number): number {
  for (; first <= last; first++) {
    const c = b[first]!;
    if (spacetab(c) || c === 0) return first;
  }
  return -1;
}

/** The C string at `start`: bytes up to the first NUL. */
function cString(b: Uint8Array, start: number): ByteString {
  let s = '';
  for (let i = start; i < b.length && b[i] !== 0; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/**
 * Parses the start of a file as Linux's load_script does. `head` is the file's first bytes (only
 * the first 256 are looked at; shorter files are zero-padded as prepare_binprm pads them).
 * Returns null when the file does not start with `#!`.
 * Errors: ENOEXEC (no interpreter, or an interpreter path that may be truncated).
 *
 * @example
 * parseShebang(new TextEncoder().encode('#! /bin/sh -e  \n'));  // { interpreter: '/bin/sh', args: ['-e'] }
 */
export function parseShebang(head: Uint8Array): Shebang | null {
  const b = new Uint8Array(BINPRM_BUF_SIZE);
  b.set(head.subarray(0, BINPRM_BUF_SIZE));
  if (b[0] !== 0x23 || b[1] !== 0x21) return null;
  const bufEnd = BINPRM_BUF_SIZE - 1;
  // strnchr(buf, sizeof(buf), '\n') stops at the first NUL.
  let iEnd = -1;
  for (let i = 0; i < BINPRM_BUF_SIZE && b[i] !== 0; i++) {
    if (b[i] === NEWLINE) {
      iEnd = i;
      break;
    }
  }
  if (iEnd < 0) {
    const start = nextNonSpacetab(b, 2, bufEnd);
    if (start < 0) throw vfsError('ENOEXEC', '#! line is only blanks');
    if (nextTerminator(b, start, bufEnd) < 0) throw vfsError('ENOEXEC', '#! interpreter path may be truncated');
    iEnd = bufEnd;
  }
  while (spacetab(b[iEnd - 1]!)) iEnd--;
  const iName = nextNonSpacetab(b, 2, iEnd);
  if (iName < 0 || iName === iEnd) throw vfsError('ENOEXEC', '#! line names no interpreter');
  const iSep = nextTerminator(b, iName, iEnd);
  let iArg = -1;
  if (iSep >= 0 && b[iSep] !== 0) iArg = nextNonSpacetab(b, iSep, iEnd);
  b[iEnd] = 0;
  if (iArg >= 0) b[iSep] = 0;
  return { interpreter: cString(b, iName), args: iArg >= 0 ? [cString(b, iArg)] : [] };
}

/**
 * Parses a `#!` line as FEX-Emu does: it reads up to 257 bytes (no padding), takes everything
 * after `#!` up to the first newline or the end of what it read, and splits it on spaces only,
 * dropping empty pieces; the first piece is the interpreter, the rest are arguments. Tabs and
 * carriage returns stay inside pieces. Each piece ends at a NUL, as it will once it is a C string
 * in argv. Returns null for files of 2 bytes or less and files not starting with `#!`.
 * Errors: ENOEXEC when the line has no piece (FEX itself indexes an empty list there).
 */
export function parseShebangFex(head: Uint8Array): Shebang | null {
  const data = head.subarray(0, FEX_SHEBANG_READ_SIZE);
  if (data.length <= 2 || data[0] !== 0x23 || data[1] !== 0x21) return null;
  let end = data.indexOf(NEWLINE);
  if (end < 0) end = data.length;
  const pieces: ByteString[] = [];
  let i = 2;
  while (i < end) {
    let j = i;
    while (j < end && data[j] !== SPACE) j++;
    if (j > i) pieces.push(cString(data.subarray(0, j), i));
    i = j + 1;
  }
  if (pieces.length === 0) throw vfsError('ENOEXEC', '#! line names no interpreter');
  return { interpreter: pieces[0]!, args: pieces.slice(1) };
}
