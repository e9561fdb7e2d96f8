// This module is browser compatible.
/**
 * An open non-directory of the overlay (Linux fs/overlayfs/file.c). It forwards I/O to the real
 * file and, like ovl_real_fdget, reopens the real file when the object was copied up after the
 * open, so a descriptor opened for reading on a lower file sees what is later written through
 * another descriptor.
 */
import { vfsError } from '../../vfs/errors.js';
import type { DirentSink, FileHandle, Inode } from '../../vfs/inode.js';
import type { OverlayFile } from './overlay_inode.js';

export class OverlayFileHandle implements FileHandle {
  private readonly inode: OverlayFile;
  private readonly flags: number;
  private realInode: Inode;
  private realHandle: FileHandle;

  constructor(inode: OverlayFile, flags: number) {
    this.inode = inode;
    this.flags = flags;
    this.realInode = inode.real();
    this.realHandle = this.realInode.open(flags);
    inode.handles.add(this);
  }

  /**
   * The handle of the current real file, reopened after a copy-up. Copy-up calls it at once, so
   * the upper file is held open (and its data kept) while this handle lives, even if it is then
   * unlinked.
   */
  current(): FileHandle {
    const real = this.inode.real();
    if (real !== this.realInode) {
      const fresh = real.open(this.flags);
      this.realHandle.release();
      this.realInode = real;
      this.realHandle = fresh;
    }
    return this.realHandle;
  }

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    return this.current().read(buf, offset, length, position);
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): number {
    const n = this.current().write(buf, offset, length, position);
    this.inode.syncAttrs();
    return n;
  }

  readdir(cookie: number, sink: DirentSink): void {
    void cookie; void sink;
    throw vfsError('ENOTDIR');
  }

  fsync(): void {
    this.current().fsync();
  }

  release(): void {
    this.inode.handles.delete(this);
    this.realHandle.release();
  }

  seekDataHole(offset: number, hole: boolean): number {
    const h = this.current();
    if (h.seekDataHole !== undefined) return h.seekDataHole(offset, hole);
    const size = this.realInode.size;
    if (offset >= size) throw vfsError('ENXIO');
    return hole ? size : offset;
  }
}
