// Shared test helper: what a call throws, as an errno name.
import { VfsError } from '../src/mod.js';

/** Runs `fn` and returns the code of the VfsError it throws ('ENOENT'...), or 'OK'. */
export function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof VfsError) return e.code;
    throw e;
  }
  return 'OK';
}
