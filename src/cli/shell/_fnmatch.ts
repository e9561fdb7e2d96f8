// This module is browser compatible.
/**
 * Shell wildcard matching as fnmatch(3) does it without flags (what find's -name and -path use):
 * `*` any run of bytes (slashes and leading dots included), `?` one byte, `[...]` a set with
 * ranges, `!` or `^` to negate and `]` first to include it, `\` to quote the next byte. Names and
 * patterns are byte strings; a malformed set is taken literally, as glibc does.
 */
import type { ByteString } from '../../vfs/bytes.js';

/** Matches `name` against `pattern`; `fold` compares letters case-insensitively (FNM_CASEFOLD). */
export function fnmatch(pattern: ByteString, name: ByteString, fold = false): boolean {
  const p = fold ? pattern.toLowerCase() : pattern;
  const n = fold ? name.toLowerCase() : name;
  return matchAt(p, 0, n, 0);
}

/** Parses a set at `p[i]` (just after '['); returns its end index (after ']') and whether `c` is in it, or null if malformed. */
function matchSet(p: ByteString, i: number, c: string): { end: number; hit: boolean } | null {
  let j = i;
  let negate = false;
  if (p[j] === '!' || p[j] === '^') {
    negate = true;
    j++;
  }
  let hit = false;
  let first = true;
  while (j < p.length) {
    let lo = p[j]!;
    if (lo === ']' && !first) return { end: j + 1, hit: hit !== negate };
    first = false;
    if (lo === '\\' && j + 1 < p.length) lo = p[++j]!;
    let hi = lo;
    if (p[j + 1] === '-' && j + 2 < p.length && p[j + 2] !== ']') {
      hi = p[j + 2]!;
      if (hi === '\\' && j + 3 < p.length) {
        hi = p[j + 3]!;
        j++;
      }
      j += 2;
    }
    if (lo <= c && c <= hi) hit = true;
    j++;
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
          // A malformed set is a literal '['.
          const set = matchSet(p, pi + 1, n[ni]!);
          if (set === null ? n[ni] === '[' : set.hit) next = set === null ? pi + 1 : set.end;
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
