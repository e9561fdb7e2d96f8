// Node-specific: createFs, the Node-fs-compatible object over a vroot process.
/**
 * `createFs(process)` returns an object shaped like `node:fs`: the sync calls, the callback
 * calls, `promises`, streams, `constants` and the Stats/Dirent/Dir classes. Every function is a
 * standalone function (destructuring `const { readFileSync } = fs` works), and every one of them
 * acts as `process` acts: its credentials, root, working directory and descriptor table.
 *
 * @example
 * import { VirtualFileSystem, Tmpfs } from 'vroot';
 * import { createFs } from 'vroot/node';
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new Tmpfs(), '/');
 * const fs = createFs(vfs.createProcess());
 * fs.mkdirSync('/etc');
 * fs.writeFileSync('/etc/hostname', 'guest\n');
 * await fs.promises.readFile('/etc/hostname', 'utf8'); // 'guest\n'
 */
import type * as nodeFs from 'node:fs';
import type * as nodeFsPromises from 'node:fs/promises';
import type { Process } from '../vfs/process.js';
import { CALLBACK_CALLS, callbackApi, type CallbackApi } from './callback_api.js';
import { fsConstants } from './constants.js';
import { Dir } from './dir.js';
import { Dirent } from './dirent.js';
import { NodeFs, SYNC_CALLS, syncApi, type SyncName } from './node_fs.js';
import { PROMISE_CALLS, promisesApi } from './promises_api.js';
import { BigIntStats, StatFs, Stats } from './stats.js';
import { streamClasses } from './streams.js';

type CallbackName = (typeof CALLBACK_CALLS)[number] | 'read' | 'write' | 'readv' | 'writev' | 'exists';
type PromiseName = (typeof PROMISE_CALLS)[number] | 'open' | 'readFile' | 'writeFile' | 'appendFile' | 'constants';

/**
 * The facade's type: the part of `typeof import('node:fs')` it implements (watch, watchFile,
 * openAsBlob and lchmod, which Linux lacks, are left out).
 */
export type VrootFs = Pick<typeof nodeFs, SyncName | CallbackName | 'createReadStream' | 'createWriteStream' |
  'ReadStream' | 'WriteStream' | 'Stats' | 'Dirent' | 'Dir' | 'constants'> & {
  F_OK: number;
  R_OK: number;
  W_OK: number;
  X_OK: number;
  promises: Pick<typeof nodeFsPromises, PromiseName>;
  /** The process the facade acts as. */
  readonly process: Process;
};

/** Returns a node:fs-compatible object whose every call is made by `process`. */
export function createFs(process: Process): VrootFs {
  const sync = syncApi(new NodeFs(process, 'sync'));
  const api: Record<string, unknown> = {};
  for (const name of SYNC_CALLS) api[name] = sync[name];
  const realpathSync = api.realpathSync as { native?: unknown };
  realpathSync.native = api.realpathSync;

  const callbacks: CallbackApi = callbackApi(syncApi(new NodeFs(process, 'callback')));
  Object.assign(api, callbacks);
  (callbacks.realpath as { native?: unknown }).native = callbacks.realpath;

  const streams = streamClasses(callbacks);
  api.ReadStream = streams.ReadStream;
  api.WriteStream = streams.WriteStream;
  api.createReadStream = streams.createReadStream;
  api.createWriteStream = streams.createWriteStream;
  api.promises = promisesApi(syncApi(new NodeFs(process, 'promise')), streams);

  api.constants = fsConstants;
  api.F_OK = fsConstants.F_OK;
  api.R_OK = fsConstants.R_OK;
  api.W_OK = fsConstants.W_OK;
  api.X_OK = fsConstants.X_OK;
  api.Stats = Stats;
  api.BigIntStats = BigIntStats;
  api.StatFs = StatFs;
  api.Dirent = Dirent;
  api.Dir = Dir;
  api.process = process;
  return api as unknown as VrootFs;
}
