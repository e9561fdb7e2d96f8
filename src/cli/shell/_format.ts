// This module is browser compatible.
/**
 * How coreutils shows file attributes (C locale): `ls -l` mode strings and dates, stat's type
 * names and timestamps, shell-escape quoting of names, human-readable sizes.
 */
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

const SAFE = /^[A-Za-z0-9_./+,:@%^=-]+$/;

/**
 * A name quoted as coreutils' shell-escape style quotes it: unchanged when it needs no quoting,
 * in single quotes otherwise, with control characters as $'\ooo' pieces.
 */
export function shellEscape(name: string): string {
  if (name.length > 0 && SAFE.test(name)) return name;
  let out = '';
  let inQuote = false;
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) {
      if (inQuote) out += "'";
      inQuote = false;
      out += `$'\\${c.toString(8).padStart(3, '0')}'`;
    } else if (ch === "'") {
      if (inQuote) out += "'";
      inQuote = false;
      out += "\\'";
    } else {
      if (!inQuote) out += "'";
      inQuote = true;
      out += ch;
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
