// This module is browser compatible.
import type { Timespec } from './stat.js';

/** A source of the current time for timestamps. */
export type Clock = () => Timespec;

let lastSec = 0;
let lastNsec = 0;
const hasPerf = typeof performance !== 'undefined' && typeof performance.now === 'function';

/**
 * The system clock with sub-millisecond precision (performance.timeOrigin + now()), never going
 * backwards within this process, as the kernel's current_time() never does for one inode.
 */
export function systemClock(): Timespec {
  let ms: number;
  if (hasPerf) ms = performance.timeOrigin + performance.now();
  else ms = Date.now();
  let sec = Math.floor(ms / 1000);
  let nsec = Math.floor((ms - sec * 1000) * 1e6);
  if (nsec >= 1e9) { sec += 1; nsec -= 1e9; }
  if (sec < lastSec || (sec === lastSec && nsec < lastNsec)) {
    sec = lastSec;
    nsec = lastNsec;
  }
  lastSec = sec;
  lastNsec = nsec;
  return { sec, nsec };
}
