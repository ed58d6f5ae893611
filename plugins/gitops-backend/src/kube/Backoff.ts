/**
 * The delays between tries of something that fails for a while, such as a
 * broken watch: up to `initialMs`, doubling each time up to `maxMs`, and
 * back to `initialMs` once it works again. With `jitter`, each delay is
 * drawn at random below its ceiling ("full jitter"), so the many watches
 * and applications that failed together do not all try again together.
 * For a single awaited call, use p-retry.
 */
export class Backoff {
  private ceilingMs: number;
  private tries = 0;

  constructor(
    private readonly options: {
      initialMs: number;
      maxMs: number;
      jitter?: boolean;
      /** Where the random draws come from (tests pass a fixed one). */
      random?: () => number;
    },
  ) {
    this.ceilingMs = options.initialMs;
  }

  /** The delay before the next try; the one after it may be twice as long. */
  next(): number {
    const ceilingMs = this.ceilingMs;
    this.ceilingMs = Math.min(ceilingMs * 2, this.options.maxMs);
    this.tries++;
    if (!this.options.jitter) return ceilingMs;
    // Never quite zero: a retry storm against a struggling server helps no one.
    const random = this.options.random ?? Math.random;
    return Math.max(Math.round(random() * ceilingMs), Math.min(100, ceilingMs));
  }

  /** How many delays were handed out since the last success. */
  get attempts(): number {
    return this.tries;
  }

  /** Starts over from `initialMs`, after a success. */
  reset(): void {
    this.ceilingMs = this.options.initialMs;
    this.tries = 0;
  }
}
