// This module is browser compatible.
/** Reading a layer directory whole, through its own handle. */
import { O_RDONLY } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import type { Inode } from '../../vfs/inode.js';

/** Calls `each` for every entry of the real directory `dir`, in its order. */
export function forEachEntry(dir: Inode, each: (name: ByteString, ino: number, type: number) => void): void {
  const h = dir.open(O_RDONLY);
  try {
    h.readdir(2, (name, ino, type) => {
      each(name, ino, type);
      return true;
    });
  } finally {
    h.release();
  }
}

/** The names in the real directory `dir`, in its order. */
export function entryNames(dir: Inode): ByteString[] {
  const names: ByteString[] = [];
  forEachEntry(dir, (name) => names.push(name));
  return names;
}
