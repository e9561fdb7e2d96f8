// This module is browser compatible.
/**
 * The bytes of a tmpfs regular file, kept in 4-KiB pages as the kernel's page cache keeps them:
 * holes cost nothing (sparse files), `st_blocks` counts allocated pages like Linux tmpfs, and
 * appends cost amortized O(1) (no whole-file copies). A file smaller than a page keeps one
 * short page that grows by doubling, so small files cost about their size.
 */
import { vfsError } from '../../vfs/errors.js';

/** Page size in bytes. */
export const PAGE_SIZE = 4096;

/**
 * Full pages come from 64-KiB slabs, and pages a file gives back are reused: allocating a
 * separate 4-KiB buffer per page (zeroed, tracked as external memory by the garbage collector)
 * cost more than everything else in creating a small file. A slab lives while any of its pages
 * does, so the memory a slab can pin is bounded at 16 pages per live page; the free list is
 * bounded too (8 MiB), beyond which freed pages are simply dropped.
 */
const SLAB_PAGES = 16;
const MAX_FREE_PAGES = 2048;
const freePages: Uint8Array[] = [];
let slab: ArrayBuffer | null = null;
let slabNext = SLAB_PAGES;

function allocPage(): Uint8Array {
  const reused = freePages.pop();
  if (reused !== undefined) {
    reused.fill(0);
    return reused;
  }
  if (slabNext === SLAB_PAGES) {
    slab = new ArrayBuffer(SLAB_PAGES * PAGE_SIZE);
    slabNext = 0;
  }
  return new Uint8Array(slab!, PAGE_SIZE * slabNext++, PAGE_SIZE);
}

function freePage(page: Uint8Array | undefined): void {
  if (page !== undefined && page.length === PAGE_SIZE && freePages.length < MAX_FREE_PAGES) freePages.push(page);
}

export class FileData {
  /** Pages by index; undefined is a hole. A page may be shorter than PAGE_SIZE (then it is the only data). */
  private pages: (Uint8Array | undefined)[] = [];
  /** Pages allocated (for st_blocks). */
  allocatedPages = 0;

  /** Copies `length` bytes at `position` of a file of `size` bytes into `buf[offset..]`. */
  read(size: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    if (position >= size || length <= 0) return 0;
    const end = Math.min(size, position + length);
    let pos = position;
    let out = offset;
    while (pos < end) {
      const index = Math.floor(pos / PAGE_SIZE);
      const inPage = pos - index * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, end - pos);
      const page = this.pages[index];
      if (page === undefined) {
        buf.fill(0, out, out + n);
      } else if (inPage >= page.length) {
        buf.fill(0, out, out + n);
      } else {
        const avail = Math.min(n, page.length - inPage);
        // A whole page needs no view of itself.
        buf.set(inPage === 0 && avail === page.length ? page : page.subarray(inPage, inPage + avail), out);
        if (avail < n) buf.fill(0, out + avail, out + n);
      }
      pos += n;
      out += n;
    }
    return end - position;
  }

  /** Writes `length` bytes from `buf[offset..]` at `position`. */
  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    if (position + length > Number.MAX_SAFE_INTEGER) throw vfsError('EFBIG');
    let pos = position;
    let src = offset;
    const end = position + length;
    while (pos < end) {
      const index = Math.floor(pos / PAGE_SIZE);
      const inPage = pos - index * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, end - pos);
      const page = this.pageForWrite(index, inPage + n);
      page.set(buf.subarray(src, src + n), inPage);
      pos += n;
      src += n;
    }
  }

  /** How many pages a write of `length` bytes at `position` would allocate. */
  missingPages(position: number, length: number): number {
    if (length <= 0) return 0;
    const first = Math.floor(position / PAGE_SIZE);
    const last = Math.floor((position + length - 1) / PAGE_SIZE);
    let missing = 0;
    for (let i = first; i <= last; i++) if (this.pages[i] === undefined) missing++;
    return missing;
  }

  /** Drops data beyond `newSize` (zeroing the tail of the last page, as truncate_pagecache does). */
  truncate(oldSize: number, newSize: number): void {
    if (newSize >= oldSize) return;
    const keepPages = Math.ceil(newSize / PAGE_SIZE);
    for (let i = keepPages; i < this.pages.length; i++) {
      if (this.pages[i] !== undefined) {
        this.allocatedPages--;
        freePage(this.pages[i]);
      }
    }
    this.pages.length = Math.min(this.pages.length, keepPages);
    const tail = newSize % PAGE_SIZE;
    if (tail !== 0) {
      const page = this.pages[keepPages - 1];
      if (page !== undefined && page.length > tail) page.fill(0, tail);
    }
  }

  /** Allocates zero-filled pages over [position, position + length) (fallocate). */
  allocate(position: number, length: number): void {
    const first = Math.floor(position / PAGE_SIZE);
    const last = Math.floor((position + length - 1) / PAGE_SIZE);
    for (let i = first; i <= last; i++) {
      if (this.pages[i] === undefined || this.pages[i]!.length < PAGE_SIZE) {
        this.pageForWrite(i, PAGE_SIZE);
      }
    }
  }

  /**
   * Zeroes [position, position + length) and frees the whole pages inside it (FALLOC_FL_PUNCH_HOLE,
   * shmem_truncate_range).
   */
  punch(position: number, length: number): void {
    const end = position + length;
    const firstWhole = Math.ceil(position / PAGE_SIZE);
    const endWhole = Math.floor(end / PAGE_SIZE);
    for (let i = firstWhole; i < endWhole && i < this.pages.length; i++) {
      if (this.pages[i] !== undefined) {
        freePage(this.pages[i]);
        this.pages[i] = undefined;
        this.allocatedPages--;
      }
    }
    // Partial pages at either end keep their allocation and are zeroed in the range.
    const zero = (from: number, to: number): void => {
      if (from >= to) return;
      const index = Math.floor(from / PAGE_SIZE);
      const page = this.pages[index];
      if (page === undefined) return;
      const base = index * PAGE_SIZE;
      page.fill(0, Math.min(page.length, from - base), Math.min(page.length, to - base));
    };
    if (firstWhole > endWhole) {
      zero(position, end);
    } else {
      zero(position, Math.min(end, firstWhole * PAGE_SIZE));
      zero(Math.max(position, endWhole * PAGE_SIZE), end);
    }
  }

  /** The offset of the next data (hole=false) or hole (hole=true) at or after `offset` (SEEK_DATA/SEEK_HOLE). */
  seekDataHole(size: number, offset: number, hole: boolean): number {
    if (offset >= size) throw vfsError('ENXIO');
    let index = Math.floor(offset / PAGE_SIZE);
    const last = Math.ceil(size / PAGE_SIZE);
    for (; index < last; index++) {
      const present = this.pages[index] !== undefined;
      if (present !== hole) return Math.max(offset, index * PAGE_SIZE);
    }
    if (hole) return size;
    throw vfsError('ENXIO');
  }

  private pageForWrite(index: number, needed: number): Uint8Array {
    const pages = this.pages;
    while (pages.length < index) pages.push(undefined);
    let page = pages[index];
    if (page === undefined) {
      // A file's only page starts small and grows; every other page is full size.
      const cap = index === 0 && pages.length <= 1 ? smallCapacity(needed) : PAGE_SIZE;
      page = cap === PAGE_SIZE ? allocPage() : new Uint8Array(cap);
      pages[index] = page;
      this.allocatedPages++;
      if (index > 0) this.growFirstPage();
    } else if (page.length < needed) {
      const cap = smallCapacity(needed);
      const grown = cap === PAGE_SIZE ? allocPage() : new Uint8Array(cap);
      grown.set(page);
      page = grown;
      pages[index] = page;
    }
    return page;
  }

  /** Once the file spans more than one page, page 0 must be full size. */
  private growFirstPage(): void {
    const first = this.pages[0];
    if (first !== undefined && first.length < PAGE_SIZE) {
      const full = allocPage();
      full.set(first);
      this.pages[0] = full;
    }
  }
}

function smallCapacity(needed: number): number {
  if (needed >= PAGE_SIZE) return PAGE_SIZE;
  let cap = 64;
  while (cap < needed) cap *= 2;
  return cap;
}
