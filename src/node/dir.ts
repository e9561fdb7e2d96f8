// Node-specific: fs.Dir of the facade (opendir).
/**
 * An open directory stream as `fs.opendir` returns it: entries one at a time in the kernel's
 * order (not sorted, unlike readdir), read in batches through getdents64; `readSync`, `read`
 * (promise or callback), `close`/`closeSync` and async iteration, which closes at the end.
 * With `recursive`, the entries of each subdirectory follow the subdirectory's own entry.
 */
import { posix } from 'node:path';
import type { ByteString } from '../vfs/bytes.js';
import { type Encoding, encodeName, toFunction } from './_args.js';
import { direntTypeFromDT } from './constants.js';
import { Dirent } from './dirent.js';
import { codedError } from './errors.js';
import type { NodeFs } from './node_fs.js';

type DirCallback<T> = (err: Error | null, value?: T) => void;

/**
 * A directory opened with `opendir`, read one entry at a time.
 *
 * @example
 * const dir = fs.opendirSync('/etc');
 * for (let e = dir.readSync(); e !== null; e = dir.readSync()) console.log(e.name);
 * dir.closeSync();
 */
export class Dir {
  readonly #fs: NodeFs;
  #fd: number;
  readonly #path: string | Buffer;
  readonly #encoding: Encoding;
  readonly #recursive: boolean;
  #closed = false;
  #ended = false;
  readonly #buffered: Dirent<string | Buffer>[] = [];

  /** @internal Made by `opendirSync`, which has opened `fd` on `path`. */
  constructor(fs: NodeFs, fd: number, path: string | Buffer, encoding: Encoding, recursive: boolean) {
    this.#fs = fs;
    this.#fd = fd;
    this.#path = path;
    this.#encoding = encoding;
    this.#recursive = recursive;
  }

  /** The path this directory was opened with. */
  get path(): string | Buffer {
    return this.#path;
  }

  /** The next entry, or null at the end. Errors: ERR_DIR_CLOSED. */
  readSync(): Dirent<string | Buffer> | null {
    if (this.#closed) throw dirClosed();
    if (this.#buffered.length === 0 && !this.#ended) this.fill(this.#fd, this.#path);
    const d = this.#buffered.shift();
    if (d === undefined) return null;
    if (this.#recursive && d.isDirectory()) this.readSubdirectory(d);
    return d;
  }

  /** Reads the next entry: a promise without a callback, else `callback(err, dirent | null)`. */
  read(): Promise<Dirent<string | Buffer> | null>;
  read(callback: DirCallback<Dirent<string | Buffer> | null>): void;
  read(callback?: DirCallback<Dirent<string | Buffer> | null>): Promise<Dirent<string | Buffer> | null> | void {
    if (this.#closed) throw dirClosed();
    if (callback === undefined) return new Promise((resolve, reject) => settle(() => this.readSync(), resolve, reject));
    toFunction(callback, 'callback');
    settle(() => this.readSync(), (d) => callback(null, d), (e) => callback(e as Error));
  }

  /** Closes the directory. Errors: ERR_DIR_CLOSED. */
  closeSync(): void {
    if (this.#closed) throw dirClosed();
    this.#closed = true;
    this.#fs.closeSync(this.#fd);
  }

  /** Closes the directory: a promise without a callback. */
  close(): Promise<void>;
  close(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): Promise<void> | void {
    if (callback === undefined) {
      if (this.#closed) return Promise.reject(dirClosed());
      return new Promise((resolve, reject) => settle(() => this.closeSync(), resolve, reject));
    }
    toFunction(callback, 'callback');
    if (this.#closed) {
      process.nextTick(callback, dirClosed());
      return;
    }
    settle(() => this.closeSync(), () => callback(null), (e) => callback(e as Error));
  }

  /** Async iteration over the remaining entries; the directory is closed when it ends. */
  async *entries(): AsyncGenerator<Dirent<string | Buffer>, void, undefined> {
    try {
      for (;;) {
        const d = await this.read();
        if (d === null) break;
        yield d;
      }
    } finally {
      if (!this.#closed) await this.close();
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Dirent<string | Buffer>, void, undefined> {
    return this.entries();
  }

  /** Buffers one getdents64 batch of `fd`, with `parentPath` set to `parent`. */
  private fill(fd: number, parent: string | Buffer): boolean {
    const batch = this.#fs.readDirBatch(fd);
    if (fd === this.#fd && batch.names.length === 0) this.#ended = true;
    this.push(batch.names, batch.types, parent);
    return batch.names.length !== 0;
  }

  private push(names: ByteString[], types: number[], parent: string | Buffer): void {
    for (let i = 0; i < names.length; i++) {
      this.#buffered.push(new Dirent(encodeName(names[i]!, this.#encoding), direntTypeFromDT(types[i]!), parent as string));
    }
  }

  /** Node reads a whole subdirectory into the buffer when a recursive Dir meets it. */
  private readSubdirectory(d: Dirent<string | Buffer>): void {
    const sub = posix.join(String(d.parentPath), String(d.name));
    const fd = this.#fs.openDirFd(sub);
    try {
      while (this.fill(fd, sub)) { /* until the batch is empty */ }
    } finally {
      this.#fs.closeSync(fd);
    }
  }
}

function dirClosed(): Error {
  return codedError('ERR_DIR_CLOSED', 'Directory handle was closed');
}

/** Runs `op` now and reports its result on the next tick, as Node's Dir does. */
function settle<T>(op: () => T, ok: (v: T) => void, fail: (e: unknown) => void): void {
  let value: T;
  try {
    value = op();
  } catch (e) {
    process.nextTick(fail, e);
    return;
  }
  process.nextTick(ok, value);
}

