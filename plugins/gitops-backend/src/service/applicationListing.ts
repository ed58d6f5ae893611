import { InputError } from '@backstage/errors';
import type {
  Application,
  HealthStatus,
  SyncStatus,
} from '@mooring/plugin-gitops-common';

/** The filters and paging of `GET /applications`. */
export interface ApplicationListQuery {
  cluster?: string;
  namespace?: string;
  /** An owner entity ref (`group:default/team-a`), or its name (`team-a`). */
  owner?: string;
  sync?: SyncStatus;
  health?: HealthStatus;
  /** Free text over name, entity ref, cluster, namespace and revisions, any case. */
  q?: string;
  /** At most this many items (1..500); all when absent. */
  limit?: number;
  /** Where the previous page ended (its `nextCursor`). */
  cursor?: string;
}

export const MAX_PAGE_SIZE = 500;

const SYNC_STATUSES: readonly SyncStatus[] = ['Synced', 'OutOfSync', 'Unknown'];
const HEALTH_STATUSES: readonly HealthStatus[] = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
];

function text(
  query: Record<string, unknown>,
  name: string,
  max = 512,
): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new InputError(`${name} must be given once, as text`);
  }
  if (value.length > max) {
    throw new InputError(`${name} must be at most ${max} characters`);
  }
  return value;
}

function oneOf<T extends string>(
  query: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = text(query, name);
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new InputError(`${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Reads and checks the query; an `InputError` says which field is wrong. */
export function parseListQuery(
  query: Record<string, unknown>,
): ApplicationListQuery {
  const parsed: ApplicationListQuery = {
    cluster: text(query, 'cluster'),
    namespace: text(query, 'namespace'),
    owner: text(query, 'owner'),
    sync: oneOf(query, 'sync', SYNC_STATUSES),
    health: oneOf(query, 'health', HEALTH_STATUSES),
    q: text(query, 'q')?.trim() || undefined,
    cursor: text(query, 'cursor'),
  };
  const limit = query.limit;
  if (limit !== undefined && limit !== '') {
    const n = Number(limit);
    if (
      (typeof limit !== 'string' && typeof limit !== 'number') ||
      !Number.isInteger(n) ||
      n < 1 ||
      n > MAX_PAGE_SIZE
    ) {
      throw new InputError(
        `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
      );
    }
    parsed.limit = n;
  }
  if (parsed.cursor !== undefined) cursorPosition(parsed.cursor);
  return Object.fromEntries(
    Object.entries(parsed).filter(([, v]) => v !== undefined),
  ) as ApplicationListQuery;
}

/**
 * One page of the applications the caller may read, in id order after the
 * cursor. Permission is asked for a window of candidates at a time (the page
 * and a quarter more, the window doubling while too few are readable), not
 * for the whole fleet on every page. Without a limit, for all from the cursor on.
 */
export async function readablePageOf(
  applications: readonly Application[],
  query: Pick<ApplicationListQuery, 'limit' | 'cursor'>,
  readable: (entityRefs: string[]) => Promise<ReadonlySet<string>>,
): Promise<{ items: Application[]; nextCursor?: string }> {
  const after = query.cursor ? cursorPosition(query.cursor) : undefined;
  const sorted = [...applications].sort(byId);
  let next = after === undefined ? 0 : firstAfter(sorted, after);
  const { limit } = query;
  if (limit === undefined) {
    const rest = sorted.slice(next);
    const allowed = await readable(rest.map(app => app.entityRef));
    return { items: rest.filter(app => allowed.has(app.entityRef)) };
  }
  // One more than the page, to know whether another follows.
  const items: Application[] = [];
  let size = limit + 1 + Math.ceil(limit / 4);
  while (next < sorted.length && items.length <= limit) {
    const window = sorted.slice(next, next + size);
    next += window.length;
    size *= 2;
    const allowed = await readable(window.map(app => app.entityRef));
    for (const app of window) {
      if (!allowed.has(app.entityRef)) continue;
      items.push(app);
      if (items.length > limit) break;
    }
  }
  if (items.length <= limit) return { items };
  const page = items.slice(0, limit);
  return { items: page, nextCursor: cursorAfter(page[page.length - 1].id) };
}

function byId(a: Application, b: Application): number {
  return a.id < b.id ? -1 : Number(a.id > b.id);
}

/** The position of the first application (sorted by id) whose id is after `id`. */
function firstAfter(sorted: readonly Application[], id: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle].id > id) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The id after which a page starts: cursors are opaque to clients. */
function cursorPosition(cursor: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (typeof decoded?.after === 'string') return decoded.after;
  } catch {
    // Falls through to the error below.
  }
  throw new InputError(
    'cursor is not one this API gave out; start again without it',
  );
}

function cursorAfter(id: string): string {
  return Buffer.from(JSON.stringify({ after: id })).toString('base64url');
}

function ownerMatches(owner: string | undefined, wanted: string): boolean {
  if (!owner) return false;
  const o = owner.toLocaleLowerCase('en-US');
  const w = wanted.toLocaleLowerCase('en-US');
  if (o === w) return true;
  // `team-a` or `default/team-a` name the owner without its kind.
  const [, rest = o] = o.split(':', 2);
  return rest === w || rest.split('/').pop() === w;
}

/** The applications that pass the filters (paging aside). */
export function filterApplications(
  applications: readonly Application[],
  query: ApplicationListQuery,
): Application[] {
  const q = query.q?.toLowerCase();
  return applications.filter(app => {
    if (query.cluster && app.destination.cluster !== query.cluster) {
      return false;
    }
    if (query.namespace && app.destination.namespace !== query.namespace) {
      return false;
    }
    if (query.owner && !ownerMatches(app.owner, query.owner)) return false;
    if (query.sync && app.status.sync !== query.sync) return false;
    if (query.health && app.status.health !== query.health) return false;
    if (q) {
      const haystack = [
        app.id,
        app.entityRef,
        app.target,
        app.destination.cluster,
        app.destination.namespace,
        app.source.revision,
        app.status.syncedRevision,
        app.status.targetRevision,
      ];
      if (!haystack.some(h => h?.toLowerCase().includes(q))) {
        return false;
      }
    }
    return true;
  });
}
