// This module is browser compatible.
/** Time helpers of the WASI host: nanosecond conversions, the monotonic clock and sleeping. */
import type { Timespec } from '../vfs/stat.js';

const NS_PER_SEC = 1_000_000_000n;

/** A u64 nanosecond timestamp as a Timespec. */
export function timespecOf(ns: bigint): Timespec {
  return { sec: Number(ns / NS_PER_SEC), nsec: Number(ns % NS_PER_SEC) };
}

/** Blocks the thread for `ms` milliseconds (Atomics.wait where allowed, else a busy wait). */
export function sleepMs(ms: number): void {
  if (ms <= 0) return;
  try {
    Atomics.wait(sleeper, 0, 0, ms);
    return;
  } catch {
    // The browser's main thread may not block: spin instead.
  }
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}
const sleeper = new Int32Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : new ArrayBuffer(4));

const monotonicOrigin = performance.now();

/** Monotonic nanoseconds since this module loaded. */
export function monotonicNs(): number {
  return Math.round((performance.now() - monotonicOrigin) * 1e6);
}
