// This module is browser compatible.
/**
 * Error texts as the C library prints them (glibc's strerror), so the file commands and the
 * shell word their errors as coreutils does: "ls: cannot access '/x': No such file or directory".
 */
import { errno } from '../../abi/errno.js';
import { VfsError } from '../../vfs/errors.js';

const TEXTS: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process',
  4: 'Interrupted system call', 5: 'Input/output error', 6: 'No such device or address',
  7: 'Argument list too long', 8: 'Exec format error', 9: 'Bad file descriptor',
  10: 'No child processes', 11: 'Resource temporarily unavailable', 12: 'Cannot allocate memory',
  13: 'Permission denied', 14: 'Bad address', 15: 'Block device required',
  16: 'Device or resource busy', 17: 'File exists', 18: 'Invalid cross-device link',
  19: 'No such device', 20: 'Not a directory', 21: 'Is a directory', 22: 'Invalid argument',
  23: 'Too many open files in system', 24: 'Too many open files',
  25: 'Inappropriate ioctl for device', 26: 'Text file busy', 27: 'File too large',
  28: 'No space left on device', 29: 'Illegal seek', 30: 'Read-only file system',
  31: 'Too many links', 32: 'Broken pipe', 33: 'Numerical argument out of domain',
  34: 'Numerical result out of range', 35: 'Resource deadlock avoided', 36: 'File name too long',
  37: 'No locks available', 38: 'Function not implemented', 39: 'Directory not empty',
  40: 'Too many levels of symbolic links', 42: 'No message of desired type',
  43: 'Identifier removed', 60: 'Device not a stream', 61: 'No data available',
  62: 'Timer expired', 63: 'Out of streams resources', 66: 'Object is remote',
  67: 'Link has been severed', 71: 'Protocol error', 74: 'Bad message',
  75: 'Value too large for defined data type', 80: 'Accessing a corrupted shared library',
  84: 'Invalid or incomplete multibyte or wide character', 87: 'Too many users',
  88: 'Socket operation on non-socket', 89: 'Destination address required', 90: 'Message too long',
  91: 'Protocol wrong type for socket', 92: 'Protocol not available', 93: 'Protocol not supported',
  94: 'Socket type not supported', 95: 'Operation not supported',
  96: 'Protocol family not supported', 97: 'Address family not supported by protocol',
  98: 'Address already in use', 99: 'Cannot assign requested address', 100: 'Network is down',
  101: 'Network is unreachable', 102: 'Network dropped connection on reset',
  103: 'Software caused connection abort', 104: 'Connection reset by peer',
  105: 'No buffer space available', 106: 'Transport endpoint is already connected',
  107: 'Transport endpoint is not connected', 108: 'Cannot send after transport endpoint shutdown',
  109: 'Too many references: cannot splice', 110: 'Connection timed out',
  111: 'Connection refused', 112: 'Host is down', 113: 'No route to host',
  114: 'Operation already in progress', 115: 'Operation now in progress', 116: 'Stale file handle',
  117: 'Structure needs cleaning', 122: 'Disk quota exceeded', 125: 'Operation canceled',
  130: 'Owner died', 131: 'State not recoverable',
};

/** glibc's strerror text for an errno value. */
export function strerror(value: number): string {
  return TEXTS[value] ?? `Unknown error ${value}`;
}

/**
 * The text of an error for a message: strerror for a VfsError or a host error with an errno
 * `code` (node:fs), the message otherwise.
 */
export function errorText(e: unknown): string {
  if (e instanceof VfsError) return e.detail ?? strerror(e.errno);
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in errno) return strerror(errno[code as keyof typeof errno]);
  if (code === 'ENOTSUP') return strerror(errno.EOPNOTSUPP);
  return e instanceof Error ? e.message : String(e);
}
