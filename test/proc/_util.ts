/** Helpers shared by the procfs test files. */
import { VfsError } from '../../src/mod.js';

/** The errno name `fn` throws, or 'OK'. */
export function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof VfsError) return e.code;
    throw e;
  }
  return 'OK';
}
