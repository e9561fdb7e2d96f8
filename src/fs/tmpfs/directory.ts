// This module is browser compatible.
/**
 * The entries of one tmpfs directory, with readdir positions that stay valid while the directory
 * changes (Linux 6.6+ tmpfs: fs/libfs.c simple_offset_*). Each entry gets a cookie when it is
 * added; cookies only grow, so a listing resumed from any cookie never repeats an entry and never
 * skips one that existed throughout. Cookies start at 2 (0 and 1 are `.` and `..`) and fit in
 * 31 bits for 32-bit guests.
 */
import { DIR_COOKIE_MAX } from '../../abi/limits.js';
import type { ByteString } from '../../vfs/bytes.js';
import type { DirentSink, Inode } from '../../vfs/inode.js';
import { modeToDirentType } from '../../abi/constants.js';

/** One name in a directory. */
export interface DirEntry {
  /** The name as stored (what readdir shows). */
  readonly name: ByteString;
  inode: Inode;
  cookie: number;
}

/**
 * Directory entries ordered by cookie; deletions leave holes that are compacted lazily. Entries
 * are found by key: the name itself, or its folded form in a casefolded directory.
 */
export class DirEntries {
  private readonly byName = new Map<ByteString, DirEntry>();
  /** Entries in cookie order; null marks a removed entry until the next compaction. */
  private slots: (DirEntry | null)[] = [];
  /** The cookie of each slot, kept for removed slots too so the array stays sorted. */
  private cookies: number[] = [];
  private nextCookie = 2;
  private holes = 0;

  get size(): number {
    return this.byName.size;
  }

  get(key: ByteString): DirEntry | undefined {
    return this.byName.get(key);
  }

  add(name: ByteString, inode: Inode, key: ByteString = name): void {
    if (this.nextCookie > DIR_COOKIE_MAX) this.renumber();
    const entry: DirEntry = { name, inode, cookie: this.nextCookie++ };
    this.byName.set(key, entry);
    this.slots.push(entry);
    this.cookies.push(entry.cookie);
  }

  remove(key: ByteString): DirEntry | undefined {
    const entry = this.byName.get(key);
    if (entry === undefined) return undefined;
    this.byName.delete(key);
    this.slots[this.firstIndexAtOrAfter(entry.cookie)] = null;
    this.holes++;
    if (this.holes > 32 && this.holes > this.byName.size) this.compact();
    return entry;
  }

  /** Replaces the inode an existing name refers to, keeping its position (RENAME_EXCHANGE). */
  replaceInode(key: ByteString, inode: Inode): void {
    const entry = this.byName.get(key);
    if (entry !== undefined) entry.inode = inode;
  }

  /** Emits entries whose cookie is at least `cookie`, in cookie order. */
  list(cookie: number, sink: DirentSink): void {
    const slots = this.slots;
    for (let i = this.firstIndexAtOrAfter(cookie); i < slots.length; i++) {
      const e = slots[i];
      if (e == null) continue;
      if (!sink(e.name, e.inode.ino, modeToDirentType(e.inode.mode), e.cookie + 1)) return;
    }
  }

  values(): IterableIterator<DirEntry> {
    return this.byName.values();
  }

  /** Binary search for the first slot whose cookie is >= `cookie`. */
  private firstIndexAtOrAfter(cookie: number): number {
    const cookies = this.cookies;
    let lo = 0;
    let hi = cookies.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cookies[mid]! < cookie) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    this.slots = this.slots.filter((e): e is DirEntry => e !== null);
    this.cookies = this.slots.map((e) => e!.cookie);
    this.holes = 0;
  }

  /** Runs after 2^31 insertions into one directory: open listings may then repeat entries. */
  private renumber(): void {
    this.compact();
    let c = 2;
    for (const e of this.slots) if (e) e.cookie = c++;
    this.cookies = this.slots.map((e) => e!.cookie);
    this.nextCookie = c;
  }
}
