import { InputError, NotFoundError } from '@backstage/errors';
import type {
  ApplicationResource,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type { Inventory } from '../apply/inventory';
import { stableStringify } from '../diff/normalize';
import { sameRepo } from '../source/repoUrl';
import type { StatusFacts } from './applicationStatus';
import type { Comparison, StaleObject } from './planSync';
import type {
  ApplicationComparison,
  ComparisonInputs,
} from './compareApplication';
import type { RenderedRevision } from './renderRevision';
import { AutomationState, initialAutomation } from './syncPolicy';
import type { ApplicationSpec } from './types';

/** Everything the engine holds in memory for one application. */
export interface ApplicationState {
  spec: ApplicationSpec;
  facts: StatusFacts;
  rendered?: RenderedRevision;
  comparisons: Map<string, Comparison>;
  resources: ApplicationResource[];
  /** Objects that left Git but still live in the cluster with our tracking id. */
  stale: StaleObject[];
  /** Keys of rendered objects the owner's grant refuses: nothing live of them is shown. */
  refused: Set<string>;
  /** What the application applied, as last read from or written to the database. */
  inventory?: Inventory;
  /** The last comparison recorded and what it was made of (see `reusableComparison`). */
  compared?: { inputs: ComparisonInputs; comparison: ApplicationComparison };
  /** Serialises all work on one application. */
  queue: Promise<unknown>;
  syncing?: SyncRun;
  /**
   * Aborted to terminate the running sync (`syncing`): the sync stops at its
   * next step or wait and ends Failed with the abort's reason.
   */
  abort?: AbortController;
  /**
   * The run whose lease check (`stillNeeded`) read the inventory from the
   * database after the lease was taken: its sync need not read it again.
   */
  inventoryReadForRun?: string;
  evaluateTimer?: NodeJS.Timeout;
  automation: AutomationState;
  removed?: boolean;
}

/** The applications the engine keeps, their state, and the queue that serialises work on each. */
export class ApplicationRegistry {
  private readonly apps = new Map<string, ApplicationState>();
  /** `all()` in id order, kept until the set changes. */
  private inIdOrder?: ApplicationState[];

  /**
   * Replaces the whole set. Returns the applications that are new or whose
   * spec changed (to reconcile) and those that went away (already removed).
   */
  replace(specs: ApplicationSpec[]): {
    changed: ApplicationState[];
    removed: ApplicationState[];
  } {
    const next = new Map(specs.map(spec => [spec.id, spec]));
    if (next.size !== specs.length) {
      throw new InputError('Application ids must be unique');
    }
    this.inIdOrder = undefined;
    const removed: ApplicationState[] = [];
    for (const [id, state] of this.apps) {
      if (next.has(id)) continue;
      state.removed = true;
      if (state.evaluateTimer) clearTimeout(state.evaluateTimer);
      this.apps.delete(id);
      removed.push(state);
    }
    const changed: ApplicationState[] = [];
    for (const spec of specs) {
      const existing = this.apps.get(spec.id);
      if (!existing) {
        const state: ApplicationState = {
          spec,
          facts: {},
          comparisons: new Map(),
          resources: [],
          stale: [],
          refused: new Set(),
          queue: Promise.resolve(),
          automation: initialAutomation(),
        };
        this.apps.set(spec.id, state);
        changed.push(state);
      } else if (stableStringify(existing.spec) !== stableStringify(spec)) {
        existing.spec = spec;
        existing.rendered = undefined;
        changed.push(existing);
      }
    }
    return { changed, removed };
  }

  get(id: string): ApplicationState {
    const state = this.apps.get(id);
    if (!state) throw new NotFoundError(`No application with id ${id}`);
    return state;
  }

  find(id: string): ApplicationState | undefined {
    return this.apps.get(id);
  }

  all(): ApplicationState[] {
    return [...this.apps.values()];
  }

  /** Every application in id order (as listings page them); do not change the array. */
  sorted(): readonly ApplicationState[] {
    this.inIdOrder ??= this.all().sort((a, b) =>
      a.spec.id < b.spec.id ? -1 : Number(a.spec.id > b.spec.id),
    );
    return this.inIdOrder;
  }

  /** Applications that follow `repoUrl` (and `branch`, when given and they name one). */
  following(repoUrl: string, branch?: string): ApplicationState[] {
    return this.all().filter(
      state =>
        sameRepo(state.spec.source.repoUrl, repoUrl) &&
        (!branch ||
          !state.spec.source.revision ||
          state.spec.source.revision === branch),
    );
  }

  /** Runs `work` after everything queued before it on this application. */
  enqueue<T>(state: ApplicationState, work: () => Promise<T>): Promise<T> {
    const result = state.queue.then(work, work);
    state.queue = result.catch(() => undefined);
    return result;
  }
}
