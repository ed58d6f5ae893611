import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/**
 * The full, lower-case entity ref of an owner as Backstage resolves
 * `spec.owner`: kind `group` and namespace `default` unless given, so
 * `payments` is `group:default/payments`. Entity refs are case-insensitive,
 * hence lower case, which makes refs comparable with `===`.
 */
export function ownerEntityRef(ref: string): string {
  let parsed;
  try {
    parsed = parseEntityRef(ref, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
  } catch (error) {
    throw new InputError(
      `Owner "${ref}" is not an entity ref; write it as group:default/payments or payments`,
    );
  }
  return stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
}
