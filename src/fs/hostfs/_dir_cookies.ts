// This module is browser compatible.
/**
 * Readdir positions for a directory whose entries live elsewhere (a host directory). The host's
 * own d_off values are 64-bit hashes on ext4 and btrfs, useless to a 32-bit guest, so each name
 * gets a cookie the first time a listing meets it and keeps it for as long as this object
 * lives. A listing resumed from any cookie then never repeats an entry and never skips one that
 * existed throughout, whatever the host does in between; new names get higher cookies and
 * appear at the end, as on Linux tmpfs. Cookies start at 2 (0 and 1 are `.` and `..`) and fit
 * in 31 bits.
 */
import { DIR_COOKIE_MAX } from '../../abi/limits.js';
import type { ByteString } from '../../vfs/bytes.js';

/** One entry of a listing. */
export interface ListedEntry {
  name: ByteString;
  ino: number;
  type: number;
  cookie: number;
}

/** The cookies of one directory's names. */
export class DirCookies {
  private byName = new Map<ByteString, number>();
  private next = 2;

  /**
   * Gives each entry its cookie (a new one for names never seen) and returns the entries in
   * cookie order. Names not in `entries` are forgotten once they outnumber the present ones, so
   * a directory with churn on the host does not grow this map without bound.
   */
  order(entries: ListedEntry[]): ListedEntry[] {
    if (this.next + entries.length > DIR_COOKIE_MAX) {
      // After 2^31 names in one directory: start over; open listings may repeat entries.
      this.byName.clear();
      this.next = 2;
    }
    for (const e of entries) {
      let c = this.byName.get(e.name);
      if (c === undefined) {
        c = this.next++;
        this.byName.set(e.name, c);
      }
      e.cookie = c;
    }
    if (this.byName.size > 2 * entries.length + 1024) {
      const kept = new Map<ByteString, number>();
      for (const e of entries) kept.set(e.name, e.cookie);
      this.byName = kept;
    }
    return entries.sort((a, b) => a.cookie - b.cookie);
  }
}

/** The index of the first entry whose cookie is at least `cookie` (entries in cookie order). */
export function firstAtOrAfter(entries: readonly ListedEntry[], cookie: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.cookie < cookie) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
