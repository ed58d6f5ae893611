import { useEffect, useMemo, useState } from 'react';
import { useApiHolder } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { catalogApiRef, CatalogApi } from '@backstage/plugin-catalog-react';
import { normalizeEmail } from './commitAuthor';

/** How long a look-up is trusted: people rarely change their address. */
const TTL_MS = 5 * 60_000;

/** Addresses asked for in one catalog query. */
const BATCH = 25;

/** The users found for one address, when they were looked up. */
interface Found {
  refs: string[];
  at: number;
}

/** Look-ups by catalog client, shared by every table on the page. */
const caches = new WeakMap<CatalogApi, Map<string, Found>>();

function cacheOf(catalogApi: CatalogApi): Map<string, Found> {
  let cache = caches.get(catalogApi);
  if (!cache) {
    cache = new Map();
    caches.set(catalogApi, cache);
  }
  return cache;
}

/** Catalog queries for the addresses not known yet (one for a page of history). */
async function lookUp(catalogApi: CatalogApi, emails: string[]): Promise<void> {
  const cache = cacheOf(catalogApi);
  const now = Date.now();
  const missing = emails.filter(e => {
    const found = cache.get(e);
    return !found || now - found.at > TTL_MS;
  });
  if (!missing.length) return;
  // A few addresses a query, so its URL stays short.
  const batches: string[][] = [];
  for (let i = 0; i < missing.length; i += BATCH) {
    batches.push(missing.slice(i, i + BATCH));
  }
  const answers = await Promise.all(
    batches.map(batch =>
      catalogApi.getEntities({
        filter: { kind: 'user', 'spec.profile.email': batch },
        fields: ['kind', 'metadata.name', 'metadata.namespace', 'spec.profile'],
      }),
    ),
  );
  const found = new Map<string, string[]>(missing.map(e => [e, []]));
  for (const entity of answers.flatMap(a => a.items)) {
    const email = (entity.spec?.profile as { email?: unknown } | undefined)
      ?.email;
    if (typeof email !== 'string') continue;
    found.get(normalizeEmail(email))?.push(stringifyEntityRef(entity));
  }
  for (const [email, refs] of found) cache.set(email, { refs, at: now });
}

/**
 * The catalog User of each address (letter case aside), looked up in one
 * query for the page and remembered a while. An address that no user or
 * several users have maps to nothing, so the page shows it as plain text.
 * Without a catalog (or while it answers, or when it fails) the map is empty.
 */
export function useCatalogUsersByEmail(emails: string[]): Map<string, string> {
  const catalogApi = useApiHolder().get(catalogApiRef);
  const key = useMemo(
    () => [...new Set(emails.map(normalizeEmail))].sort().join('\n'),
    [emails],
  );
  const [users, setUsers] = useState(new Map<string, string>());
  useEffect(() => {
    if (!catalogApi || !key) return undefined;
    let current = true;
    const wanted = key.split('\n');
    lookUp(catalogApi, wanted)
      .then(() => {
        if (!current) return;
        const cache = cacheOf(catalogApi);
        const next = new Map<string, string>();
        for (const email of wanted) {
          const refs = cache.get(email)?.refs ?? [];
          if (refs.length === 1) next.set(email, refs[0]);
        }
        setUsers(next);
      })
      // Names stay plain text; the history itself is what matters here.
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [catalogApi, key]);
  return users;
}
