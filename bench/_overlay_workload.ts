// The overlay benchmark's layers and workloads, shared by the suite and by the kernel side
// (which runs in its own mount namespace). Node-specific only through the callers.

/** What each layer holds (paths from the layer root; directories are implied). */
export const LAYERS: { bottom: Record<string, string>; middle: Record<string, string>; top: Record<string, string> } = {
  bottom: {},
  middle: {},
  top: {},
};
const FOUR_K = 'x'.repeat(4096);
LAYERS.bottom['/usr/lib/x86_64/libbottom.so'] = FOUR_K;
for (let i = 0; i < 100; i++) LAYERS.bottom[`/usr/share/doc/file${i}`] = `bottom ${i}`;
LAYERS.middle['/usr/lib/x86_64/libmiddle.so'] = FOUR_K;
for (let i = 50; i < 150; i++) LAYERS.middle[`/usr/share/doc/file${i}`] = `middle ${i}`;
LAYERS.top['/usr/lib/x86_64/libtop.so'] = FOUR_K;
LAYERS.top['/etc/hostname'] = 'top\n';

/** The operations measured, each over the merged view. */
export const WORKLOADS = [
  { name: 'stat bottom-layer file', path: '/usr/lib/x86_64/libbottom.so', kind: 'stat' },
  { name: 'stat top-layer file', path: '/usr/lib/x86_64/libtop.so', kind: 'stat' },
  { name: 'stat missing name', path: '/usr/lib/x86_64/missing.so', kind: 'missing' },
  { name: 'open+read 4 KiB+close, bottom', path: '/usr/lib/x86_64/libbottom.so', kind: 'read' },
  { name: 'readdir merged dir (150)', path: '/usr/share/doc', kind: 'readdir' },
] as const;

/** A workload's operation for one implementation. */
export type Workload = (typeof WORKLOADS)[number];

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export function measure(fn: () => void, ms: number): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}
