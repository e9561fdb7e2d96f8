// This module is browser compatible.
/** Lexical helpers for absolute guest paths, shared by the exec and bwrap code. */
import type { ByteString } from '../vfs/bytes.js';

/** The components of an absolute path with `.`, `..` and repeated slashes resolved lexically. */
export function pathComponents(path: ByteString): ByteString[] {
  const out: ByteString[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

/** The number of components of `prefix` when `path` is `prefix` or below it, else -1. */
export function prefixDepth(path: readonly ByteString[], prefix: readonly ByteString[]): number {
  if (prefix.length > path.length) return -1;
  return prefix.every((c, i) => path[i] === c) ? prefix.length : -1;
}
