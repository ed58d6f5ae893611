import type { FieldCause } from './errors';
import { isPlainObject, KubeObject } from './types';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map(key => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

const immutable = (field: string): FieldCause => ({
  field,
  message: 'Invalid value: field is immutable',
});

/** StatefulSet spec fields an update may change; others are forbidden. */
const STATEFULSET_MUTABLE = new Set([
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
]);

/**
 * The fields an update may not change, as the real API server's validation
 * refuses them (a 422 naming each field): a Job's selector and pod
 * template, the selector of Deployments, ReplicaSets and DaemonSets, a
 * StatefulSet's spec but its mutable fields, a Service's clusterIP, the
 * data of an immutable ConfigMap or Secret. Status writes are not judged.
 */
export function immutableFieldChanges(
  group: string,
  kind: string,
  live: KubeObject,
  next: KubeObject,
): FieldCause[] {
  const before = (live as any).spec ?? {};
  const after = (next as any).spec ?? {};
  const causes: FieldCause[] = [];
  const key = `${group}/${kind}`;
  if (key === 'batch/Job') {
    if (!same(before.selector, after.selector)) {
      causes.push(immutable('spec.selector'));
    }
    if (!same(before.template, after.template)) {
      causes.push(immutable('spec.template'));
    }
  } else if (
    key === 'apps/Deployment' ||
    key === 'apps/ReplicaSet' ||
    key === 'apps/DaemonSet'
  ) {
    if (before.selector && !same(before.selector, after.selector)) {
      causes.push(immutable('spec.selector'));
    }
  } else if (key === 'apps/StatefulSet') {
    const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
    const changed = [...fields].some(
      field =>
        !STATEFULSET_MUTABLE.has(field) && !same(before[field], after[field]),
    );
    if (changed) {
      causes.push({
        field: 'spec',
        message:
          "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        reason: 'FieldValueForbidden',
      });
    }
  } else if (key === '/Service') {
    if (
      before.clusterIP &&
      after.clusterIP &&
      before.clusterIP !== after.clusterIP
    ) {
      causes.push(immutable('spec.clusterIP'));
    }
  } else if (key === '/ConfigMap' || key === '/Secret') {
    if ((live as any).immutable === true) {
      const fields =
        key === '/ConfigMap' ? ['data', 'binaryData'] : ['data', 'type'];
      for (const field of fields) {
        if (!same((live as any)[field], (next as any)[field])) {
          causes.push({
            field,
            message: 'Forbidden: field is immutable when `immutable` is set',
            reason: 'FieldValueForbidden',
          });
        }
      }
      if ((next as any).immutable !== true) {
        causes.push({
          field: 'immutable',
          message: 'Forbidden: field is immutable when `immutable` is set',
          reason: 'FieldValueForbidden',
        });
      }
    }
  }
  return causes;
}
