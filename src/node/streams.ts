// Node-specific: fs.ReadStream and fs.WriteStream of the facade (node:fs's own stream classes).
/**
 * The facade's streams are node:fs's ReadStream and WriteStream with the facade as their `fs`
 * option (a documented node:fs feature): Node's stream logic (start/end, highWaterMark,
 * autoClose, 'open'/'ready'/'close' events, writev batching) runs unchanged, and every open,
 * read, write and close it makes goes to the vroot process through the callback API.
 */
import * as nodeFs from 'node:fs';
import type { CallbackApi } from './callback_api.js';

type StreamCtor<T> = new (path: unknown, options?: object) => T;

/** The stream classes and factories bound to one facade's callback API. */
export interface StreamClasses {
  ReadStream: StreamCtor<nodeFs.ReadStream>;
  WriteStream: StreamCtor<nodeFs.WriteStream>;
  createReadStream(path: unknown, options?: unknown): nodeFs.ReadStream;
  createWriteStream(path: unknown, options?: unknown): nodeFs.WriteStream;
}

/** Options with `fs` set to the facade; a string means `{ encoding }`, as in node:fs. */
function withFs(options: unknown, fs: CallbackApi): object {
  if (typeof options === 'string') return { encoding: options, fs };
  return { ...(options as object | undefined), fs };
}

/** Builds ReadStream/WriteStream classes whose I/O goes through `fs` (the facade's callback API). */
export function streamClasses(fs: CallbackApi): StreamClasses {
  const BaseRead = nodeFs.ReadStream as unknown as StreamCtor<nodeFs.ReadStream>;
  const BaseWrite = nodeFs.WriteStream as unknown as StreamCtor<nodeFs.WriteStream>;
  class ReadStream extends BaseRead {
    constructor(path: unknown, options?: unknown) {
      super(path, withFs(options, fs));
    }
  }
  class WriteStream extends BaseWrite {
    constructor(path: unknown, options?: unknown) {
      super(path, withFs(options, fs));
    }
  }
  return {
    ReadStream,
    WriteStream,
    createReadStream: (path, options) => new ReadStream(path, options),
    createWriteStream: (path, options) => new WriteStream(path, options),
  };
}
