// This module is browser compatible.
/**
 * The guest paths an emulator serves from the host instead of its RootFS (FEX-Emu's and
 * pressure-vessel's bypass list). One list serves the merged RootFS preset and the bwrap
 * command-line mapping, so both agree on what is the host's.
 */
import { toByteString, type ByteString, type PathLike } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import { pathComponents, prefixDepth } from '../_guest_paths.js';

/**
 * Guest paths always served from the host, as FEX-Emu and pressure-vessel bypass them; callers
 * add the user's home directory. (In the merged RootFS preset `/proc` is vroot's procfs, the
 * host's API filesystem as the guest's processes must see it.)
 */
export const ROOTFS_DEFAULT_BYPASS: readonly string[] = ['/proc', '/sys', '/dev', '/run', '/tmp'];

/**
 * The bypass list in effect: `bypass` (default ROOTFS_DEFAULT_BYPASS) plus `home`, as absolute
 * paths with `.`, `..` and repeated slashes resolved lexically, without duplicates, and without
 * paths that lie below another one of the list (they are bypassed already), shallowest first.
 * Errors: EINVAL for a relative path or `/` itself (the host root cannot be bypassed whole).
 */
export function bypassList(bypass: readonly PathLike[] = ROOTFS_DEFAULT_BYPASS, home: PathLike | null = null): ByteString[] {
  const all = home === null ? [...bypass] : [...bypass, home];
  const parts: ByteString[][] = [];
  for (const b of all) {
    const path = toByteString(b);
    if (!path.startsWith('/')) throw vfsError('EINVAL', `bypass path '${path}' is not absolute`);
    const c = pathComponents(path);
    if (c.length === 0) throw vfsError('EINVAL', 'the root directory cannot be bypassed');
    parts.push(c);
  }
  parts.sort((a, b) => a.length - b.length);
  const kept: ByteString[][] = [];
  for (const c of parts) if (!kept.some((k) => prefixDepth(c, k) >= 0)) kept.push(c);
  return kept.map((c) => '/' + c.join('/'));
}

/** True when `path` (absolute) is one of `bypass` or lies below one, compared lexically. */
export function isBypassed(bypass: readonly ByteString[], path: ByteString): boolean {
  const parts = pathComponents(path);
  return bypass.some((b) => prefixDepth(parts, pathComponents(b)) >= 0);
}
