// This module is browser compatible.
/**
 * The root flags every `vroot` command that works on a root accepts, turned into a RootSpec.
 * One parser, so `vroot run`, `vroot shell` and the file commands read them alike:
 *
 *   --layer IMAGE|DIR        a read-only layer, repeatable; later ones lie on top
 *   --upper DIR              keep writes in a host directory (default: in memory)
 *   --bind HOST:GUEST[:ro]   bind a host file or directory at GUEST (":rw" is the default)
 *   --tmpfs GUEST[:SIZE]     mount an empty in-memory filesystem (SIZE like 64m, 1g, 4096)
 *   --copy-in HOST:GUEST     copy a host file or tree into the root
 *   --ro                     mount the root read-only
 *   --proc                   mount procfs at /proc
 *   --fake-root              record chown/chmod/mknod instead of applying them; run as uid 0
 *
 * GUEST is an absolute path. A HOST:GUEST pair splits at the last ":/", so host paths may hold
 * colons (`/data/a:b:/mnt` binds `/data/a:b` at `/mnt`); a guest path holding ":/" cannot be
 * given this way (use the API).
 */
import type { BindSpec, CopyInSpec, RootSpec, TmpfsMountSpec } from './root_spec.js';

/** The root flags as a command line parser returns them; repeatable ones are lists. */
export interface RootFlagValues {
  layer?: string[] | undefined;
  upper?: string | undefined;
  bind?: string[] | undefined;
  tmpfs?: string[] | undefined;
  'copy-in'?: string[] | undefined;
  ro?: boolean | undefined;
  proc?: boolean | undefined;
  'fake-root'?: boolean | undefined;
  casefold?: boolean | undefined;
}

/** The flags' definitions for `node:util` parseArgs (and their meaning for help texts). */
export const ROOT_FLAG_OPTIONS = {
  layer: { type: 'string', multiple: true },
  upper: { type: 'string' },
  bind: { type: 'string', multiple: true },
  tmpfs: { type: 'string', multiple: true },
  'copy-in': { type: 'string', multiple: true },
  ro: { type: 'boolean' },
  proc: { type: 'boolean' },
  'fake-root': { type: 'boolean' },
  casefold: { type: 'boolean' },
} as const;

/** The help text of the root flags, indented for a usage message. */
export const ROOT_FLAGS_HELP = `Root options:
  --layer IMAGE|DIR        a read-only layer: an EROFS image or a host directory
                           (repeatable; each one lies on top of those before it)
  --upper DIR              keep changes in host directory DIR (default: in memory)
  --bind HOST:GUEST[:ro]   show a host file or directory at GUEST (read-write unless :ro)
  --tmpfs GUEST[:SIZE]     mount an empty in-memory filesystem at GUEST (SIZE: 4096, 64k, 8m, 1g)
  --copy-in HOST:GUEST     copy a host file or directory tree into the root
  --ro                     mount the root read-only (binds and tmpfs mounts keep their mode)
  --proc                   mount procfs at /proc
  --fake-root              be uid 0 and record chown, chmod and mknod instead of applying them
  --casefold               case-insensitive, case-preserving directories (ext4 casefold)
                           in the layers, the upper, binds and tmpfs mounts
`;

/** An error in a root flag's value. */
export class RootFlagError extends Error {
  override name = 'RootFlagError';
}

function checkGuest(guest: string, flag: string, value: string): void {
  if (!guest.startsWith('/')) throw new RootFlagError(`${flag}: the guest path must be absolute, got '${value}'`);
}

/** Splits HOST:GUEST at the last ":/" (see the module comment). */
function splitHostGuest(value: string, flag: string, wants: string): { host: string; guest: string } {
  const i = value.lastIndexOf(':/');
  if (i <= 0) throw new RootFlagError(`${flag} wants ${wants}, got '${value}'`);
  return { host: value.slice(0, i), guest: value.slice(i + 1) };
}

/**
 * Parses a size: bytes, or a number with k, m, g or t (powers of 1024, either case), as tmpfs's
 * size= option reads it. Errors: RootFlagError.
 */
export function parseSize(text: string): number {
  const m = /^(\d+)([kmgt]?)$/i.exec(text);
  if (m === null) throw new RootFlagError(`invalid size '${text}' (use bytes or a number with k, m, g or t)`);
  const shift = { '': 0, k: 10, m: 20, g: 30, t: 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = Number(m[1]) * 2 ** shift;
  if (!Number.isSafeInteger(n)) throw new RootFlagError(`size '${text}' is too large`);
  return n;
}

/** Parses `HOST:GUEST[:ro|:rw]`. Errors: RootFlagError. */
export function parseBind(value: string): BindSpec {
  let rest = value;
  let readOnly = false;
  const mode = /:(ro|rw)$/.exec(rest);
  if (mode !== null) {
    readOnly = mode[1] === 'ro';
    rest = rest.slice(0, -3);
  }
  const { host, guest } = splitHostGuest(rest, '--bind', 'HOST:GUEST[:ro]');
  checkGuest(guest, '--bind', value);
  return readOnly ? { host, guest, readOnly } : { host, guest };
}

/** Parses `GUEST[:SIZE]`. Errors: RootFlagError. */
export function parseTmpfsMount(value: string): TmpfsMountSpec {
  const i = value.lastIndexOf(':');
  const guest = i < 0 ? value : value.slice(0, i);
  checkGuest(guest, '--tmpfs', value);
  return i < 0 ? { guest } : { guest, size: parseSize(value.slice(i + 1)) };
}

/** Parses `HOST:GUEST` of --copy-in. Errors: RootFlagError. */
export function parseCopyIn(value: string): CopyInSpec {
  return splitHostGuest(value, '--copy-in', 'HOST:GUEST');
}

/**
 * Builds the RootSpec the flags describe.
 *
 * @example
 * rootSpecFromFlags({ layer: ['base.erofs', 'app/'], bind: ['/src:/work:ro'], ro: true });
 */
export function rootSpecFromFlags(values: RootFlagValues): RootSpec {
  const spec: RootSpec = {
    layers: (values.layer ?? []).map((path) => {
      if (path === '') throw new RootFlagError('--layer wants an image file or a directory');
      return { path };
    }),
    binds: (values.bind ?? []).map(parseBind),
    tmpfs: (values.tmpfs ?? []).map(parseTmpfsMount),
    copyIn: (values['copy-in'] ?? []).map(parseCopyIn),
  };
  if (values.upper !== undefined) {
    if (values.upper === '') throw new RootFlagError('--upper wants a directory');
    spec.upper = { dir: values.upper };
  }
  if (values.ro) spec.readOnly = true;
  if (values.proc) spec.proc = true;
  if (values['fake-root']) spec.fakeRoot = true;
  if (values.casefold) spec.casefold = true;
  if (spec.casefold && spec.fakeRoot) throw new RootFlagError('--casefold and --fake-root cannot be combined');
  return spec;
}
