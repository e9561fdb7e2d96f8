// Node-specific: the callback half of the fs facade (setImmediate, util.promisify).
/**
 * node:fs's callback API, made by wrapping the sync methods: the operation runs when called
 * (vroot is synchronous), and its result or error reaches the callback from `setImmediate`,
 * never synchronously, as libuv completions arrive. Argument errors (`ERR_INVALID_ARG_*`) are
 * thrown at once, as node:fs throws them; errors of the call itself go to the callback.
 */
import { promisify } from 'node:util';
import { toFd, toFunction } from './_args.js';
import { isSystemError } from './errors.js';
import type { SyncApi } from './node_fs.js';

type AnyFn = (...args: unknown[]) => unknown;
type Callback = (...args: unknown[]) => void;

/** Callback calls whose callback receives `(err, result)`, each wrapping `<name>Sync`. */
export const CALLBACK_CALLS = [
  'access', 'appendFile', 'chmod', 'chown', 'close', 'copyFile', 'cp', 'fchmod', 'fchown', 'fdatasync',
  'fstat', 'fsync', 'ftruncate', 'futimes', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp',
  'open', 'opendir', 'readdir', 'readFile', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat',
  'statfs', 'symlink', 'truncate', 'unlink', 'utimes', 'writeFile',
] as const;

/** The callback functions of one facade, keyed by node:fs name. */
export type CallbackApi = Record<(typeof CALLBACK_CALLS)[number] | 'read' | 'write' | 'readv' | 'writev' | 'exists', AnyFn>;

/**
 * Splits `args` into the call's arguments and its callback (the last argument). `close` may go
 * without one, as in node:fs. Errors: ERR_INVALID_ARG_TYPE (no callback).
 */
function splitCallback(args: unknown[], optional: boolean): [unknown[], Callback] {
  const last = args[args.length - 1];
  if (typeof last === 'function') return [args.slice(0, -1), last as Callback];
  if (optional) return [args, (err: unknown) => { if (err) throw err; }];
  return [args, toFunction<Callback>(last, 'cb')];
}

/**
 * Runs `op` now and calls `cb` from setImmediate with `(null, ...results(value))` or the
 * error. Argument errors, which node:fs throws before it starts, are thrown here too.
 */
function run(op: () => unknown, cb: Callback, results: (value: unknown) => unknown[]): void {
  let value: unknown;
  try {
    value = op();
  } catch (e) {
    if (!isSystemError(e)) throw e;
    setImmediate(cb, e);
    return;
  }
  if (value instanceof Promise) {
    // An operation that is asynchronous itself (cp with an async filter).
    value.then((v) => setImmediate(() => cb(null, ...results(v))), (e) => setImmediate(cb, e));
    return;
  }
  setImmediate(() => cb(null, ...results(value)));
}

const single = (value: unknown): unknown[] => (value === undefined ? [] : [value]);

/** Builds the callback API over `sync`. */
export function callbackApi(sync: SyncApi): CallbackApi {
  const api = {} as CallbackApi;
  const methods = sync as unknown as Record<string, AnyFn>;
  for (const name of CALLBACK_CALLS) {
    // cp's asynchronous variant may await the caller's filter.
    const method = methods[name === 'cp' ? 'cpAsync' : `${name}Sync`]!;
    const optional = name === 'close';
    api[name] = function (...args: unknown[]): void {
      const [rest, cb] = splitCallback(args, optional);
      run(() => method(...rest), cb, single);
    };
  }
  const named = (): void => {
    for (const [name, fn] of Object.entries(api)) Object.defineProperty(fn, 'name', { value: name });
  };

  // read(fd, cb), read(fd, { buffer, offset, length, position }, cb), read(fd, buffer, options, cb)
  // or read(fd, buffer, offset, length, position, cb): cb(err, bytesRead, buffer).
  api.read = function (...args: unknown[]): void {
    const [rest, cb] = splitCallback(args, false);
    const fd = toFd(rest[0]);
    let buffer = rest[1];
    let callArgs: unknown[];
    if (rest.length <= 1) {
      buffer = Buffer.alloc(16384);
      callArgs = [fd, buffer, {}];
    } else if (rest.length === 2 && !ArrayBuffer.isView(buffer)) {
      const params = (buffer ?? {}) as { buffer?: unknown };
      buffer = params.buffer ?? Buffer.alloc(16384);
      callArgs = [fd, buffer, params];
    } else {
      callArgs = rest;
    }
    run(() => (sync.readSync as AnyFn)(...callArgs), cb, (n) => [n, buffer]);
  };

  // write(fd, buffer, [offset, [length, [position]]], cb) or write(fd, string, [position, [encoding]], cb):
  // cb(err, bytesWritten, bufferOrString).
  api.write = function (...args: unknown[]): void {
    const [rest, cb] = splitCallback(args, false);
    run(() => (sync.writeSync as AnyFn)(...rest), cb, (n) => [n, rest[1]]);
  };

  api.readv = function (...args: unknown[]): void {
    const [rest, cb] = splitCallback(args, false);
    run(() => (sync.readvSync as AnyFn)(...rest), cb, (n) => [n, rest[1]]);
  };

  api.writev = function (...args: unknown[]): void {
    const [rest, cb] = splitCallback(args, false);
    run(() => (sync.writevSync as AnyFn)(...rest), cb, (n) => [n, rest[1]]);
  };

  // exists(path, cb): cb(boolean), with no error argument (deprecated in node:fs, still there).
  api.exists = function (path: unknown, cb: unknown): void {
    const callback = toFunction<Callback>(cb, 'cb');
    const found = sync.existsSync(path);
    setImmediate(callback, found);
  };

  named();
  // util.promisify gives the shapes node:fs's promisified forms have.
  const custom = promisify.custom;
  Object.defineProperty(api.exists, custom, {
    value: (path: unknown) => Promise.resolve(sync.existsSync(path)),
  });
  for (const [name, keys] of [['read', ['bytesRead', 'buffer']], ['write', ['bytesWritten', 'buffer']],
    ['readv', ['bytesRead', 'buffers']], ['writev', ['bytesWritten', 'buffers']]] as const) {
    const fn = api[name];
    Object.defineProperty(fn, custom, {
      value: (...args: unknown[]) => new Promise((resolve, reject) => {
        fn(...args, (err: unknown, n: unknown, b: unknown) => (err ? reject(err) : resolve({ [keys[0]]: n, [keys[1]]: b })));
      }),
    });
  }
  return api;
}
