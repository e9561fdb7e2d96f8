// Node-specific: fs.Dirent of the facade.
/**
 * A directory entry as `readdir(path, { withFileTypes: true })` and `Dir.read` return it:
 * `name`, `parentPath` (the directory it was read from) and its deprecated alias `path`, and the
 * type tests. The type comes from the directory listing (d_type), never from a second lookup.
 */
import {
  UV_DIRENT_BLOCK, UV_DIRENT_CHAR, UV_DIRENT_DIR, UV_DIRENT_FIFO, UV_DIRENT_FILE, UV_DIRENT_LINK,
  UV_DIRENT_SOCKET,
} from './constants.js';

const kType = Symbol('type');

/** One directory entry: its name, the directory it came from, and its type. */
export class Dirent<Name extends string | Buffer = string> {
  name: Name;
  /** The directory the entry was listed from, as the caller named it. */
  parentPath: string;
  /** Deprecated alias of `parentPath`, kept because Node 20 still sets it. */
  path: string;
  [kType]: number;

  /** `type` is a UV_DIRENT_* value (fs.constants). */
  constructor(name: Name, type: number, parentPath: string) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this[kType] = type;
  }

  isFile(): boolean { return this[kType] === UV_DIRENT_FILE; }
  isDirectory(): boolean { return this[kType] === UV_DIRENT_DIR; }
  isSymbolicLink(): boolean { return this[kType] === UV_DIRENT_LINK; }
  isBlockDevice(): boolean { return this[kType] === UV_DIRENT_BLOCK; }
  isCharacterDevice(): boolean { return this[kType] === UV_DIRENT_CHAR; }
  isFIFO(): boolean { return this[kType] === UV_DIRENT_FIFO; }
  isSocket(): boolean { return this[kType] === UV_DIRENT_SOCKET; }
}
