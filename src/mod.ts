// This module is browser compatible.
/**
 * vroot: a userspace virtual filesystem and syscall layer with Linux semantics.
 *
 * @example
 * import { VirtualFileSystem, Tmpfs, AT_FDCWD, O_CREAT, O_WRONLY } from 'vroot';
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new Tmpfs(), '/');
 * const p = vfs.createProcess();
 * const fd = p.openat(AT_FDCWD, '/hello', O_CREAT | O_WRONLY, 0o644);
 */
export * from './abi/constants.js';
export { errno, errnoName, type ErrnoCode } from './abi/errno.js';
export * from './abi/limits.js';
export { VfsError, setErrorStacks } from './vfs/errors.js';
export { VirtualFileSystem, type VfsOptions, type ProcessOptions, type DPath } from './vfs/virtual_filesystem.js';
export { Process, type OpenHow, type CloneOptions, type MountSource } from './vfs/process.js';
export { Cred, ROOT_CRED, type CredOptions, type Capability } from './vfs/cred.js';
export { FileSystem, Inode, defaultHandle, type FileHandle, type NewInodeAttrs, type DirentSink } from './vfs/inode.js';
export { Dirent64 } from './vfs/dirent.js';
export { setDentryCacheLimit } from './vfs/dentry.js';
export type { Stat, StatFs, Timespec, SetAttr } from './vfs/stat.js';
export { Mount, type MountOptions, type VirtualDentry } from './vfs/mount.js';
export { systemClock, type Clock } from './vfs/clock.js';
export { type ByteString, type PathLike, toByteString, byteStringToUtf8, byteStringToBytes, bytesToByteString } from './vfs/bytes.js';
export { Tmpfs, type TmpfsOptions } from './fs/tmpfs/tmpfs.js';
export { ProcFs, PROC_SUPER_MAGIC, type ProcFsOptions } from './fs/proc/proc_fs.js';
export * from './emu/mod.js';
export { utf8Casefold, utf8Validate, casefoldKey, casefoldKeyStrict, casefoldEqual } from './emu/casefold/casefold.js';
export { getCasefoldFlag, setCasefoldFlag, FS_CASEFOLD_FL, type CasefoldFlag } from './emu/casefold/flags.js';
export { WasiHost, WasiExit, type WasiHostOptions } from './wasi/wasi_host.js';
export { CollectStream, bytesInput, nullStream, type WasiStream } from './wasi/stdio.js';
export type { SandboxMode } from './wasi/sandbox.js';
export { wasiErrno } from './wasi/errno_map.js';
