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
export { dentryCacheSize, setDentryCacheLimit } from './vfs/dentry.js';
export type { Stat, StatFs, Timespec, SetAttr } from './vfs/stat.js';
export { Mount, type MountOptions, type VirtualDentry } from './vfs/mount.js';
export { systemClock, type Clock } from './vfs/clock.js';
export { type ByteString, type PathLike, toByteString, byteStringToUtf8, byteStringToBytes, bytesToByteString } from './vfs/bytes.js';
export { Tmpfs, type TmpfsOptions } from './fs/tmpfs/tmpfs.js';
export { Erofs, ErofsInode, type ErofsOptions } from './fs/erofs/reader/erofs.js';
export { ErofsImage, type ErofsImageOptions, type Extent, type ZInfo } from './fs/erofs/reader/image.js';
export { describeSuperblock, describeInode, type SuperblockReport, type InodeReport, type DataRange } from './fs/erofs/reader/inspect.js';
export { BufferSource, type ByteSource } from './fs/erofs/byte_source.js';
export { writeErofs, ErofsWriteError, type ErofsWriteOptions, type ErofsWriteProgress, type ErofsWriteResult } from './fs/erofs/writer/writer.js';
export { MemorySink, type ByteSink } from './fs/erofs/writer/byte_sink.js';
export { ProcessTreeSource, type TreeSource, type SourceStat, type SourceEntry, type SourceFile } from './fs/erofs/writer/tree_source.js';
export type { DiskInode } from './fs/erofs/format/inode.js';
export type { Superblock } from './fs/erofs/format/superblock.js';
export { ProcFs, PROC_SUPER_MAGIC, type ProcFsOptions } from './fs/proc/proc_fs.js';
export * from './emu/mod.js';
export { utf8Casefold, utf8Validate, casefoldKey, casefoldKeyStrict, casefoldEqual } from './emu/casefold/casefold.js';
export { getCasefoldFlag, setCasefoldFlag, FS_CASEFOLD_FL, type CasefoldFlag } from './emu/casefold/flags.js';
export { WasiHost, WasiExit, type WasiHostOptions } from './wasi/wasi_host.js';
export { CollectStream, bytesInput, nullStream, type WasiStream } from './wasi/stdio.js';
export type { SandboxMode } from './wasi/sandbox.js';
export { wasiErrno } from './wasi/errno_map.js';
export { Overlay, OVERLAYFS_SUPER_MAGIC, type OverlayOptions } from './fs/overlay/overlay.js';
export type { OverlayLayerSpec, OverlayLayerRoot } from './fs/overlay/layer.js';
export { importOciLayer, exportOciLayer, OCI_WHITEOUT_PREFIX, OCI_OPAQUE_MARKER, type OciLayerOptions } from './fs/overlay/oci_whiteouts.js';
export { composeRoot, noHostProviders, type ComposedRoot, type ComposeOptions, type RootProviders } from './compose/compose_root.js';
export type { RootSpec, LayerSpec, UpperSpec, BindSpec, TmpfsMountSpec, CopyInSpec } from './compose/root_spec.js';
export { rootSpecFromFlags, ROOT_FLAG_OPTIONS, RootFlagError, type RootFlagValues } from './compose/root_flags.js';
