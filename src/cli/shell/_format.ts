// This module is browser compatible.
/**
 * How coreutils shows file attributes (C locale): `ls -l` mode strings and dates, stat's type
 * names and timestamps, shell-escape quoting of names, human-readable sizes.
 */
import type { ByteString } from '../../vfs/bytes.js';
import type { Timespec } from '../../vfs/stat.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The type letter of a mode, as `ls -l` shows it. */
export function typeLetter(mode: number): string {
  switch (mode & 0o170000) {
    case 0o040000: return 'd';
    case 0o120000: return 'l';
    case 0o020000: return 'c';
    case 0o060000: return 'b';
    case 0o010000: return 'p';
    case 0o140000: return 's';
    default: return '-';
  }
}

/** A mode as `ls -l` shows it: `drwxr-sr-t` (coreutils filemodestring). */
export function modeString(mode: number): string {
  const bit = (m: number, c: string): string => (mode & m ? c : '-');
  const special = (x: number, s: number, lower: string, upper: string): string =>
    mode & s ? (mode & x ? lower : upper) : mode & x ? 'x' : '-';
  return typeLetter(mode)
    + bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's', 'S')
    + bit(0o040, 'r') + bit(0o020, 'w') + special(0o010, 0o2000, 's', 'S')
    + bit(0o004, 'r') + bit(0o002, 'w') + special(0o001, 0o1000, 't', 'T');
}

/** The type of a file as stat's %F names it. */
export function fileTypeText(mode: number, size: number): string {
  switch (mode & 0o170000) {
    case 0o040000: return 'directory';
    case 0o120000: return 'symbolic link';
    case 0o020000: return 'character special file';
    case 0o060000: return 'block special file';
    case 0o010000: return 'fifo';
    case 0o140000: return 'socket';
    case 0o100000: return size === 0 ? 'regular empty file' : 'regular file';
    default: return 'weird file';
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * A date as `ls -l` shows it: `Nov 22 07:45` for times within six months before now (and not in
 * the future), `Nov 22  2025` otherwise (coreutils' long_time_format in the C locale).
 */
export function lsTime(t: Timespec, nowMs: number): string {
  const ms = t.sec * 1000 + Math.floor(t.nsec / 1e6);
  const d = new Date(ms);
  const day = String(d.getDate()).padStart(2, ' ');
  // coreutils: recent when newer than six months (half a Gregorian year) ago and not in the future.
  const sixMonthsMs = (31556952 / 2) * 1000;
  const recent = nowMs - sixMonthsMs < ms && ms <= nowMs;
  const tail = recent ? `${pad2(d.getHours())}:${pad2(d.getMinutes())}` : ` ${d.getFullYear()}`;
  return `${MONTHS[d.getMonth()]} ${day} ${tail}`;
}

/** The local zone offset of a moment as `+hhmm` (strftime %z). */
function zone(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${sign}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`;
}

/** A time as stat shows it: `2024-05-01 10:00:00.123456789 +0000` (local time). */
export function statTime(t: Timespec): string {
  const d = new Date(t.sec * 1000);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${date} ${time}.${String(t.nsec).padStart(9, '0')} ${zone(d)}`;
}

/** A time as `ls --full-time` and `find -printf %T+` would show it without the zone: for messages. */
export function isoTime(t: Timespec): string {
  return statTime(t).slice(0, 19);
}

/** Characters that make GNU's shell-escape style quote a name (anywhere in it). */
const SHELL_SPECIAL = new Set([...' \t\n"$&\'()*;<>?[\\]^`|!=']);

/** Characters that may stand in double quotes unescaped (gnulib's c_and_shell_quote_compat). */
const DOUBLE_QUOTE_SAFE = /^[A-Za-z0-9%+,\-./:@\]_' ]$/;

const C_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r' };

/**
 * Splits a byte string into characters: each valid UTF-8 sequence is one piece, printable unless
 * it is a control character (C0, DEL, C1: `control` is then its code point); every other byte is
 * a piece of its own, unprintable (`control` is the byte).
 */
export function namePieces(bytes: ByteString): { text: ByteString; control: number | null }[] {
  const out: { text: ByteString; control: number | null }[] = [];
  for (let i = 0; i < bytes.length;) {
    const b = bytes.charCodeAt(i);
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = len > 0 && i + len <= bytes.length;
    for (let k = 1; ok && k < len; k++) ok = (bytes.charCodeAt(i + k) & 0xc0) === 0x80;
    const text = ok ? bytes.slice(i, i + len) : bytes[i]!;
    const cp = ok ? [...new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0)))][0]!.codePointAt(0)! : -1;
    const control = !ok ? b : cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) ? cp : null;
    out.push({ text, control });
    i += ok ? len : 1;
  }
  return out;
}

/**
 * A name (bytes) quoted as coreutils' shell-escape style quotes it (what ls shows on a
 * terminal, in a UTF-8 locale; with `always`, shell-escape-always, stat's %N): unchanged when no shell would misread it, in double quotes when
 * its only problem is a single quote, in single quotes otherwise, with control characters and
 * bytes that are not UTF-8 as $'\t' or $'\ooo' pieces. `#` and `~` need quotes only at the start.
 */
export function shellEscape(name: ByteString, always = false): ByteString {
  const parts = namePieces(name);
  const control = parts.some((p) => p.control !== null);
  const lone = name === '{' || name === '}';
  const special = lone || parts.some((p) => SHELL_SPECIAL.has(p.text)) || name.startsWith('#') || name.startsWith('~');
  if (name.length > 0 && !control && !special) return always ? `'${name}'` : name;
  // gnulib quotearg: a name whose only troubles are single quotes (and blanks, a leading # or ~)
  // is put in double quotes instead.
  if (name.includes("'") && parts.every((p, i) => p.control === null && (p.text.length > 1 || DOUBLE_QUOTE_SAFE.test(p.text) || (i === 0 && (p.text === '#' || p.text === '~'))))) {
    return `"${name}"`;
  }
  let out = '';
  let inQuote = false;
  for (const p of parts) {
    if (p.control !== null) {
      if (inQuote) out += "'";
      inQuote = false;
      const esc = p.text.length === 1 ? C_ESCAPES[p.control] : undefined;
      // Each byte of an unprintable character is shown, in octal.
      out += `$'${esc !== undefined ? `\\${esc}` : [...p.text].map((b) => `\\${b.charCodeAt(0).toString(8).padStart(3, '0')}`).join('')}'`;
    } else if (p.text === "'") {
      if (inQuote) out += "'";
      inQuote = false;
      out += "\\'";
    } else {
      if (!inQuote) out += "'";
      inQuote = true;
      out += p.text;
    }
  }
  if (inQuote) out += "'";
  return out === '' ? "''" : out;
}

/**
 * A size in powers of 1024 as `ls -h` and `df -h` show it: rounded up, one decimal below 10
 * (`1.1K`, `12K`, `3.0M`), plain bytes below 1024.
 */
export function humanSize(n: number): string {
  if (n < 1024) return String(n);
  const units = 'KMGTPE';
  let value = n;
  let u = -1;
  while (value >= 1024 && u < units.length - 1) {
    value /= 1024;
    u++;
  }
  if (value < 10) {
    const tenths = Math.ceil(value * 10 - 1e-9);
    if (tenths < 100) return `${(tenths / 10).toFixed(1)}${units[u]}`;
    value = 10;
  }
  let whole = Math.ceil(value - 1e-9);
  if (whole >= 1024 && u < units.length - 1) {
    whole = 1;
    u++;
    return `1.0${units[u]}`;
  }
  return `${whole}${units[u]}`;
}

/**
 * A name as tree(1) shows it: unprintable characters as `\\ooo` (the byte, or a C1 code point);
 * when the name is not valid UTF-8 as a whole, tree reads it byte by byte: bytes outside ASCII
 * and controls as `\\ooo`, except 7 to 13 as C escapes (`\\t`), and a space or a backslash
 * escaped with a backslash.
 */
export function octalEscape(name: ByteString): ByteString {
  const parts = namePieces(name);
  const octal = (c: number): string => `\\${c.toString(8).padStart(3, '0')}`;
  if (parts.some((p) => p.control !== null && p.text.length === 1 && p.text.charCodeAt(0) >= 0x80)) {
    let out = '';
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 7 && c <= 13) out += '\\' + C_ESCAPES[c];
      else if (c === 0x20 || c === 0x5c) out += '\\' + name[i];
      else out += c < 0x20 || c >= 0x7f ? octal(c) : name[i];
    }
    return out;
  }
  let out = '';
  for (const p of parts) out += p.control === null ? p.text : octal(p.control);
  return out;
}
