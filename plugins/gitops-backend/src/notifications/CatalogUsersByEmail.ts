import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { stringifyError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { LRUCache } from 'lru-cache';

/** The longest address RFC 5321 allows; anything longer is no one's. */
const MAX_EMAIL_LENGTH = 254;

/**
 * The email address of a Git author written as `Name <email>`; undefined
 * when there is none that looks like an address.
 */
export function authorEmail(author: string | undefined): string | undefined {
  const match = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(author ?? '');
  const email = match?.[1];
  return email && email.length <= MAX_EMAIL_LENGTH ? email : undefined;
}

function normalize(email: string): string {
  return email.trim().toLocaleLowerCase('en-US');
}

/**
 * Finds the catalog User whose `spec.profile.email` is a given address. The
 * address comes from Git, where anyone writes anything: it picks a user only
 * when exactly one User has exactly that address (letter case aside). One
 * catalog query per address, remembered for a short while (users and their
 * addresses change rarely; a new one is found within `ttlMs`).
 */
export class CatalogUsersByEmail {
  private readonly cache: LRUCache<string, { ref?: string }>;

  constructor(
    private readonly deps: {
      catalog: Pick<CatalogService, 'getEntities'>;
      auth: Pick<AuthService, 'getOwnServiceCredentials'>;
      logger: LoggerService;
      ttlMs?: number;
    },
  ) {
    this.cache = new LRUCache({
      max: 1000,
      ttl: deps.ttlMs ?? 60_000,
      fetchMethod: email => this.lookUp(email),
    });
  }

  /** The user entity ref with this address; undefined for none, several, or a failed look-up. */
  async find(email: string): Promise<string | undefined> {
    const key = normalize(email);
    if (!key || key.length > MAX_EMAIL_LENGTH) return undefined;
    try {
      return (await this.cache.fetch(key))?.ref;
    } catch (error) {
      this.deps.logger.warn(
        `Could not look up the catalog user with email ${key}: ${stringifyError(
          error,
        )}`,
      );
      return undefined;
    }
  }

  private async lookUp(email: string): Promise<{ ref?: string }> {
    const { items } = await this.deps.catalog.getEntities(
      {
        filter: { kind: 'user', 'spec.profile.email': email },
        fields: ['kind', 'metadata.name', 'metadata.namespace', 'spec.profile'],
      },
      { credentials: await this.deps.auth.getOwnServiceCredentials() },
    );
    // The catalog's filter is what it is; only an exact match counts here.
    const users = items.filter(
      entity =>
        entity.kind.toLocaleLowerCase('en-US') === 'user' &&
        typeof (entity.spec?.profile as { email?: unknown } | undefined)
          ?.email === 'string' &&
        normalize((entity.spec!.profile as { email: string }).email) === email,
    );
    if (users.length > 1) {
      this.deps.logger.warn(
        `Not notifying the author with email ${email}: ${
          users.length
        } catalog users have it (${users
          .map(u => stringifyEntityRef(u))
          .join(', ')}); give each user their own spec.profile.email`,
      );
      return {};
    }
    return users.length ? { ref: stringifyEntityRef(users[0]) } : {};
  }
}
