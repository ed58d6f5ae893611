/** How long a push on its way holds the others to their share at most. */
const ARRIVING_HOLD_MS = 2_000;

/** One application's reconcile, as a push asks for it. */
export interface RefreshItem {
  id: string;
  /** The push changed the application's folder (or nobody knows). */
  changed: boolean;
  work: () => Promise<void>;
}

interface Waiting {
  work: () => Promise<void>;
  /** Settles once the application has been reconciled for every push that asked. */
  done: Promise<void>;
  settle: () => void;
}

/**
 * The reconciles pushes ask for, `concurrency` at a time over all of them:
 * applications a push changed go before those it did not. An application
 * already waiting is not queued again (its turn resolves the branch as it
 * is then, so it sees the newer push too); a push changing it moves it
 * forward. One that is running is queued again: it may have read the
 * branch before the push. While changed applications run, or a push is on
 * its way to the queue (for two seconds at most), the others take no more
 * than a quarter of the slots (at least one): what a push is for is not
 * slowed by the many it did not touch sharing the process with it.
 */
export class RefreshQueue {
  private readonly changed = new Map<string, Waiting>();
  private readonly others = new Map<string, Waiting>();
  private runningChanged = 0;
  private runningOthers = 0;
  /** Pushes being looked at (`arriving`) whose items are not queued yet. */
  private arrivingPushes = 0;

  constructor(private readonly concurrency: number) {}

  /**
   * Queues the reconciles of one push, all at once (so the changed ones go
   * first from the start): each runs its `work` in its turn, or the newest
   * `work` given for its application while it waited. Settles when all of
   * them are done (never rejects).
   */
  async add(items: RefreshItem[]): Promise<void> {
    const done = items.map(item => this.place(item));
    this.next();
    await Promise.all(done);
  }

  private place({ id, changed, work }: RefreshItem): Promise<void> {
    const known = this.changed.get(id) ?? this.others.get(id);
    if (known) {
      known.work = work;
      if (changed && this.others.delete(id)) this.changed.set(id, known);
      return known.done;
    }
    let settle = () => {};
    const done = new Promise<void>(resolve => {
      settle = resolve;
    });
    (changed ? this.changed : this.others).set(id, { work, done, settle });
    return done;
  }

  /**
   * Marks a push on its way (its branch listed, its changes diffed): the
   * others keep to their share until it is queued, when `done` is called.
   */
  arriving(): () => void {
    this.arrivingPushes += 1;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const release = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.arrivingPushes -= 1;
      this.next();
    };
    // A Git server slow to answer does not hold the others back for long.
    timer = setTimeout(release, ARRIVING_HOLD_MS);
    timer.unref?.();
    return release;
  }

  /** How many applications wait for their turn. */
  get size(): number {
    return this.changed.size + this.others.size;
  }

  /** How many of the others may run beside changed applications. */
  private get othersShare(): number {
    return Math.max(1, Math.floor(this.concurrency / 4));
  }

  private next() {
    while (this.runningChanged + this.runningOthers < this.concurrency) {
      const changed = this.changed.size > 0;
      if (
        !changed &&
        (this.runningChanged > 0 || this.arrivingPushes > 0) &&
        this.runningOthers >= this.othersShare
      ) {
        return;
      }
      const lane = changed ? this.changed : this.others;
      const first = lane.entries().next();
      if (first.done) return;
      const [id, waiting] = first.value;
      lane.delete(id);
      if (changed) this.runningChanged += 1;
      else this.runningOthers += 1;
      Promise.resolve()
        .then(() => waiting.work())
        .catch(() => undefined)
        .finally(() => {
          if (changed) this.runningChanged -= 1;
          else this.runningOthers -= 1;
          waiting.settle();
          this.next();
        });
    }
  }
}
