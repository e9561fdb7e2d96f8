// This module is browser compatible.
/** Call tracing for the WASI host (its `trace` option): one line per call, paths decoded. */
import * as W from './wasi_abi.js';

/** An import function of the host. */
type ImportFn = (...args: never[]) => number | void;

/** The (pointer, length) argument positions of the path strings of each path_* call, for tracing. */
const PATH_ARGS: Record<string, number[]> = {
  path_create_directory: [1], path_filestat_get: [2], path_filestat_set_times: [2], path_link: [2, 5],
  path_open: [2], path_readlink: [1], path_remove_directory: [1], path_rename: [1, 4], path_symlink: [0, 3],
  path_unlink_file: [1],
};

/** Wraps every import to report its arguments (paths decoded) and result. */
export function traced(
  imports: Record<string, ImportFn>,
  trace: (line: string) => void,
  readPath: (ptr: number, len: number) => string,
): Record<string, ImportFn> {
  const out: Record<string, ImportFn> = {};
  for (const [name, fn] of Object.entries(imports)) {
    const paths = PATH_ARGS[name] ?? [];
    out[name] = (...args: never[]) => {
      const raw = args as unknown[];
      const shown: string[] = raw.map(String);
      for (const i of paths) {
        shown[i] = JSON.stringify(readPath(Number(raw[i]) >>> 0, Number(raw[i + 1]) >>> 0));
        shown[i + 1] = '';
      }
      const text = `${name}(${shown.filter((x) => x !== '').join(', ')})`;
      let r: number | void;
      try {
        r = fn(...args);
      } catch (e) {
        trace(`${text} threw ${e instanceof Error ? e.name : String(e)}`);
        throw e;
      }
      trace(`${text} = ${typeof r === 'number' ? (W.WASI_ERRNO_NAMES[r] ?? r) : r}`);
      return r;
    };
  }
  return out;
}
