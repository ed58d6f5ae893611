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
 * branch before the push.
 */
export class RefreshQueue {
  private readonly changed = new Map<string, Waiting>();
  private readonly others = new Map<string, Waiting>();
  private running = 0;

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

  /** How many applications wait for their turn. */
  get size(): number {
    return this.changed.size + this.others.size;
  }

  private next() {
    while (this.running < this.concurrency) {
      const lane = this.changed.size ? this.changed : this.others;
      const first = lane.entries().next();
      if (first.done) return;
      const [id, waiting] = first.value;
      lane.delete(id);
      this.running += 1;
      Promise.resolve()
        .then(() => waiting.work())
        .catch(() => undefined)
        .finally(() => {
          this.running -= 1;
          waiting.settle();
          this.next();
        });
    }
  }
}
