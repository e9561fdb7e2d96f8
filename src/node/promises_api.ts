// Node-specific: fs.promises of the facade.
/**
 * node:fs/promises made by wrapping the sync methods: each call runs when made and its promise
 * settles with the result or the error (argument errors included, as node:fs/promises rejects
 * them too). `open` resolves to a FileHandle; readFile, writeFile and appendFile take one in
 * place of a path.
 */
import { fsConstants } from './constants.js';
import { FileHandle, type StreamFactory } from './file_handle.js';
import type { SyncApi } from './node_fs.js';

type AnyFn = (...args: unknown[]) => unknown;

/** Promise calls that wrap `<name>Sync` unchanged. */
export const PROMISE_CALLS = [
  'access', 'chmod', 'chown', 'copyFile', 'cp', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir',
  'mkdtemp', 'opendir', 'readdir', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'statfs',
  'symlink', 'truncate', 'unlink', 'utimes',
] as const;

/** The fs.promises object of one facade. */
export type PromisesApi = Record<(typeof PROMISE_CALLS)[number] | 'open' | 'readFile' | 'writeFile' | 'appendFile', AnyFn> & {
  constants: typeof fsConstants;
  FileHandle: typeof FileHandle;
};

/** Builds fs.promises over `sync`; `streams` makes the streams of FileHandle.createReadStream. */
export function promisesApi(sync: SyncApi, streams: StreamFactory): PromisesApi {
  const api = {} as PromisesApi;
  const methods = sync as unknown as Record<string, AnyFn>;
  for (const name of PROMISE_CALLS) {
    // cp's asynchronous variant may await the caller's filter.
    const method = methods[name === 'cp' ? 'cpAsync' : `${name}Sync`]!;
    api[name] = async (...args: unknown[]) => method(...args);
  }
  api.open = async (path: unknown, flags?: unknown, mode?: unknown) => new FileHandle(sync, streams, sync.openSync(path, flags, mode));
  // A FileHandle stands for its descriptor.
  const target = (p: unknown): unknown => (p instanceof FileHandle ? p.fd : p);
  api.readFile = async (path: unknown, options?: unknown) => sync.readFileSync(target(path), options);
  api.writeFile = async (path: unknown, data: unknown, options?: unknown) => sync.writeFileSync(target(path), data, options);
  api.appendFile = async (path: unknown, data: unknown, options?: unknown) => sync.appendFileSync(target(path), data, options);
  for (const [name, fn] of Object.entries(api)) Object.defineProperty(fn, 'name', { value: name });
  api.constants = fsConstants;
  api.FileHandle = FileHandle;
  return api;
}
