import { Backoff } from '../kube/Backoff';

/**
 * Why an application is looked at again soon. `trouble`: its cluster could
 * not be read (a watch retrying, a read that failed after its own retries),
 * which may pass in seconds. `lease`: an automatic sync was due but another
 * replica held the lease or had just done the work; this one looks again
 * once that replica is done, so its status follows. `sync`: an automatic
 * sync failed; it is tried again when its back-off ends.
 */
export type RetryReason = 'trouble' | 'lease' | 'sync';

interface PendingRetry {
  delays: Record<RetryReason, Backoff>;
  /**
   * One look per reason, each at its own time: a failed sync's back-off of
   * minutes must not hold back the retry of a cluster fault of seconds.
   */
  looks: Partial<Record<RetryReason, { timer: NodeJS.Timeout; at: number }>>;
}

/**
 * Another look, soon, at applications that could not finish a reconcile:
 * each after a jittered back-off (the first within a second, doubling up to
 * 30 s), one timer per application and reason, so a fault costs seconds
 * instead of a reconcile interval, and a cluster that stays down is asked
 * ever less often.
 */
export class ReconcileRetries {
  private readonly pending = new Map<string, PendingRetry>();
  private stopped = false;

  constructor(
    /** Looks at the application again (it may be gone by then). */
    private readonly retry: (id: string, reason: RetryReason) => void,
    private readonly delays: { initialMs: number; maxMs: number } = {
      initialMs: 1_000,
      maxMs: 30_000,
    },
  ) {}

  /**
   * Schedules another look at `id` after the back-off of `reason`, or at
   * `at` (ms since the epoch) when given, unless one for that reason comes
   * sooner already; returns how many tries this series has had and when
   * the next one starts.
   */
  schedule(
    id: string,
    reason: RetryReason,
    at?: number,
  ): { attempt: number; nextAt: number } {
    let entry = this.pending.get(id);
    if (!entry) {
      const backoff = () => new Backoff({ ...this.delays, jitter: true });
      entry = {
        delays: { trouble: backoff(), lease: backoff(), sync: backoff() },
        looks: {},
      };
      this.pending.set(id, entry);
    }
    const delays = entry.delays[reason];
    const look = entry.looks[reason];
    if (
      !this.stopped &&
      (at === undefined ? !look : at < (look?.at ?? Infinity))
    ) {
      const delayMs =
        at === undefined ? delays.next() : Math.max(0, at - Date.now());
      const looks = entry.looks;
      if (look) clearTimeout(look.timer);
      const timer = setTimeout(() => {
        delete looks[reason];
        this.retry(id, reason);
      }, delayMs);
      timer.unref?.();
      looks[reason] = { timer, at: Date.now() + delayMs };
    }
    return {
      attempt: Math.max(delays.attempts, 1),
      nextAt: entry.looks[reason]?.at ?? 0,
    };
  }

  /** The reason went away (the cluster answered, the sync ran): the next series starts quick. */
  reset(id: string, reason: RetryReason): void {
    this.pending.get(id)?.delays[reason].reset();
  }

  /** Forgets the application (removed). */
  forget(id: string): void {
    const entry = this.pending.get(id);
    for (const look of Object.values(entry?.looks ?? {})) {
      clearTimeout(look.timer);
    }
    this.pending.delete(id);
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.pending.values()) {
      for (const look of Object.values(entry.looks)) clearTimeout(look.timer);
    }
    this.pending.clear();
  }
}
