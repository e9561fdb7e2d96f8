// This module is browser compatible.
/**
 * The error the EROFS codec throws on bytes it cannot accept. It carries the errno name the
 * kernel would return (EUCLEAN for corruption, EOPNOTSUPP for formats this reader does not
 * know, EIO for reads past the image), so the reader can turn it into a VfsError without the
 * codec depending on the VFS.
 */
export type FormatErrno = 'EUCLEAN' | 'EOPNOTSUPP' | 'EIO' | 'EINVAL';

export class FormatError extends Error {
  /** The errno name, e.g. `'EUCLEAN'`. */
  readonly code: FormatErrno;

  constructor(code: FormatErrno, message: string) {
    super(message);
    this.name = 'FormatError';
    this.code = code;
  }
}

/** Throws a FormatError for corrupt metadata (Linux EFSCORRUPTED). */
export function corrupt(message: string): never {
  throw new FormatError('EUCLEAN', message);
}

/** Throws a FormatError for a valid but unsupported format. */
export function unsupported(message: string): never {
  throw new FormatError('EOPNOTSUPP', message);
}
