// Node-specific: fs.promises FileHandle of the facade (EventEmitter, readline, streams).
/**
 * The object `fs.promises.open` resolves to: a descriptor with promise methods that wrap the
 * facade's sync calls on it. After `close()` its `fd` is -1 and calls fail with EBADF, as
 * node:fs's do.
 */
import { EventEmitter } from 'node:events';
import { createInterface, type Interface } from 'node:readline';
import type { ReadStream, WriteStream } from 'node:fs';
import { errno } from '../abi/errno.js';
import { toObject } from './_args.js';
import { uvError } from './errors.js';
import type { SyncApi } from './node_fs.js';
import type { BigIntStats, Stats } from './stats.js';

/** What a FileHandle needs besides the sync calls: the streams of its facade. */
export interface StreamFactory {
  createReadStream(path: unknown, options: object): ReadStream;
  createWriteStream(path: unknown, options: object): WriteStream;
}

/**
 * An open file of `fs.promises`.
 *
 * @example
 * const h = await fs.promises.open('/log', 'a');
 * await h.write('line\n');
 * await h.close();
 */
export class FileHandle extends EventEmitter {
  readonly #fs: SyncApi;
  readonly #streams: StreamFactory;
  #fd: number;

  /** @internal Made by `promises.open`. */
  constructor(fs: SyncApi, streams: StreamFactory, fd: number) {
    super();
    this.#fs = fs;
    this.#streams = streams;
    this.#fd = fd;
  }

  /** The descriptor, or -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  /** The descriptor for a call, or Node's EBADF when the handle is closed. */
  private use(syscall: string): number {
    if (this.#fd === -1) throw uvError(errno.EBADF, syscall);
    return this.#fd;
  }

  async appendFile(data: unknown, options?: unknown): Promise<void> {
    this.#fs.writeFileSync(this.use('write'), data, options);
  }

  async chmod(mode: unknown): Promise<void> {
    this.#fs.fchmodSync(this.use('fchmod'), mode);
  }

  async chown(uid: unknown, gid: unknown): Promise<void> {
    this.#fs.fchownSync(this.use('fchown'), uid, gid);
  }

  async datasync(): Promise<void> {
    this.#fs.fdatasyncSync(this.use('fdatasync'));
  }

  async sync(): Promise<void> {
    this.#fs.fsyncSync(this.use('fsync'));
  }

  /**
   * read(buffer, offset?, length?, position?), read(buffer, { offset, length, position }) or
   * read({ buffer, offset, length, position }); without a buffer, a new 16-KiB one.
   */
  async read(bufferOrParams?: unknown, offset?: unknown, length?: unknown, position?: unknown): Promise<{ bytesRead: number; buffer: unknown }> {
    let buffer = bufferOrParams;
    let params: { offset?: unknown; length?: unknown; position?: unknown } = { offset, length, position };
    if (!ArrayBuffer.isView(buffer)) {
      const p = toObject<{ buffer: unknown; offset: unknown; length: unknown; position: unknown }>(bufferOrParams);
      buffer = p.buffer ?? Buffer.alloc(16384);
      params = p;
    } else if (offset !== null && typeof offset === 'object') {
      params = offset as typeof params;
    }
    const view = buffer as Uint8Array;
    const off = params.offset ?? 0;
    const len = params.length ?? view.byteLength - (off as number);
    const pos = typeof params.position === 'number' && Number.isSafeInteger(params.position) ? params.position : null;
    if (len === 0) return { bytesRead: 0, buffer };
    const bytesRead = this.#fs.readSync(this.use('read'), buffer, { offset: off, length: len, position: pos } as object);
    return { bytesRead, buffer };
  }

  async readv(buffers: unknown, position?: unknown): Promise<{ bytesRead: number; buffers: unknown }> {
    return { bytesRead: this.#fs.readvSync(this.use('read'), buffers, position), buffers };
  }

  async readFile(options?: unknown): Promise<string | Buffer> {
    return this.#fs.readFileSync(this.use('read'), options);
  }

  /** A readline interface over a read stream of this handle. */
  readLines(options?: object): Interface {
    return createInterface({ input: this.createReadStream(options), crlfDelay: Infinity });
  }

  async stat(options?: { bigint?: boolean }): Promise<Stats | BigIntStats> {
    return this.#fs.fstatSync(this.use('fstat'), options);
  }

  async truncate(len: unknown = 0): Promise<void> {
    this.#fs.ftruncateSync(this.use('ftruncate'), len);
  }

  async utimes(atime: unknown, mtime: unknown): Promise<void> {
    this.#fs.futimesSync(this.use('futime'), atime, mtime);
  }

  /** write(buffer, offset?, length?, position?), write(buffer, options) or write(string, position?, encoding?). */
  async write(buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Promise<{ bytesWritten: number; buffer: unknown }> {
    if ((buffer as { byteLength?: unknown } | null)?.byteLength === 0) return { bytesWritten: 0, buffer };
    const fd = this.use('write');
    const n = ArrayBuffer.isView(buffer) && (offsetOrOptions === null || typeof offsetOrOptions !== 'object')
      ? this.#fs.writeSync(fd, buffer, offsetOrOptions, length, typeof position === 'number' ? position : null)
      : this.#fs.writeSync(fd, buffer, offsetOrOptions, length, position);
    return { bytesWritten: n, buffer };
  }

  async writev(buffers: unknown, position?: unknown): Promise<{ bytesWritten: number; buffers: unknown }> {
    return { bytesWritten: this.#fs.writevSync(this.use('write'), buffers, position), buffers };
  }

  async writeFile(data: unknown, options?: unknown): Promise<void> {
    this.#fs.writeFileSync(this.use('write'), data, options);
  }

  /** Closes the descriptor; closing again does nothing. Emits 'close'. */
  close = async (): Promise<void> => {
    if (this.#fd === -1) return;
    const fd = this.#fd;
    this.#fd = -1;
    this.emit('close');
    this.#fs.closeSync(fd);
  };

  /** A read stream over this handle's descriptor (it closes the handle at its end unless autoClose is false). */
  createReadStream(options?: object): ReadStream {
    const stream = this.#streams.createReadStream(null, { ...options, fd: this.use('read') });
    this.adopt(stream, options);
    return stream;
  }

  /** A write stream over this handle's descriptor. */
  createWriteStream(options?: object): WriteStream {
    const stream = this.#streams.createWriteStream(null, { ...options, fd: this.use('write') });
    this.adopt(stream, options);
    return stream;
  }

  /** A stream that closes the descriptor owns it from then on: the handle reads as closed. */
  private adopt(stream: ReadStream | WriteStream, options: object | undefined): void {
    if ((options as { autoClose?: unknown } | undefined)?.autoClose === false) return;
    (stream as EventEmitter).once('close', () => {
      this.#fd = -1;
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
