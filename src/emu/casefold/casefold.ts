// This module is browser compatible.
/**
 * Case folding of file names with the semantics of Linux's casefolding filesystems (ext4, f2fs,
 * tmpfs with `casefold`; fs/unicode/utf8-core.c and utf8-norm.c, encoding "utf8-12.1"). Names
 * are byte strings (see src/vfs/bytes.ts).
 *
 * `utf8Casefold` is the kernel's `utf8_casefold`: each code point is replaced by its NFDICF
 * mapping (unicode_data.ts), then combining marks between two starters are put in canonical
 * order. Byte-exact details the kernel has and this function keeps:
 * - an ignorable code point maps to nothing but still ends a run of combining marks, so
 *   "a\u0301\u200B\u0323" and "a\u0323\u0301" are different names;
 * - code points unassigned in Unicode 12.1 (noncharacters and private use included) pass
 *   through unchanged; only malformed UTF-8 fails: a first byte that is a continuation byte,
 *   or a lead byte not followed by a well-formed sequence (overlong forms, surrogates, values
 *   over U+10FFFF, truncation);
 * - a continuation byte where a character should start, other than the first byte, is copied
 *   through as it is (the kernel's cursor takes it for the tail of the previous character), and
 *   inside a run of combining marks it is copied once per ordering pass.
 *
 * `casefoldKey` turns that into the equivalence ext4 uses when it compares names (ext4_match,
 * generic_ci_d_compare): two names that fold are equal when their folds are; a name that does
 * not fold equals only itself, byte for byte.
 */
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import { combiningClass, nfdicfMapping } from './unicode_data.js';

/** Marks a code unit that is a copied continuation byte (never a combining class). */
const STRAY = -1;
/** A unit that emits nothing: an ignorable code point (a starter for ordering). */
const EMPTY = -1;

/** Appends the UTF-8 bytes of a code point to a byte string. */
function utf8Append(out: ByteString, cp: number): ByteString {
  if (cp < 0x80) return out + String.fromCharCode(cp);
  if (cp < 0x800) return out + String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) return out + String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  return out + String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/**
 * Decodes the well-formed UTF-8 sequence starting at `i` (whose first byte is not a continuation
 * byte). Returns the code point and the sequence length packed as `cp * 8 + length`, or -1.
 */
function decodeAt(s: ByteString, i: number): number {
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return b0 * 8 + 1;
  let len: number;
  let cp: number;
  let min: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) { len = 2; cp = b0 & 0x1f; min = 0x80; }
  else if (b0 >= 0xe0 && b0 <= 0xef) { len = 3; cp = b0 & 0x0f; min = 0x800; }
  else if (b0 >= 0xf0 && b0 <= 0xf4) { len = 4; cp = b0 & 0x07; min = 0x10000; }
  else return -1;
  if (i + len > s.length) return -1;
  for (let k = 1; k < len; k++) {
    const b = s.charCodeAt(i + k);
    if ((b & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  return cp * 8 + len;
}

function isAsciiName(s: ByteString): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function asciiLower(s: ByteString): ByteString {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.toLowerCase();
  }
  return s;
}

/**
 * Linux `utf8_casefold` (NFD + full case folding, ignorables removed, Unicode 12.1) of a name
 * given as bytes; null where the kernel's cursor fails (see the module comment).
 *
 * @example
 * utf8Casefold(toByteString('Straße')) === toByteString('strasse'); // true
 */
export function utf8Casefold(name: ByteString): ByteString | null {
  if (isAsciiName(name)) return asciiLower(name);
  const n = name.length;
  if (n > 0 && (name.charCodeAt(0) & 0xc0) === 0x80) return null;
  // Units: one per code point of each mapping, ignorables as EMPTY starters, stray
  // continuation bytes as STRAY (their byte kept negative in `cps`).
  const cps: number[] = [];
  const classes: number[] = [];
  for (let i = 0; i < n;) {
    const b = name.charCodeAt(i);
    if ((b & 0xc0) === 0x80) {
      cps.push(-b);
      classes.push(STRAY);
      i++;
      continue;
    }
    const d = decodeAt(name, i);
    if (d < 0) return null;
    const cp = Math.floor(d / 8);
    i += d & 7;
    const m = nfdicfMapping(cp);
    if (m === undefined) {
      cps.push(cp);
      classes.push(combiningClass(cp));
    } else if (m.length === 0) {
      cps.push(EMPTY);
      classes.push(0);
    } else {
      for (const x of m) {
        cps.push(x);
        classes.push(combiningClass(x));
      }
    }
  }
  let out = '';
  const units = cps.length;
  for (let i = 0; i < units;) {
    const c = classes[i]!;
    if (c === STRAY) {
      out += String.fromCharCode(-cps[i]!);
      i++;
    } else if (c === 0) {
      if (cps[i] !== EMPTY) out = utf8Append(out, cps[i]!);
      i++;
    } else {
      // A run of combining marks (and stray bytes) up to the next starter: one pass that only
      // copies stray bytes, then one pass per combining class in ascending order.
      let j = i;
      const seen: number[] = [];
      while (j < units && classes[j] !== 0) {
        const cj = classes[j]!;
        if (cj !== STRAY && !seen.includes(cj)) seen.push(cj);
        j++;
      }
      seen.sort((a, b) => a - b);
      for (let pass = -1; pass < seen.length; pass++) {
        const want = pass < 0 ? -2 : seen[pass]!;
        for (let k = i; k < j; k++) {
          const ck = classes[k]!;
          if (ck === STRAY) out += String.fromCharCode(-cps[k]!);
          else if (ck === want) out = utf8Append(out, cps[k]!);
        }
      }
      i = j;
    }
  }
  return out;
}

/**
 * Linux `utf8_validate`: true when the name is well-formed UTF-8 (every code point, assigned or
 * not, surrogates excluded). A strict casefolded directory refuses to create other names.
 */
export function utf8Validate(name: ByteString): boolean {
  for (let i = 0; i < name.length;) {
    if (name.charCodeAt(i) < 0x80) { i++; continue; }
    const d = decodeAt(name, i);
    if (d < 0) return false;
    i += d & 7;
  }
  return true;
}

/** Prefixes the key of a name that does not fold; folded keys never hold code units over 0xFF. */
const RAW_KEY_PREFIX = '\u0100';

/**
 * The key under which a casefolded directory files `name`: two names have equal keys when ext4
 * takes them for the same entry. The stored name is kept elsewhere; this is only for lookups (a
 * Map key). Names that do not fold (malformed UTF-8) are keyed by their bytes.
 *
 * One case is made symmetric where ext4 is not: when a name folds to bytes that start with a
 * continuation byte (an ignorable code point or a combining mark, then a stray continuation
 * byte), ext4_match compares that fold with the raw bytes of entries that do not fold, so
 * looking up "​" finds a stored ""; here the two are one name both ways, where
 * ext4 does not find a stored "​" by "".
 */
export function casefoldKey(name: ByteString): string {
  const folded = utf8Casefold(name);
  if (folded === null) return RAW_KEY_PREFIX + name;
  // ext4 keeps at most EXT4_NAME_LEN bytes of a fold; past that it compares unfolded names.
  if (folded.length > 0 && folded.length <= 255 && (folded.charCodeAt(0) & 0xc0) === 0x80) return RAW_KEY_PREFIX + folded;
  return folded;
}

/**
 * `casefoldKey` for a filesystem with the strict encoding flag, where a name that does not fold
 * cannot even be looked up (Linux generic_ci_d_hash). Errors: EINVAL.
 */
export function casefoldKeyStrict(name: ByteString): string {
  const folded = utf8Casefold(name);
  if (folded === null) throw vfsError('EINVAL');
  return folded;
}

/** True when ext4 casefold (non-strict) takes `a` and `b` for the same name. */
export function casefoldEqual(a: ByteString, b: ByteString): boolean {
  return a === b || casefoldKey(a) === casefoldKey(b);
}

/**
 * A directory's names by folded key (`casefoldKey`), for filesystems that keep case-sensitive
 * names and look them up case-insensitively: of names that fold alike, the first in byte order
 * keeps the key.
 */
export function foldedIndex(names: Iterable<ByteString>): Map<string, ByteString> {
  const index = new Map<string, ByteString>();
  for (const name of [...names].sort()) {
    const key = casefoldKey(name);
    if (!index.has(key)) index.set(key, name);
  }
  return index;
}
