/**
 * The delays between tries of something that fails for a while, such as a
 * broken watch: `initialMs`, doubling each time up to `maxMs`, and back to
 * `initialMs` once it works again. For a single awaited call, use p-retry.
 */
export class Backoff {
  private nextMs: number;

  constructor(private readonly options: { initialMs: number; maxMs: number }) {
    this.nextMs = options.initialMs;
  }

  /** The delay before the next try; the one after it is twice as long. */
  next(): number {
    const delayMs = this.nextMs;
    this.nextMs = Math.min(delayMs * 2, this.options.maxMs);
    return delayMs;
  }

  /** Starts over from `initialMs`, after a success. */
  reset(): void {
    this.nextMs = this.options.initialMs;
  }
}
