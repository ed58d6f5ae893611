import { createHash } from 'node:crypto';
import fastStableStringify from 'fast-json-stable-stringify';
import type { KubeObject } from '../kube/kubeObject';

/** Metadata the API server owns; it never counts as drift. */
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** Annotations that tools and controllers write on their own. */
const IGNORED_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];

/**
 * The part of an object that Git decides: without status, server metadata or
 * annotations that controllers write. Secret `stringData` is folded into
 * `data` as the API server does.
 */
export function normalizeObject(object: KubeObject): KubeObject {
  const copy: any = structuredClone(object);
  delete copy.status;
  for (const key of SERVER_METADATA) delete copy.metadata[key];
  if (copy.metadata.annotations) {
    for (const key of IGNORED_ANNOTATIONS)
      delete copy.metadata.annotations[key];
    if (Object.keys(copy.metadata.annotations).length === 0) {
      delete copy.metadata.annotations;
    }
  }
  if (copy.metadata.labels && Object.keys(copy.metadata.labels).length === 0) {
    delete copy.metadata.labels;
  }
  if (copy.kind === 'Secret' && copy.apiVersion === 'v1' && copy.stringData) {
    copy.data = { ...copy.data };
    for (const [key, value] of Object.entries(copy.stringData)) {
      copy.data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    }
    delete copy.stringData;
  }
  return copy;
}

/**
 * JSON with sorted keys, so that equal objects give equal text. As with
 * `JSON.stringify`, keys whose value is undefined are left out and undefined
 * array items become `null`.
 */
export function stableStringify(value: unknown): string {
  return fastStableStringify(value);
}

/** An object as `sameObject` compares it: normalized, as stable JSON. */
function normalizedText(object: KubeObject): string {
  return stableStringify(normalizeObject(object));
}

/**
 * A digest of a value's stable JSON: equal values, equal digests. What the
 * engine keeps to know an object again, in place of its JSON (which V8 holds
 * as a rope of dozens of pieces, each one for the garbage collector to mark).
 */
export function stableDigest(value: unknown): string {
  return createHash('sha256')
    .update(stableStringify(value))
    .digest('base64url');
}

/** The digest of an object as `sameObject` compares it. */
export function normalizedDigest(object: KubeObject): string {
  return stableDigest(normalizeObject(object));
}

/** True when both objects are the same once normalized. */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return normalizedText(a) === normalizedText(b);
}
