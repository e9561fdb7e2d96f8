// This module is browser compatible.
/**
 * The entries of a WASI host's descriptor table: what each guest descriptor refers to (a vroot
 * descriptor or a stream), its rights, and the preopen it descends from; and the rights each
 * type of object can have.
 */
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '../abi/constants.js';
import type { Anchor } from './sandbox.js';
import type { WasiStream } from './stdio.js';
import * as W from './wasi_abi.js';

/** Rights that apply to regular files and other non-directories. */
export const FILE_RIGHTS = W.RIGHT_FD_DATASYNC | W.RIGHT_FD_READ | W.RIGHT_FD_SEEK | W.RIGHT_FD_FDSTAT_SET_FLAGS |
  W.RIGHT_FD_SYNC | W.RIGHT_FD_TELL | W.RIGHT_FD_WRITE | W.RIGHT_FD_ADVISE | W.RIGHT_FD_ALLOCATE |
  W.RIGHT_FD_FILESTAT_GET | W.RIGHT_FD_FILESTAT_SET_SIZE | W.RIGHT_FD_FILESTAT_SET_TIMES | W.RIGHT_POLL_FD_READWRITE;
/** Rights that apply to directories. */
export const DIR_RIGHTS = W.RIGHT_FD_DATASYNC | W.RIGHT_FD_FDSTAT_SET_FLAGS | W.RIGHT_FD_SYNC | W.RIGHT_FD_ADVISE |
  W.RIGHT_PATH_CREATE_DIRECTORY | W.RIGHT_PATH_CREATE_FILE | W.RIGHT_PATH_LINK_SOURCE | W.RIGHT_PATH_LINK_TARGET |
  W.RIGHT_PATH_OPEN | W.RIGHT_FD_READDIR | W.RIGHT_PATH_READLINK | W.RIGHT_PATH_RENAME_SOURCE |
  W.RIGHT_PATH_RENAME_TARGET | W.RIGHT_PATH_FILESTAT_GET | W.RIGHT_PATH_FILESTAT_SET_SIZE |
  W.RIGHT_PATH_FILESTAT_SET_TIMES | W.RIGHT_FD_FILESTAT_GET | W.RIGHT_FD_FILESTAT_SET_TIMES | W.RIGHT_PATH_SYMLINK |
  W.RIGHT_PATH_REMOVE_DIRECTORY | W.RIGHT_PATH_UNLINK_FILE | W.RIGHT_POLL_FD_READWRITE;
/** What directories pass on: every right, so a guest asking for "all rights" is never refused (uvwasi does the same). */
export const DIR_INHERITING = W.RIGHTS_ALL;
/** Rights of standard streams that are not vroot files. */
export const STREAM_RIGHTS = W.RIGHT_FD_READ | W.RIGHT_FD_WRITE | W.RIGHT_FD_FDSTAT_SET_FLAGS | W.RIGHT_FD_FILESTAT_GET |
  W.RIGHT_POLL_FD_READWRITE;
/** Rights that need a descriptor open for writing. */
export const WRITE_RIGHTS = W.RIGHT_FD_WRITE | W.RIGHT_FD_ALLOCATE | W.RIGHT_FD_FILESTAT_SET_SIZE;
/** Rights that need a descriptor open for reading. */
export const READ_RIGHTS = W.RIGHT_FD_READ | W.RIGHT_FD_READDIR;

/** One guest descriptor. */
export class WasiFd {
  /** The vroot descriptor in the host process, or -1 for a stream. */
  vfd: number;
  stream: WasiStream | null;
  filetype: number;
  rights: number;
  inheriting: number;
  /** The rights the object's type and access mode allow; dropping one of them gives ENOTCAPABLE. */
  natural: number;
  /** The preopen this descriptor descends from (null for streams). */
  anchor: Anchor | null;
  /** The guest name of a preopened directory, or null. */
  preopen: Uint8Array | null = null;
  /** fdflags of a stream, and RSYNC for a file (Linux does not keep it apart from O_SYNC). */
  extraFlags = 0;

  constructor(vfd: number, stream: WasiStream | null, filetype: number, rights: number, inheriting: number, natural: number, anchor: Anchor | null) {
    this.vfd = vfd;
    this.stream = stream;
    this.filetype = filetype;
    this.rights = rights;
    this.inheriting = inheriting;
    this.natural = natural;
    this.anchor = anchor;
  }
}

/** The WASI file type of a Linux mode. */
export function filetypeOf(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG: return W.FILETYPE_REGULAR_FILE;
    case S_IFDIR: return W.FILETYPE_DIRECTORY;
    case S_IFLNK: return W.FILETYPE_SYMBOLIC_LINK;
    case S_IFCHR: return W.FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return W.FILETYPE_BLOCK_DEVICE;
    case S_IFSOCK: return W.FILETYPE_SOCKET_STREAM;
    default: return W.FILETYPE_UNKNOWN; // fifos: WASI has no type for them
  }
}

/** DT_* (index) to WASI filetype. */
export const DIRENT_FILETYPE = new Uint8Array(16);
DIRENT_FILETYPE[2] = W.FILETYPE_CHARACTER_DEVICE;
DIRENT_FILETYPE[4] = W.FILETYPE_DIRECTORY;
DIRENT_FILETYPE[6] = W.FILETYPE_BLOCK_DEVICE;
DIRENT_FILETYPE[8] = W.FILETYPE_REGULAR_FILE;
DIRENT_FILETYPE[10] = W.FILETYPE_SYMBOLIC_LINK;
DIRENT_FILETYPE[12] = W.FILETYPE_SOCKET_STREAM;
