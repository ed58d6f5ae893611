/**
 * Where in a window of `windowMs` an application's periodic reconcile
 * falls: fixed by its id (FNV-1a), so each application keeps its place from
 * one interval to the next and a fleet of thousands is spread evenly over
 * the window instead of waking in one burst.
 */
export function reconcileOffset(id: string, windowMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash >>> 0) / 2 ** 32) * windowMs;
}

/**
 * Starts `run(item)` for every item at its offset in the window (measured
 * from now), in order of offset; resolves when every run has settled.
 * `stopped()` is asked before each start: once true, no further run starts.
 */
export async function runSpread<T>(
  items: T[],
  options: {
    windowMs: number;
    idOf: (item: T) => string;
    run: (item: T) => Promise<void>;
    stopped: () => boolean;
  },
): Promise<void> {
  const start = Date.now();
  const timed = items
    .map(item => ({
      item,
      at: start + reconcileOffset(options.idOf(item), options.windowMs),
    }))
    .sort((a, b) => a.at - b.at);
  const runs: Promise<void>[] = [];
  for (const { item, at } of timed) {
    const wait = at - Date.now();
    if (wait > 0) {
      await new Promise(resolve => setTimeout(resolve, wait).unref?.());
    }
    if (options.stopped()) break;
    runs.push(options.run(item));
  }
  await Promise.allSettled(runs);
}
