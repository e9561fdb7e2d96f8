// This module is browser compatible.
/**
 * Shell wildcard matching as fnmatch(3) does it without flags (what find's -name and -path use):
 * `*` any run of bytes (slashes and leading dots included), `?` one byte, `[...]` a set with
 * ranges, `[:class:]`, `[.c.]` and `[=c=]`, `!` or `^` to negate and `]` first to include it, `\`
 * to quote the next byte. Names and patterns are byte strings. Malformed patterns behave as in
 * glibc (checked against it on generated patterns): a set that never closes is a literal `[`; a
 * set is read element by element, and a malformed class or symbol, or a range cut off by the end,
 * fails the attempt only if it is read before the character is found; a trailing `\` never
 * matches.
 */
import type { ByteString } from '../../vfs/bytes.js';

/** Matches `name` against `pattern`; `fold` compares letters case-insensitively (FNM_CASEFOLD). */
export function fnmatch(pattern: ByteString, name: ByteString, fold = false): boolean {
  // glibc: a pattern ending in an unescaped backslash is malformed and matches nothing.
  if (/(^|[^\\])(\\\\)*\\$/.test(pattern)) return false;
  const p = fold ? pattern.toLowerCase() : pattern;
  const n = fold ? name.toLowerCase() : name;
  return matchAt(p, 0, n, 0);
}

/** POSIX character classes, as the C locale defines them. */
const CLASSES: Record<string, (c: number) => boolean> = {
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  digit: (c) => c >= 48 && c <= 57,
  alnum: (c) => CLASSES['alpha']!(c) || CLASSES['digit']!(c),
  upper: (c) => c >= 65 && c <= 90,
  lower: (c) => c >= 97 && c <= 122,
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  blank: (c) => c === 32 || c === 9,
  punct: (c) => c > 32 && c < 127 && !CLASSES['alnum']!(c),
  print: (c) => c >= 32 && c < 127,
  graph: (c) => c > 32 && c < 127,
  cntrl: (c) => c < 32 || c === 127,
  xdigit: (c) => CLASSES['digit']!(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

/** A bracket that glibc's fnmatch refuses while reading it: the whole match then fails. */
const ERROR = 'error';

/** Where the class name starting at `p[k]` ends: glibc takes lowercase letters up to 'y'. */
function classNameEnd(p: ByteString, k: number): number {
  while (k < p.length && p[k]! >= 'a' && p[k]! < 'z') k++;
  return k;
}

/** Where a `[.c.]` collating symbol at `p[j]` ends and what it stands for; ERROR when malformed. */
function collatingSymbol(p: ByteString, j: number): { ch: string; end: number } | typeof ERROR {
  const close = p.indexOf('.]', j + 3);
  // The C locale has one-character collating elements only.
  return close === j + 3 ? { ch: p[j + 2]!, end: close + 2 } : ERROR;
}

/**
 * Reads a set at `p[i]` (just after '[') for the character `c`, element by element in order, as
 * glibc does: its end (after ']') and whether `c` is in it; null when it never closes (the '['
 * is then a literal character); ERROR when an element read before `c` was found is malformed
 * (an unknown class, a malformed symbol, a range cut off by the end of the pattern), which fails
 * the match.
 */
function matchSet(p: ByteString, i: number, c: string): { end: number; hit: boolean } | typeof ERROR | null {
  let j = i;
  const negate = p[j] === '!' || p[j] === '^';
  if (negate) j++;
  let first = true;
  let found = false;
  while (!found) {
    if (j >= p.length) return null;
    const ch = p[j]!;
    if (ch === ']' && !first) return { end: j + 1, hit: negate };
    first = false;
    let lo: string;
    if (ch === '\\') {
      if (j + 1 >= p.length) return ERROR;
      lo = p[j + 1]!;
      j += 2;
    } else if (ch === '[' && p[j + 1] === ':') {
      // A class name is lowercase letters up to 'y' (glibc's test); anything else makes the
      // '[' an ordinary member of the set.
      const k = classNameEnd(p, j + 2);
      if (p[k] === ':' && p[k + 1] === ']') {
        const cls = CLASSES[p.slice(j + 2, k)];
        if (cls === undefined) return ERROR;
        j = k + 2;
        if (cls(c.charCodeAt(0))) found = true;
        continue;
      }
      lo = '[';
      j++;
    } else if (ch === '[' && p[j + 1] === '=') {
      if (p[j + 3] !== '=' || p[j + 4] !== ']') return ERROR;
      j += 5;
      if (p[j - 3] === c) found = true;
      continue;
    } else if (ch === '[' && p[j + 1] === '.') {
      const sym = collatingSymbol(p, j);
      if (sym === ERROR) return ERROR;
      lo = sym.ch;
      j = sym.end;
    } else {
      lo = ch;
      j++;
    }
    const isRange = p[j] === '-' && j + 1 < p.length && p[j + 1] !== ']';
    if (!isRange && lo === c) {
      found = true;
    } else if (p[j] === '-' && p[j + 1] !== ']') {
      // A range; its end may be escaped or a collating symbol, and must exist.
      let k = j + 1;
      let hi = p[k];
      if (hi === '\\') hi = p[++k];
      if (hi === undefined) return ERROR;
      if (hi === '[' && p[k + 1] === '.') {
        const sym = collatingSymbol(p, k);
        if (sym === ERROR) return ERROR;
        hi = sym.ch;
        k = sym.end;
      } else {
        k++;
      }
      j = k;
      if (lo <= c && c <= hi) found = true;
    }
  }
  // Found: skip to the closing ']' (classes and symbols skipped whole, malformed ones refused);
  // a set that never closes is a literal '[' after all.
  while (j < p.length) {
    const ch = p[j]!;
    if (ch === ']') return { end: j + 1, hit: !negate };
    if (ch === '\\') {
      if (j + 1 >= p.length) return ERROR;
      j += 2;
    } else if (ch === '[' && p[j + 1] === ':') {
      const k = classNameEnd(p, j + 2);
      j = p[k] === ':' && p[k + 1] === ']' ? k + 2 : j + 1;
    } else if (ch === '[' && p[j + 1] === '.') {
      const close = p.indexOf('.]', j + 2);
      if (close < 0) return ERROR;
      j = close + 2;
    } else if (ch === '[' && p[j + 1] === '=') {
      if (p[j + 3] !== '=' || p[j + 4] !== ']') return ERROR;
      j += 5;
    } else {
      j++;
    }
  }
  return null;
}

/**
 * Matches with one backtracking point (the last `*`): every token but `*` consumes exactly one
 * byte, so retrying from the last star is enough, and the cost stays O(pattern x name) however
 * many stars a hostile pattern holds.
 */
function matchAt(p: ByteString, pi: number, n: ByteString, ni: number): boolean {
  let starP = -1;
  let starN = 0;
  while (ni < n.length || pi < p.length) {
    if (pi < p.length) {
      const c = p[pi]!;
      if (c === '*') {
        starP = ++pi;
        starN = ni;
        continue;
      }
      if (ni < n.length) {
        let next = -1;
        if (c === '?') {
          next = pi + 1;
        } else if (c === '[') {
          // A refused set fails this attempt only: a '*' before it may still match another way.
          const set = matchSet(p, pi + 1, n[ni]!);
          if (set !== ERROR && (set === null ? n[ni] === '[' : set.hit)) next = set === null ? pi + 1 : set.end;
        } else {
          const escaped = c === '\\' && pi + 1 < p.length;
          if ((escaped ? p[pi + 1] : c) === n[ni]) next = pi + (escaped ? 2 : 1);
        }
        if (next >= 0) {
          pi = next;
          ni++;
          continue;
        }
      }
    }
    if (starP < 0 || starN >= n.length) return false;
    pi = starP;
    ni = ++starN;
  }
  return true;
}

/** True when a word holds an unquoted wildcard (`*`, `?` or `[`). */
export function hasWildcard(word: ByteString): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}
