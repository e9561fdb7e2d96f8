// This module is browser compatible.
/**
 * Emulator integration: exec decisions (binary formats, `#!` scripts, native or emulated),
 * bubblewrap command lines (parse, classify, rewrite through a RootFS mapping, serialize) and
 * the merged RootFS preset (a guest RootFS over the host root, bypass paths, emulated files).
 *
 * @example
 * import { decideExec, mappedNativePolicy, EM_X86_64 } from 'vroot';
 * const policy = mappedNativePolicy({
 *   native: [{ format: 'elf', machine: EM_X86_64 }], hostPaths: [{ guest: '/', host: '/srv/rootfs' }],
 * });
 * const d = decideExec(guestProcess, '/usr/bin/env', { policy, argv: ['env', 'python3'] });
 */
export { bufferSource, type ByteSource } from './exec/byte_source.js';
export {
  readBinaryHeader, readFileHead, type BinaryHeader, type FileHead, type ScriptHeader, type UnknownHeader,
} from './exec/binary_header.js';
export * from './exec/elf.js';
export * from './exec/mach_o.js';
export * from './exec/pe.js';
export { parseWasmHeader, type WasmHeader } from './exec/wasm.js';
export {
  BINPRM_BUF_SIZE, FEX_SHEBANG_READ_SIZE, parseShebang, parseShebangFex, type Shebang, type ShebangDialect,
} from './exec/shebang.js';
export {
  isProgramKind, mapGuestPath, mappedNativePolicy, type HostPathMapping, type MappedNativePolicyOptions,
  type NativePolicy, type ProgramKind,
} from './exec/native_policy.js';
export {
  BINPRM_MAX_DEPTH, decideExec, type EmulatedExec, type ExecDecision, type ExecOptions, type ExecStep,
  type NativeExec, type RefusedExec,
} from './exec/exec_decision.js';
export {
  BWRAP_OPTIONS, bwrapOption, parseBwrapHelp, type BwrapArgKind, type BwrapHelpEntry, type BwrapOptionSpec,
} from './bwrap/bwrap_options.js';
export {
  formatBwrapArgs, formatBwrapArgsFile, type BwrapArgsFile, type BwrapCommandLine, type BwrapOption,
} from './bwrap/bwrap_command_line.js';
export { BWRAP_MAX_ARGS, BwrapSyntaxError, parseBwrapArgs, type BwrapParseOptions } from './bwrap/bwrap_parse.js';
export {
  classifyBwrapArgs, rewriteBwrapArgs, type BwrapArgLocation, type BwrapArgument, type BwrapChange,
  type BwrapRewrite,
} from './bwrap/bwrap_rewrite.js';
export {
  ROOTFS_DEFAULT_BYPASS, rootfsMapping, type HostPathResolution, type RootfsMapping, type RootfsMappingOptions,
  type RootfsMount,
} from './bwrap/rootfs_mapping.js';
export { FakeOwnership, type FakeOwnershipOptions } from './fake_owner/fake_ownership.js';
export { FakeInode } from './fake_owner/fake_inode.js';
export {
  OVERRIDE_STAT_XATTR, formatOverrideStat, parseOverrideStat, type OverrideStat,
} from './fake_owner/override_stat.js';
export { FAKE_ROOT_CAPABILITIES, fakeRootCred, fakeRootProcess, type FakeRootOptions } from './fake_owner/fake_root.js';
export { bypassList, isBypassed } from './rootfs/bypass.js';
export {
  MergedRootfs, mergedRootfs, type BypassMount, type GuestLocation, type HostBackedFs, type LocateOptions,
  type MergedRootfsOptions, type RootfsSource,
} from './rootfs/merged_rootfs.js';
export {
  EmulatedFile, EmulatedFs, type EmulatedContent, type EmulatedFileSpec,
} from './rootfs/emulated_file.js';
export { rootfsNativePolicy, type RootfsNativePolicyOptions } from './rootfs/rootfs_native_policy.js';
export { rootfsBwrapMapping, type RootfsBwrapMappingOptions } from './rootfs/rootfs_bwrap_mapping.js';
