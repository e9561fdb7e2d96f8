// This module is browser compatible.
import { errno, errnoMessage, errnoName, type ErrnoCode } from '../abi/errno.js';

/**
 * The one error thrown across vroot's layers: an errno with the syscall that failed and, where
 * one exists, the path it was given. Front ends map `errno` to their own tables.
 *
 * @example
 * try { p.openat(AT_FDCWD, '/missing', O_RDONLY); }
 * catch (e) { if (e instanceof VfsError && e.code === 'ENOENT') { ... } }
 */
export class VfsError extends Error {
  /** The Linux errno value, e.g. 2. */
  readonly errno: number;
  /** The errno's name, e.g. `'ENOENT'`. */
  readonly code: string;
  /** The syscall that failed, e.g. `'openat'`, when known. */
  syscall: string | undefined;
  /** The path argument of the failing call, when there was one. */
  path: string | undefined;
  /** A more specific description than the errno's, when the thrower gave one. */
  readonly detail: string | undefined;

  constructor(errnoValue: number, syscall?: string, path?: string, detail?: string) {
    const code = errnoName(errnoValue);
    super(formatMessage(code, errnoValue, syscall, path, detail));
    this.name = 'VfsError';
    this.errno = errnoValue;
    this.code = code;
    this.syscall = syscall;
    this.path = path;
    this.detail = detail;
  }

  /** Adds the syscall and path, if the error has none yet; returns the error for rethrowing. */
  withContext(syscall: string, path?: string): this {
    if (this.syscall === undefined) this.syscall = syscall;
    if (this.path === undefined && path !== undefined) this.path = path;
    this.message = formatMessage(this.code, this.errno, this.syscall, this.path, this.detail);
    return this;
  }
}

function formatMessage(code: string, value: number, syscall?: string, path?: string, detail?: string): string {
  let m = `${code}: ${detail ?? errnoMessage(value)}`;
  if (syscall !== undefined) m += `, ${syscall}`;
  if (path !== undefined) m += ` '${path}'`;
  return m;
}

/**
 * Whether VfsErrors carry a stack trace. Errors are part of normal operation here (a lookup of a
 * missing name, an EAGAIN), and capturing a stack costs more than the lookup itself, so it is
 * off unless `VROOT_ERROR_STACKS=1` is set in the environment or `setErrorStacks(true)` is called.
 */
let withStacks = typeof process !== 'undefined' && process.env?.VROOT_ERROR_STACKS === '1';

/** Turns stack traces of VfsErrors on or off (for debugging). */
export function setErrorStacks(on: boolean): void {
  withStacks = on;
}

/** Builds a VfsError from an errno name. Used as `throw vfsError('ENOENT')`. */
export function vfsError(code: ErrnoCode, detail?: string): VfsError {
  return makeError(errno[code], detail);
}

/** Builds a VfsError from an errno value, without a stack trace unless they are on. */
export function makeError(value: number, detail?: string): VfsError {
  if (withStacks) return new VfsError(value, undefined, undefined, detail);
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new VfsError(value, undefined, undefined, detail);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
