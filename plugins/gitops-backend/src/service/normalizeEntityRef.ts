import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/**
 * The full form of an entity ref as a caller typed it (kind defaults to
 * component, namespace to default), for the REST API and the actions alike.
 * Throws `InputError`, saying the expected form, for anything else.
 */
export function normalizeEntityRef(value: unknown): string {
  if (typeof value !== 'string') {
    throw new InputError(
      "entityRef must be given once, as a string like 'component:default/payments'",
    );
  }
  try {
    return stringifyEntityRef(
      parseEntityRef(value, {
        defaultKind: 'component',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    throw new InputError(
      `entityRef '${value}' is not an entity ref; use the form 'component:default/payments'`,
    );
  }
}
