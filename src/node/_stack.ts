// Node-specific: stack-trace control of the fs facade (V8's Error.stackTraceLimit).
/**
 * Capturing a stack trace is most of what a failed call costs: about 2 µs of V8 work per Error
 * and more for deep stacks, while the failing lookup itself takes well under 1 µs. So a facade
 * call runs with `Error.stackTraceLimit` at 0: the core's `VfsError`s (always replaced by Node's
 * errors) capture nothing, and the error the caller gets is given its stack once, at the API
 * boundary, from the caller's frame down (facade internals left out, as node:fs leaves out its
 * own), with the caller's limit.
 */

/** Facade calls in progress (they nest when the callback API calls the sync one). */
let depth = 0;
/** The caller's Error.stackTraceLimit while depth > 0. */
let saved: unknown = 10;
/** Frozen intrinsics (a hardened realm) keep the limit read-only: then nothing is changed. */
const settable = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable === true;
/** Errors made during a call, still without a stack. */
const unstacked = new WeakSet<object>();

/**
 * Calls `method` on `target` with stack traces off; an error made by the facade leaves with its
 * stack captured above `entry` (the public function the caller called).
 */
export function quietCall(target: object, method: (...args: unknown[]) => unknown, args: unknown[], entry: Function): unknown {
  if (!settable) return method.apply(target, args);
  if (depth++ === 0) {
    saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
  }
  try {
    return method.apply(target, args);
  } catch (e) {
    if (depth === 1 && typeof e === 'object' && e !== null && unstacked.has(e)) {
      unstacked.delete(e);
      Error.stackTraceLimit = saved as number;
      Error.captureStackTrace(e, entry);
    }
    throw e;
  } finally {
    if (--depth === 0) Error.stackTraceLimit = saved as number;
  }
}

/**
 * Makes an error the caller will see. Outside a facade call its stack is captured now; inside
 * one, `quietCall` captures it when the error leaves.
 */
export function callerError<E extends object>(make: () => E): E {
  const e = make();
  if (depth > 0 && settable) unstacked.add(e);
  return e;
}

/** Runs the caller's own code (a cp filter) with the caller's stack limit. */
export function withCallerStack<T>(fn: () => T): T {
  if (depth === 0 || !settable) return fn();
  const current = Error.stackTraceLimit;
  Error.stackTraceLimit = saved as number;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = current;
  }
}
